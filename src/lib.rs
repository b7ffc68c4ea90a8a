//! csfkit: a NIST Cybersecurity Framework catalogue in SQLite, shared-responsibility
//! ownership per cloud service model, evidence import from spreadsheets, and audit-ready
//! exports, for compliance officers.
//!
//! `main.rs` only calls [`run`]; everything else lives in this library so that unit and
//! integration tests reach it. Module map:
//! - [`cli`]: arguments, help, dispatch (one module per subcommand);
//! - [`catalogue`]: the SQLite file, migrations, every SQL statement;
//! - [`framework`]: parsing NIST exports into a model;
//! - [`ids`]: control ID normalisation and suggestions;
//! - [`embedded`]: the data shipped in the binary;
//! - [`output`]: table/CSV/JSON listings and stderr messages;
//! - [`error`]: the error type and the exit-code contract.

pub mod catalogue;
pub mod cli;
pub mod embedded;
pub mod error;
pub mod export;
pub mod ids;
pub mod import;
pub mod model;
pub mod output;
pub mod pdf;
pub mod util;
pub mod view;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::output::Messages;

/// Parses `args`, runs the command, prints any error once, and returns the exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                error::EXIT_USAGE
            } else {
                error::EXIT_OK
            });
        }
    };
    let quiet = cli.global.quiet;
    match cli::dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        // A closed pipe (`csfkit controls | head`) is not a failure.
        Err(e) if e.is_broken_pipe() => ExitCode::from(error::EXIT_OK),
        Err(e) => {
            Messages::new(quiet).error(e.to_string());
            ExitCode::from(e.exit_code())
        }
    }
}
