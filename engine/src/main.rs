use clap::Parser;

/// The fonts and the sample archive, carried inside the executable.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

fn main() {
    tiexin::cli::allocator::tune();
    tiexin::assets::register(embedded::FONTS, embedded::SAMPLE);
    let cli = tiexin::cli::Cli::parse();
    match tiexin::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // Archive text in a message (a header, a value) may hold control characters.
            tiexin::cli::terminal::clear();
            eprintln!(
                "{} {}",
                tiexin::cli::terminal::paint("error:", 31),
                tiexin::cli::output::terminal_safe(&e.to_string())
            );
            std::process::exit(e.exit_code());
        }
    }
}
