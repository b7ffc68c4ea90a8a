//! csfkit: a NIST Cybersecurity Framework catalogue in SQLite, shared-responsibility
//! ownership per cloud service model, evidence import from spreadsheets, and audit-ready
//! exports, for compliance officers.
//!
//! `main.rs` only calls [`run`]; everything else lives in this library so that unit and
//! integration tests reach it. Module map (arrows point the only way dependencies go):
//! - [`cli`]: arguments, help text, one module per command: parse, call one engine function,
//!   print its report; the listings' columns (`cli::columns`);
//! - [`import`]: everything that comes in from files: the one table reader (every format and
//!   container guard), header finding, control-ID resolution, and the importers of evidence,
//!   assessments, provider matrices (spreadsheets and OSCAL component definitions) and
//!   framework exports;
//! - [`export`]: everything that goes out as files: the audit package (PDF report, CSV files,
//!   OSCAL documents, manifest, folder or zip) and `verify`, the evidence template, matrix files;
//! - [`view`]: read models over the catalogue: the control matrix of a scope, its coverage;
//! - [`catalogue`]: the SQLite file, migrations, the history chains, every SQL statement, with
//!   typed records and a write API that ends transactions with a typed outcome;
//! - [`model`]: the domain vocabulary without I/O (service models, ownership, status,
//!   evidence, frameworks, the OSCAL names csfkit writes and reads);
//! - [`pdf`]: the streaming PDF writer and its layout engine;
//! - [`embedded`]: the data shipped in the binary, parsed for the catalogue's first use;
//! - [`ids`]: control ID normalisation and suggestions;
//! - [`output`]: table/CSV/JSON listings and messages on stderr;
//! - [`util`]: hashing, dates, CSV neutralisation, the file-system rules;
//! - [`error`]: the error type and the exit-code contract.
//!
//! cli → import, export → view → catalogue → model; every layer uses `error`, `util`, `ids`.

pub(crate) mod catalogue;
pub(crate) mod cli;
pub(crate) mod embedded;
pub(crate) mod error;
pub(crate) mod export;
pub(crate) mod ids;
pub(crate) mod import;
pub(crate) mod model;
pub(crate) mod output;
pub(crate) mod pdf;
pub(crate) mod util;
pub(crate) mod view;

/// The evidence fields in the order of the csfkit layout (for `examples/bench_gen.rs`).
pub use model::evidence::FIELDS as EVIDENCE_FIELDS;

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
            // clap prints help/version to stdout (exit 0); usage errors go to stderr (exit 2),
            // with the value they quote escaped like every message (`output::terminal_text`).
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::from(error::EXIT_OK);
            }
            let text = e.render().to_string();
            let _ = std::io::Write::write_all(
                &mut std::io::stderr().lock(),
                output::terminal_text(&text).as_bytes(),
            );
            return ExitCode::from(error::EXIT_USAGE);
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
