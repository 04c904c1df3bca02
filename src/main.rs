//! The `fanzha-bot` binary: parses the command line and hands over to [`fanzha_bot::cli`].

use std::process::ExitCode;

use clap::Parser;

// See the note on `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = fanzha_bot::cli::Cli::parse();
    match fanzha_bot::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fanzha-bot: {err:#}");
            ExitCode::from(2)
        }
    }
}
