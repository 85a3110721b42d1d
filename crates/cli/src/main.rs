//! `skillreg`: the registry's command-line tool. `main` only wires: parse arguments, load
//! settings, build adapters, hand them to the server.

mod serve;

use clap::{Parser, Subcommand};

/// A registry for agent skills.
#[derive(Debug, Parser)]
#[command(name = "skillreg", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the registry server.
    Serve(serve::ServeArgs),
    /// Print the server's OpenAPI document (what `docs/openapi.json` holds).
    Openapi,
}

fn print_openapi() -> anyhow::Result<()> {
    use std::io::Write as _;
    std::io::stdout()
        .write_all(skillreg_server::openapi_document().as_bytes())
        .map_err(|e| anyhow::anyhow!("writing the document: {e}"))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Openapi => print_openapi(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            #[expect(
                clippy::print_stderr,
                reason = "the binary's outermost layer reports the error"
            )]
            {
                eprintln!("error: {error:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
