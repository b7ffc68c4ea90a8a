//! The catalogue: the SQLite file and the only module that speaks SQL.
//!
//! Opening a catalogue creates it when the path does not exist yet (owner-only permissions),
//! refuses a file that is not a csfkit catalogue or was written by a newer csfkit *before*
//! changing a byte of it, applies pending migrations, and loads the embedded defaults on first
//! use. Every write runs in one `BEGIN IMMEDIATE` transaction through [`Catalogue::write`], so a
//! failed command leaves the catalogue as it was, and a writer that cannot get the lock within
//! the busy timeout becomes [`Error::Busy`] (exit 75).

mod frameworks;
mod migrations;
mod resolver;

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

pub use frameworks::{ControlDetail, ControlFilter, ControlRow, FrameworkRow, Linked, ReplaceSummary};
pub use migrations::MIGRATIONS;
pub use resolver::{Resolution, Resolver};

use crate::embedded;
use crate::error::{Error, Result};

/// `PRAGMA application_id` of csfkit catalogues ("CSFK").
pub const APPLICATION_ID: i64 = 0x4353_464B;

/// Default busy timeout; `CSFKIT_BUSY_TIMEOUT_MS` overrides it.
const DEFAULT_BUSY_MS: u64 = 5_000;

/// An open catalogue.
pub struct Catalogue {
    conn: Connection,
    path: PathBuf,
    busy_ms: u64,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue").field("path", &self.path).finish()
    }
}

/// What [`Catalogue::open`] did besides opening.
#[derive(Debug, Default, Clone)]
pub struct OpenReport {
    /// The file did not exist and was created.
    pub created: bool,
    /// Migrations applied (from, to).
    pub migrated: Option<(i64, i64)>,
    /// Embedded frameworks (re)loaded.
    pub loaded: Vec<String>,
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt))
}

impl Catalogue {
    /// Opens (creating if needed) the catalogue at `path` and brings it up to date.
    pub fn open(path: &Path) -> Result<(Self, OpenReport)> {
        let mut report = OpenReport::default();
        let busy_ms = std::env::var("CSFKIT_BUSY_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_BUSY_MS);
        match std::fs::metadata(path) {
            Ok(meta) => {
                if meta.is_dir() {
                    return Err(Error::NotCatalogue {
                        path: path.into(),
                        reason: "it is a directory".into(),
                    });
                }
                if meta.len() > 0 {
                    check_magic(path)?;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_private(path)?;
                report.created = true;
            }
            Err(e) => {
                return Err(Error::InputMissing {
                    path: path.into(),
                    source: e,
                });
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::NotCatalogue {
            path: path.into(),
            reason: e.to_string(),
        })?;
        conn.busy_timeout(Duration::from_millis(busy_ms))
            .map_err(|e| Error::sqlite("setting the busy timeout", e))?;
        let mut cat = Catalogue {
            conn,
            path: path.into(),
            busy_ms,
        };
        let (version, app_id, tables) = cat.inspect()?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(Error::CatalogueTooNew {
                path: path.into(),
                found: version,
                supported: known,
            });
        }
        if app_id != APPLICATION_ID && (version > 0 || tables > 0) {
            return Err(Error::NotCatalogue {
                path: path.into(),
                reason: "it is an SQLite database of another program".into(),
            });
        }
        // Only now, with the file known to be ours, change anything.
        cat.pragmas()?;
        if version < known {
            cat.migrate(version)?;
            report.migrated = Some((version, known));
        }
        report.loaded = cat.ensure_defaults()?;
        Ok((cat, report))
    }

    /// The catalogue file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for read-only queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Turns a SQLite error into an [`Error`], recognising a busy catalogue.
    pub fn err(&self, context: &str, e: rusqlite::Error) -> Error {
        if is_busy(&e) {
            Error::Busy {
                path: self.path.clone(),
                waited_ms: self.busy_ms,
            }
        } else {
            Error::sqlite(context, e)
        }
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction; commits only if it returns `Ok`.
    pub fn write<T>(&mut self, context: &str, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let busy_ms = self.busy_ms;
        let map = |e: rusqlite::Error| {
            if is_busy(&e) {
                Error::Busy {
                    path: path.clone(),
                    waited_ms: busy_ms,
                }
            } else {
                Error::sqlite(context, e)
            }
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(map)?;
        let value = f(&tx)?;
        tx.commit().map_err(map)?;
        Ok(value)
    }

    fn inspect(&self) -> Result<(i64, i64, i64)> {
        let q = |sql: &str| -> Result<i64> {
            self.conn.query_row(sql, [], |r| r.get(0)).map_err(|e| {
                if is_not_a_database(&e) {
                    Error::NotCatalogue {
                        path: self.path.clone(),
                        reason: "not an SQLite database".into(),
                    }
                } else {
                    self.err("reading the catalogue header", e)
                }
            })
        };
        let version = q("PRAGMA user_version")?;
        let app_id = q("PRAGMA application_id")?;
        let tables = q("SELECT count(*) FROM sqlite_master")?;
        Ok((version, app_id, tables))
    }

    fn pragmas(&self) -> Result<()> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| self.err("reading the journal mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            self.conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .map_err(|e| self.err("switching to WAL", e))?;
        }
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(|e| self.err("setting pragmas", e))
    }

    fn migrate(&mut self, from: i64) -> Result<()> {
        self.write("migrating the catalogue schema", |tx| {
            // Re-read inside the lock: another process may have migrated meanwhile.
            let current: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| Error::sqlite("reading the schema version", e))?;
            let start = usize::try_from(current.max(from)).unwrap_or(0);
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
                tx.execute_batch(sql)
                    .map_err(|e| Error::sqlite(format!("applying migration {}", i + 1), e))?;
            }
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
                MIGRATIONS.len()
            ))
            .map_err(|e| Error::sqlite("recording the schema version", e))?;
            Ok(())
        })
    }

    /// Reads a `meta` value.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err("reading catalogue metadata", e))
    }

    /// Loads the embedded defaults when the catalogue has not seen this binary's data yet.
    fn ensure_defaults(&mut self) -> Result<Vec<String>> {
        let digest = embedded::digest();
        if self.meta("embedded_digest")?.as_deref() == Some(digest.as_str()) {
            return Ok(Vec::new());
        }
        // Parse outside the transaction: it is the slow part and needs no lock.
        let mut parsed = Vec::new();
        for f in embedded::FRAMEWORKS {
            let data = crate::framework::parse(f.file, f.bytes, &f.options())?;
            parsed.push(data);
        }
        self.write("loading the embedded frameworks", |tx| {
            let mut loaded = Vec::new();
            for data in &parsed {
                let current: Option<(String, String)> = tx
                    .query_row(
                        "SELECT origin, source_sha256 FROM framework WHERE id = ?1",
                        [&data.id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(|e| Error::sqlite("reading frameworks", e))?;
                // Refresh what we loaded ourselves; never overwrite a user's import.
                let load = match &current {
                    None => true,
                    Some((origin, sha)) => origin == "embedded" && *sha != data.source_sha256,
                };
                if load {
                    frameworks::store(tx, data, "embedded")?;
                    loaded.push(data.id.clone());
                }
            }
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('embedded_digest', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [&digest],
            )
            .map_err(|e| Error::sqlite("recording the embedded data version", e))?;
            Ok(loaded)
        })
    }
}

/// Refuses a file whose first bytes are not the SQLite header, without writing to it.
fn check_magic(path: &Path) -> Result<()> {
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let n = f
        .read(&mut head)
        .map_err(|e| Error::io(format!("reading `{}`", path.display()), e))?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(Error::NotCatalogue {
            path: path.into(),
            reason: "not an SQLite database".into(),
        });
    }
    Ok(())
}

/// Creates an empty file readable and writable by its owner only.
fn create_private(path: &Path) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(|_| ()).map_err(|e| Error::CantCreate {
        path: path.into(),
        reason: e.to_string(),
    })
}

/// Current UTC time as RFC 3339 with seconds, for provenance columns.
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
