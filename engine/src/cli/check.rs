//! `tiexin completions SHELL` and `tiexin check`: shell completions, and what this
//! installation runs with (where its fonts, sample archive and queries come from), its
//! configuration checked, every template parsed.

use clap::CommandFactory;

use super::args::{CheckArgs, Cli, CompletionsArgs};
use crate::config::Config;
use crate::error::Result;
use crate::sql::catalog::{self, Catalog};

/// Runs `tiexin completions`: the completion script on standard output.
pub fn completions(args: CompletionsArgs) -> Result<i32> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "tiexin", &mut std::io::stdout());
    Ok(0)
}

/// Runs `tiexin check`: one line per thing checked; exit 2 at the first that fails.
pub fn check(args: CheckArgs) -> Result<i32> {
    println!(
        "tiexin {} (commit {})",
        env!("CARGO_PKG_VERSION"),
        env!("TIEXIN_COMMIT")
    );
    let fonts = crate::documents::fonts::shared()?;
    println!(
        "fonts: {} faces from {}",
        fonts.fonts.len(),
        fonts.dir.display()
    );
    match crate::assets::sample_dir() {
        Some(dir) => println!(
            "sample archive: embedded in the executable, written out to {}",
            dir?.display()
        ),
        None => println!(
            "sample archive: {} (the source tree; this executable carries none)",
            super::bundled_archive().display()
        ),
    }
    let catalog = match &args.queries {
        Some(dir) => Catalog::with_overrides(dir)?,
        None => Catalog::builtin(),
    };
    println!(
        "queries: {} embedded, {} replaced",
        catalog::all().count(),
        catalog.replaced().len()
    );
    Config::load(args.config.as_deref())?;
    match &args.config {
        Some(p) => println!("config: {} is valid", p.display()),
        None => println!("config: built-in values"),
    }
    for t in crate::documents::templates::check()? {
        println!("template: {t} parses");
    }
    Ok(0)
}
