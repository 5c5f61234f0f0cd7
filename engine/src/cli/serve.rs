//! `tiexin serve` and `tiexin passwd`: resolve the web console's settings from the
//! arguments and the config (again on every reload), and hash a password.

use std::io::{BufRead, IsTerminal};

use super::args::ServeArgs;
use crate::analysis::shortlist::Params;
use crate::error::{Error, Result};
use crate::web::{self, Settings};

/// The settings of the console from the arguments and the config file as it is now.
fn settings(args: &ServeArgs) -> Result<Settings> {
    let (config, session) = super::resolve(&args.archive)?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::Internal(format!("cannot find tiexin's own executable: {e}")))?;
    let mut query_command: Vec<std::ffi::OsString> = vec![
        exe.into_os_string(),
        "query".into(),
        "--archive".into(),
        session.archive.clone().into_os_string(),
    ];
    if let Some(c) = &args.archive.config {
        query_command.extend(["--config".into(), c.clone().into_os_string()]);
    }
    if args.archive.no_cache {
        query_command.push("--no-cache".into());
    }
    let params = Params::from_config(&config.shortlist, args.archive.config.as_deref())?;
    let state_dir = config.state_folder();
    Ok(Settings {
        bind: args.bind,
        behind_proxy: args.behind_proxy,
        session,
        users: config.users.clone(),
        state_dir,
        bulletin: config.document(config.bulletin.as_ref()),
        shortlist: params,
        query_command,
    })
}

/// Runs `tiexin serve` until interrupted.
pub async fn run(args: ServeArgs) -> Result<i32> {
    if args.archive.queries.is_some() {
        return Err(Error::Usage(
            "--queries: the console serves the built-in queries only; run replaced queries with the command line".into(),
        ));
    }
    let first = settings(&args)?;
    if first.users.is_empty() {
        super::terminal::warn("the config has no [[users]]: nobody can log in (make a password hash with `tiexin passwd`)");
    }
    web::serve(first, Box::new(move || settings(&args))).await
}

/// Runs `tiexin passwd`: reads a password (one line of standard input) and prints its
/// argon2 hash for `password-hash` in `[[users]]`.
pub fn passwd() -> Result<i32> {
    if std::io::stdin().is_terminal() {
        say!("password (shown as typed; or pipe it in):");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("standard input", e))?;
    let password = line.trim_end_matches(['\n', '\r']);
    println!("{}", web::users::hash_password(password)?);
    Ok(0)
}
