//! The one error type of csfkit, and the exit-code contract.
//!
//! Every failure a user can meet is a variant here, carrying the context its message needs
//! (path, sheet, row, column). Messages are written once, in `Display`; only `lib::run` prints
//! them. Exit codes follow sysexits where one fits:
//!
//! | code | meaning |
//! |------|---------|
//! | 0  | success |
//! | 1  | failure not listed below (also a failed verification or check) |
//! | 2  | usage error (bad flag or argument) |
//! | 65 | bad input data; nothing was changed |
//! | 66 | input file missing or unreadable |
//! | 73 | output cannot be created |
//! | 74 | I/O error |
//! | 75 | catalogue busy (locked by another writer past the timeout) |
//! | 130 | interrupted (SIGINT, SIGTERM or SIGHUP); nothing half-written is left |

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Success.
pub(crate) const EXIT_OK: u8 = 0;
/// A failure not listed below, also a failed verification or check.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Usage error.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Bad input data; nothing was changed.
pub(crate) const EXIT_DATA: u8 = 65;
/// Input file missing or unreadable.
pub(crate) const EXIT_NO_INPUT: u8 = 66;
/// Output cannot be created.
pub(crate) const EXIT_CANT_CREATE: u8 = 73;
/// I/O error.
pub(crate) const EXIT_IO: u8 = 74;
/// Catalogue busy.
pub(crate) const EXIT_BUSY: u8 = 75;
/// Interrupted by a signal: 128 + the signal's number, as shells report a process it ended
/// (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
pub(crate) const EXIT_SIGNAL_BASE: u8 = 128;

/// Shorthand used across the crate.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input file a problem sits, as the user sees it (rows and columns 1-based,
/// the header row counted as in the spreadsheet).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Location {
    /// The file as the user named it.
    pub file: String,
    /// Worksheet name, for spreadsheets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Row number as shown by a spreadsheet program (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// Column header (or letter when there is no header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl Location {
    /// A whole file, as the user named it.
    pub(crate) fn in_file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            ..Location::default()
        }
    }

    /// The place in `sheet` (None for a CSV file).
    #[must_use]
    pub(crate) fn in_sheet(self, sheet: Option<String>) -> Self {
        Location { sheet, ..self }
    }

    /// The place at `row`, as the spreadsheet shows it.
    #[must_use]
    pub(crate) fn at_row(self, row: usize) -> Self {
        Location {
            row: Some(row),
            ..self
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet `{sheet}`")?;
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        Ok(())
    }
}

/// One problem found while validating input, reported together with all the others.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Problem {
    /// Where it is.
    pub location: Location,
    /// The offending value, as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What is wrong and what was expected, lower-case, ready to print after the location.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location)?;
        if let Some(v) = &self.value {
            write!(f, "`{v}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// A value refused: the value as given and why, in a sentence ready to print (it names the
/// value and says what was expected). Placed in a file, it becomes a [`Problem`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ValueError {
    /// The offending value, as given.
    pub value: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ValueError {
    /// A refusal of `value`.
    pub(crate) fn new(value: impl Into<String>, message: impl Into<String>) -> Self {
        ValueError {
            value: value.into(),
            message: message.into(),
        }
    }

    /// The refusal at a place in a file.
    pub(crate) fn at(self, location: Location) -> Problem {
        Problem {
            location,
            value: Some(self.value),
            message: self.message,
        }
    }
}

/// How many problems of an [`Error::Invalid`] are listed; the rest are counted.
pub(crate) const SHOWN_PROBLEMS: usize = 100;

/// The problems of an [`Error::Invalid`], one per line; past [`SHOWN_PROBLEMS`] the rest
/// (those listed past it and the `more` not kept) are counted.
fn problem_list(problems: &[Problem], more: usize) -> String {
    let mut out: Vec<String> = problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|p| format!("  {p}"))
        .collect();
    let rest = problems.len().saturating_sub(SHOWN_PROBLEMS) + more;
    if rest > 0 {
        out.push(format!(
            "  ... and {rest} more (the import's --errors-out FILE writes every rejected row with its reasons)"
        ));
    }
    out.join("\n")
}

/// Every error csfkit reports.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// A usage error found after clap parsing (conflicting values, bad option value).
    #[error("{0}")]
    Usage(String),

    /// An environment variable set to a value csfkit cannot use (`CSFKIT_TODAY`).
    #[error(transparent)]
    Env(#[from] crate::util::EnvError),

    /// Bad input data in a single place (an unknown control ID, a malformed value).
    #[error("{0}")]
    Data(String),

    /// Bad input data at one place of an input file: the file, and the sheet, row and column
    /// where they are known. Nothing was changed.
    #[error("{at}: {message}")]
    BadInput {
        /// Where.
        at: Location,
        /// What is wrong and what was expected.
        message: String,
    },

    /// No header row where one was looked for (in the file, in its sheet, or at the row
    /// `--header-row` names): the message says what was expected.
    #[error("{at}: {message}")]
    NoHeader {
        /// The file, and the sheet or row searched.
        at: Location,
        /// What the header row needs, and how to point at it.
        message: String,
    },

    /// The input file changed while it was being imported: the hash recorded would not be the
    /// hash of the rows read. Nothing was changed.
    #[error(
        "{file}: the file changed while it was being imported ({what}); nothing was imported, import it again once it is saved"
    )]
    FileChanged {
        /// The file as the user named it.
        file: String,
        /// What was seen to change.
        what: &'static str,
    },

    /// A name the catalogue does not hold (a provider, a framework).
    #[error("{kind} `{name}` is not in the catalogue{hint}")]
    NotInCatalogue {
        /// What kind of thing (`provider`, `framework`).
        kind: &'static str,
        /// The name as given.
        name: String,
        /// What there is instead (suggestion, the known names, the command that lists them).
        hint: String,
    },

    /// A scope naming a service model the provider publishes no matrix for.
    #[error("provider `{provider}` has no `{service}` matrix; it covers {covers}")]
    NoServiceMatrix {
        /// The provider.
        provider: String,
        /// The service model asked for.
        service: String,
        /// The service models it covers, `iaas,model`.
        covers: String,
    },

    /// Something csfkit itself got wrong; the message says what.
    #[error("{0} (a bug: please report it)")]
    Bug(String),

    /// Several problems in an input file; nothing was written.
    #[error("{file}: {count} problem{s} found, nothing was changed:\n{list}",
        count = problems.len() + more,
        s = if problems.len() + more == 1 { "" } else { "s" },
        list = problem_list(problems, *more))]
    Invalid {
        /// The input file.
        file: String,
        /// The problems found (the first ones, when `more` is not 0).
        problems: Vec<Problem>,
        /// Problems found and counted, but not kept (an evidence import keeps the first
        /// [`SHOWN_PROBLEMS`]).
        more: usize,
    },

    /// An input file that does not exist or cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    InputMissing {
        /// The path as given.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },

    /// An input file that exists but cannot be read: empty, truncated, damaged or encrypted.
    #[error("{0}")]
    Unreadable(String),

    /// An output that cannot be created.
    #[error("cannot create `{}`: {reason}", path.display())]
    CantCreate {
        /// The output path.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// An I/O error while reading or writing.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: io::Error,
    },

    /// The catalogue is locked by another writer.
    #[error("catalogue busy: `{}` is locked by another csfkit process or program; try again when it has finished (waited {waited_ms} ms)", path.display())]
    Busy {
        /// The catalogue file.
        path: PathBuf,
        /// How long we waited.
        waited_ms: u64,
    },

    /// The file named by `--db` is not a csfkit catalogue.
    #[error("`{}` is not a csfkit catalogue ({reason}); it was left untouched. Point --db (or CSFKIT_DB) at a csfkit catalogue, or at a path that does not exist yet to create one", path.display())]
    NotCatalogue {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// No catalogue at the path a command that never creates one (`check`, `backup`) was given.
    #[error("no catalogue at `{}`{reason}; `csfkit check` and `csfkit backup` never create one. Check --db (or CSFKIT_DB): it must name an existing catalogue", path.display())]
    NoCatalogue {
        /// The path as given.
        path: PathBuf,
        /// More about what is there (empty when nothing is), starting with `: `.
        reason: String,
    },

    /// The catalogue was written by a newer csfkit.
    #[error("catalogue `{}` has schema version {found}, but this csfkit (v{version}) knows only up to {supported}; it was written by a newer csfkit and was left untouched. Upgrade csfkit to use it", path.display(), version = env!("CARGO_PKG_VERSION"))]
    CatalogueTooNew {
        /// The file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// The newest this binary knows.
        supported: i64,
    },

    /// A database error that is not the user's fault.
    #[error("catalogue error while {context}: {source}")]
    Sqlite {
        /// What was being done.
        context: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },

    /// A check or verification that failed; the message says what.
    #[error("{0}")]
    Failed(String),

    /// A signal asked csfkit to stop; what it had staged was removed.
    #[error("interrupted: stopped on {}; nothing was written and the files staged so far were removed", signal_name(*signal))]
    Interrupted {
        /// The signal's number (SIGINT 2, SIGTERM 15, SIGHUP 1).
        signal: i32,
    },
}

/// The name of the signals csfkit stops on.
fn signal_name(signal: i32) -> String {
    match signal {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// An output that cannot be created because of `e`: a full device is an I/O error (exit 74),
/// a read-only place says so (exit 73), anything else is "cannot create" (exit 73).
pub(crate) fn cant_create(path: &std::path::Path, e: io::Error) -> Error {
    if crate::util::fs::is_full(&e) {
        return Error::io(format!("writing `{}`", path.display()), e);
    }
    let reason = if crate::util::fs::is_read_only(&e) {
        format!("{e} (the place is read-only or not writable by this user)")
    } else {
        e.to_string()
    };
    Error::CantCreate {
        path: path.into(),
        reason,
    }
}

impl Error {
    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Env(_) => EXIT_USAGE,
            Error::Data(_)
            | Error::BadInput { .. }
            | Error::NoHeader { .. }
            | Error::FileChanged { .. }
            | Error::NotInCatalogue { .. }
            | Error::NoServiceMatrix { .. }
            | Error::Invalid { .. }
            | Error::NotCatalogue { .. }
            | Error::CatalogueTooNew { .. } => EXIT_DATA,
            Error::InputMissing { .. } | Error::Unreadable(_) | Error::NoCatalogue { .. } => EXIT_NO_INPUT,
            Error::CantCreate { .. } => EXIT_CANT_CREATE,
            Error::Io { .. } => EXIT_IO,
            Error::Busy { .. } => EXIT_BUSY,
            Error::Interrupted { signal } => {
                EXIT_SIGNAL_BASE.saturating_add(u8::try_from(*signal).unwrap_or(2))
            }
            Error::Sqlite { source, .. } => match source.sqlite_error_code() {
                // The disk filled up under the catalogue (or its journal).
                Some(rusqlite::ErrorCode::DiskFull) => EXIT_IO,
                Some(rusqlite::ErrorCode::ReadOnly) => EXIT_CANT_CREATE,
                Some(rusqlite::ErrorCode::SystemIoFailure) => EXIT_IO,
                _ => EXIT_FAILURE,
            },
            Error::Failed(_) | Error::Bug(_) => EXIT_FAILURE,
        }
    }

    /// True when the error is a closed pipe on stdout (`csfkit ... | head`), which is not a failure.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Io { source, .. } => source.kind() == io::ErrorKind::BrokenPipe,
            _ => false,
        }
    }

    /// Wraps an I/O error with what was being done.
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Wraps a SQLite error with what was being done.
    pub(crate) fn sqlite(context: impl Into<String>, source: rusqlite::Error) -> Self {
        Error::Sqlite {
            context: context.into(),
            source,
        }
    }
}

impl From<csv::Error> for Error {
    fn from(err: csv::Error) -> Self {
        // Keep I/O errors as I/O errors so that a closed pipe is still recognised.
        if err.is_io_error() {
            if let csv::ErrorKind::Io(e) = err.into_kind() {
                return Error::io("writing output", e);
            }
            return Error::Failed("csv I/O error".into());
        }
        Error::Data(format!("csv error: {err}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        if err.is_io() {
            let kind = err.io_error_kind().unwrap_or(io::ErrorKind::Other);
            return Error::io("writing output", io::Error::new(kind, err.to_string()));
        }
        Error::Failed(format!("json error: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_recognised_through_csv() {
        let e = csv::Error::from(io::Error::new(io::ErrorKind::BrokenPipe, "pipe"));
        assert!(Error::from(e).is_broken_pipe());
    }

    #[test]
    fn location_prints_what_is_known() {
        let loc = Location {
            file: "e.xlsx".into(),
            sheet: Some("Evidence".into()),
            row: Some(4),
            column: Some("Control ID".into()),
        };
        assert_eq!(
            loc.to_string(),
            "e.xlsx, sheet `Evidence`, row 4, column `Control ID`"
        );
    }

    /// The typed variants say where and what, in the words the free-text ones used.
    #[test]
    fn typed_errors_carry_their_place() {
        let at = Location::in_file("t.xlsx").in_sheet(Some("Q3".into())).at_row(7);
        let e = Error::NoHeader {
            at: at.clone(),
            message: "the header row (--header-row 7) is empty".into(),
        };
        assert_eq!(
            e.to_string(),
            "t.xlsx, sheet `Q3`, row 7: the header row (--header-row 7) is empty"
        );
        assert_eq!(e.exit_code(), EXIT_DATA);
        let e = Error::BadInput {
            at: Location::in_file("core.json"),
            message: "not UTF-8 text".into(),
        };
        assert_eq!(
            (e.to_string().as_str(), e.exit_code()),
            ("core.json: not UTF-8 text", 65)
        );
        let e = Error::FileChanged {
            file: "t.csv".into(),
            what: "its size changed",
        };
        assert!(e.to_string().starts_with(
            "t.csv: the file changed while it was being imported (its size changed); nothing was imported"
        ));
        assert_eq!(e.exit_code(), 65);
        let e = Error::NotInCatalogue {
            kind: "provider",
            name: "acme".into(),
            hint: "; known: digitalocean".into(),
        };
        assert_eq!(
            e.to_string(),
            "provider `acme` is not in the catalogue; known: digitalocean"
        );
        let e = Error::NoServiceMatrix {
            provider: "digitalocean".into(),
            service: "model".into(),
            covers: "iaas,paas,saas".into(),
        };
        assert_eq!(
            (e.to_string().as_str(), e.exit_code()),
            (
                "provider `digitalocean` has no `model` matrix; it covers iaas,paas,saas",
                65
            )
        );
        let e = Error::Bug("the hashing thread failed".into());
        assert_eq!(
            (e.to_string().as_str(), e.exit_code()),
            ("the hashing thread failed (a bug: please report it)", 1)
        );
        let e = Error::from(crate::util::EnvError {
            var: "CSFKIT_TODAY",
            why: "`x` is not a date".into(),
        });
        assert_eq!(
            (e.to_string().as_str(), e.exit_code()),
            ("CSFKIT_TODAY: `x` is not a date", 2)
        );
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(Error::Usage(String::new()).exit_code(), 2);
        assert_eq!(Error::Data(String::new()).exit_code(), 65);
        assert_eq!(
            Error::Busy {
                path: "x".into(),
                waited_ms: 1
            }
            .exit_code(),
            75
        );
    }
}
