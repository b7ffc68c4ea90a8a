//! The catalogue: the SQLite file and the only module that speaks SQL.
//!
//! Opening a catalogue creates it when the path does not exist yet (owner-only permissions),
//! refuses a file that is not a csfkit catalogue or was written by a newer csfkit *before*
//! changing a byte of it, applies pending migrations, and loads the embedded defaults on first
//! use. Every write runs in one `BEGIN IMMEDIATE` transaction through [`Catalogue::write`], so a
//! failed command leaves the catalogue as it was, and a writer that cannot get the lock within
//! the busy timeout becomes [`Error::Busy`] (exit 75).

mod as_of;
mod assessment;
mod attestation;
pub(crate) mod chain;
pub(crate) mod digest;
pub(crate) mod evidence;
mod frameworks;
mod integrity;
mod migrations;
mod open;
mod plan;
mod profile;
mod responsibility;
mod retarget;
mod review;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior};

pub(crate) use as_of::AsOf;
pub(crate) use assessment::{AssessmentRow, NewAssessment, summary as assessment_summary};
pub(crate) use frameworks::{ControlDetail, ControlFilter, FrameworkRow, Linked, ReplaceSummary};
pub(crate) use migrations::MIGRATIONS;
pub(crate) use profile::{DEFAULT_PROFILE, NewOutcome};
pub(crate) use responsibility::{OverrideRow, ProviderMeta, ProviderRow};
pub(crate) use retarget::{NewRetarget, RetargetRow, TrackerRow};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of csfkit catalogues ("CSFK").
pub(crate) const APPLICATION_ID: i64 = 0x4353_464B;

/// Default busy timeout; `CSFKIT_BUSY_TIMEOUT_MS` overrides it.
const DEFAULT_BUSY_MS: u64 = 5_000;

/// An open catalogue.
pub(crate) struct Catalogue {
    conn: Connection,
    path: PathBuf,
    busy_ms: u64,
    read_only: bool,
    /// The point in time reads of the history stand at ([`Catalogue::stand_at`]); None: now.
    as_of: Option<AsOf>,
    /// The profile in use ([`Catalogue::use_profile`]): what assessments, plans, ownership
    /// changes, outcomes and the scope are read from and written to; 1 is the default profile.
    profile: i64,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue").field("path", &self.path).finish()
    }
}

/// How a write transaction ends: decided by the code that ran in it, not by an error.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    /// Keep what was written.
    Commit(T),
    /// Undo what was written (a dry run, an all-or-nothing import with a bad row, a pass
    /// that must be done again).
    Rollback(T),
}

impl<T> Outcome<T> {
    /// The value, however the transaction ended.
    pub(crate) fn into_inner(self) -> T {
        match self {
            Outcome::Commit(v) | Outcome::Rollback(v) => v,
        }
    }
}

/// A write transaction of the catalogue, handed to an importer: the write API (see
/// `evidence.rs`); the SQL stays in this module.
pub(crate) struct Tx<'c> {
    pub(crate) tx: Transaction<'c>,
}

/// A read snapshot: everything read while it lives sees the catalogue as of one moment.
pub(crate) struct Snapshot<'c> {
    _tx: Transaction<'c>,
}

/// The IDs of one framework as the catalogue holds them: active elements per level in
/// document order, and the CSF 1.1 crosswalk (old ID, new ID). What a
/// [`crate::import::resolve::Resolver`] is built from.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdSet {
    /// Active subcategory IDs.
    pub subcategories: Vec<String>,
    /// Active category IDs.
    pub categories: Vec<String>,
    /// Function IDs.
    pub functions: Vec<String>,
    /// (CSF 1.1 ID, ID in this framework), distinct.
    pub crosswalk: Vec<(String, String)>,
}

/// The data a new catalogue is filled with (and refreshed from when it changes): what the
/// binary ships, parsed by the caller (`crate::embedded`), so that this module never parses
/// files.
pub(crate) struct Defaults {
    /// A digest of the shipped files: the catalogue keeps it and loads again only when it changes.
    pub digest: String,
    /// Parses the shipped files (called only when needed).
    pub load: fn() -> Result<DefaultData>,
}

/// The shipped frameworks and provider matrices, parsed.
pub(crate) struct DefaultData {
    /// Framework catalogues.
    pub frameworks: Vec<crate::model::framework::FrameworkData>,
    /// Provider matrices with their cells.
    pub matrices: Vec<(ProviderMeta, Vec<crate::model::ownership::Cell>)>,
}

/// A finished backup.
#[derive(Debug, Clone)]
pub(crate) struct BackupDone {
    /// SHA-256 of the copy.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What [`Catalogue::open`] did besides opening.
#[derive(Debug, Default, Clone)]
pub(crate) struct OpenReport {
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
    fn read_only_error(&self, why: &str) -> Error {
        Error::CantCreate {
            path: self.path.clone(),
            reason: format!(
                "the catalogue is read-only for this user (file or folder permissions, or a read-only file system): {why}; commands that only read it (controls, matrix, evidence list, status, export, ...) still work"
            ),
        }
    }

    /// Reads the catalogue as it stood at `as_of` from now on: every read of the history
    /// (assessments, plans, ownership changes, import batches and their evidence, the scope)
    /// leaves out what was recorded after it. For commands that only read.
    pub(crate) fn stand_at(&mut self, as_of: AsOf) {
        self.as_of = Some(as_of);
    }

    /// The point in time reads stand at, when one was set.
    pub(crate) fn as_of(&self) -> Option<AsOf> {
        self.as_of
    }

    /// The profile in use (its number; [`DEFAULT_PROFILE`] is the default profile).
    pub(crate) fn profile_in_use(&self) -> i64 {
        self.profile
    }

    /// The value of a record's `profile_id` for the profile in use: NULL for the default.
    pub(crate) fn profile_column(&self) -> Option<i64> {
        (self.profile != DEFAULT_PROFILE).then_some(self.profile)
    }

    /// The first recorded time reads leave out (see [`AsOf::bound`]); None: nothing.
    pub(crate) fn bound(&self) -> Option<String> {
        self.as_of.and_then(|p| p.bound())
    }

    /// The catalogue file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for read-only queries.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Turns a SQLite error into an [`Error`], recognising a busy catalogue.
    pub(crate) fn err(&self, context: &str, e: rusqlite::Error) -> Error {
        if is_busy(&e) {
            Error::Busy {
                path: self.path.clone(),
                waited_ms: self.busy_ms,
            }
        } else {
            Error::sqlite(context, e)
        }
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, which ends as `f` decides
    /// ([`Outcome::Commit`] or [`Outcome::Rollback`]); an error rolls it back too.
    pub(crate) fn transaction<T>(
        &mut self,
        context: &str,
        f: impl FnOnce(&Tx<'_>) -> Result<Outcome<T>>,
    ) -> Result<Outcome<T>> {
        if self.read_only {
            return Err(self.read_only_error(&format!("{context} needs to write it")));
        }
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
        let tx = Tx {
            tx: self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(map)?,
        };
        let outcome = f(&tx)?;
        match &outcome {
            Outcome::Commit(_) => tx.tx.commit().map_err(map)?,
            Outcome::Rollback(_) => tx.tx.rollback().map_err(map)?,
        }
        Ok(outcome)
    }

    /// Starts a read snapshot (see [`Snapshot`]); nothing is written through it.
    pub(crate) fn snapshot(&self) -> Result<Snapshot<'_>> {
        Ok(Snapshot {
            _tx: self
                .conn
                .unchecked_transaction()
                .map_err(|e| self.err("starting a read of the catalogue", e))?,
        })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction; commits only if it returns `Ok` (a
    /// [`Catalogue::transaction`] that always ends in [`Outcome::Commit`]).
    pub(crate) fn write<T>(
        &mut self,
        context: &str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.transaction(context, |tx| f(&tx.tx).map(Outcome::Commit))
            .map(Outcome::into_inner)
    }

    /// The IDs of `framework_id` (which must be loaded) and its crosswalk.
    pub(crate) fn id_set(&self, framework_id: &str) -> Result<IdSet> {
        self.require_framework(framework_id)?;
        let mut ids = self.element_ids(framework_id)?;
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT old_id, new_id FROM successor WHERE framework_id = ?1")
            .map_err(|e| self.err("reading the crosswalk", e))?;
        let crosswalk = st
            .query_map([framework_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err("reading the crosswalk", e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err("reading the crosswalk", e))?;
        Ok(IdSet {
            subcategories: ids.remove("subcategory").unwrap_or_default(),
            categories: ids.remove("category").unwrap_or_default(),
            functions: ids.remove("function").unwrap_or_default(),
            crosswalk,
        })
    }

    /// Reads a `meta` value.
    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err("reading catalogue metadata", e))
    }
}

pub(crate) use crate::util::now_utc;

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Result<DefaultData> {
        Ok(DefaultData {
            frameworks: Vec::new(),
            matrices: Vec::new(),
        })
    }

    /// A name the catalogue does not hold is told as such, with its kind and name.
    #[test]
    fn unknown_names_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let defaults = Defaults {
            digest: "test".into(),
            load: empty,
        };
        let (cat, _) = Catalogue::open(&dir.path().join("c.db"), &defaults).unwrap();
        match cat.provider("acme") {
            Err(Error::NotInCatalogue { kind, name, .. }) => {
                assert_eq!((kind, name.as_str()), ("provider", "acme"))
            }
            other => panic!("expected an unknown provider, got {:?}", other.map(|p| p.id)),
        }
        match cat.require_framework("nist-csf-9") {
            Err(Error::NotInCatalogue { kind, name, hint }) => {
                assert_eq!((kind, name.as_str()), ("framework", "nist-csf-9"));
                assert!(hint.contains("csfkit frameworks"), "{hint}");
            }
            other => panic!("expected an unknown framework, got {other:?}"),
        }
    }
}
