use clap::Parser;

fn main() {
    let cli = tiexin::cli::Cli::parse();
    match tiexin::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
