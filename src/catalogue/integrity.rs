//! The catalogue's own checks (SQLite's integrity and foreign key checks, the history chains,
//! the content digests) and the checked backup built on them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::open::{catalogue_cant_create, plain_name};
use super::{BackupDone, Catalogue, chain, digest};
use crate::error::{Error, Result};

impl Catalogue {
    /// SQLite's `PRAGMA integrity_check`: the problems it lists (empty when the file is sound).
    pub(crate) fn integrity_check(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.err("checking the catalogue", e))?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(|e| self.err("checking the catalogue", e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err("checking the catalogue", e))?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }

    /// SQLite's `PRAGMA foreign_key_check`: every row that refers to a row that does not exist
    /// (an evidence row whose import batch is gone, an example of a removed element), as
    /// sentences, at most [`SHOWN_FK`] per table, and how many there are in all.
    pub(crate) fn foreign_key_check(&self) -> Result<(usize, Vec<String>)> {
        foreign_key_check(&self.conn).map_err(|e| self.err("checking the foreign keys", e))
    }

    /// Verifies the history chains from their first record (see [`chain`]).
    pub(crate) fn verify_chains(&self) -> Result<chain::ChainReport> {
        // One snapshot for the whole check.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.err("reading the catalogue", e))?;
        let report = chain::verify(&tx)?;
        drop(tx);
        Ok(report)
    }

    /// Recomputes the content digests of the loaded frameworks, matrices and scope (see
    /// [`digest`]) and compares them with the ones recorded when they were stored.
    pub(crate) fn verify_digests(&self) -> Result<Vec<digest::SubjectCheck>> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.err("reading the catalogue", e))?;
        let report = digest::verify(&tx)?;
        drop(tx);
        Ok(report)
    }

    /// Recomputes the digest of one provider's matrix and compares it with the one recorded
    /// when it was stored (what an export checks before it cites the matrix).
    pub(crate) fn verify_matrix_digest(&self, provider: &str) -> Result<digest::SubjectCheck> {
        digest::verify_one(&self.conn, digest::Subject::Provider, provider)
    }

    /// Compares the history chains with what a package made at `made` pinned (see
    /// [`chain::against`]), in one read snapshot.
    pub(crate) fn check_against(
        &self,
        anchors: &[chain::Anchor],
        made: &str,
    ) -> Result<Vec<chain::AnchorCheck>> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.err("reading the catalogue", e))?;
        let report = chain::against(&tx, anchors, made)?;
        drop(tx);
        Ok(report)
    }

    /// Per log: how many records and the newest link (what a package's manifest records).
    pub(crate) fn chain_heads(&self) -> Result<Vec<(chain::Log, i64, String)>> {
        chain::Log::ALL
            .iter()
            .map(|log| chain::head(&self.conn, *log).map(|(h, n)| (*log, n, h)))
            .collect()
    }

    /// Every link of `log` (record, rows digest, link), in record order: what a package lists
    /// beside each record of its history.
    pub(crate) fn chain_links(&self, log: chain::Log) -> Result<Vec<(i64, String, String)>> {
        chain::links(&self.conn, log)
    }

    /// Writes a consistent copy of the catalogue to `out` with SQLite's online backup (other
    /// processes may go on writing), checks the copy (integrity and chains) and only then puts
    /// it in place. Never overwrites `out`.
    pub(crate) fn backup_to(&self, out: &Path) -> Result<BackupDone> {
        if std::fs::symlink_metadata(out).is_ok() {
            return Err(Error::CantCreate {
                path: out.into(),
                reason: "it already exists; csfkit backup never overwrites a file. Choose another --out"
                    .into(),
            });
        }
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".csfkit-backup-")
            .suffix(".db")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .tempfile_in(&dir)
            .map_err(|e| catalogue_cant_create(out, &dir, e))?;
        {
            let mut dst = Connection::open_with_flags(
                plain_name(tmp.path()),
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| Error::sqlite("writing the backup", e))?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)
                .map_err(|e| self.err("starting the backup", e))?;
            // All pages in one step: one read snapshot, while writers go on in WAL mode.
            backup
                .run_to_completion(i32::MAX, Duration::ZERO, None)
                .map_err(|e| self.err("copying the catalogue", e))?;
            drop(backup);
            // A copy on its own: no -wal beside it.
            dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get::<_, String>(0))
                .map_err(|e| Error::sqlite("writing the backup", e))?;
            dst.close()
                .map_err(|(_, e)| Error::sqlite("writing the backup", e))?;
        }
        // Check the copy as its own catalogue before it is put in place.
        {
            let conn = Connection::open_with_flags(plain_name(tmp.path()), OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| Error::sqlite("checking the backup", e))?;
            let copy = Catalogue {
                conn,
                path: tmp.path().to_path_buf(),
                busy_ms: self.busy_ms,
                read_only: true,
                as_of: None,
                profile: super::DEFAULT_PROFILE,
            };
            let mut problems = copy.integrity_check()?;
            if problems.is_empty() {
                problems.extend(copy.foreign_key_check()?.1);
            }
            let chains = copy.verify_chains()?;
            problems.extend(copy.verify_digests()?.into_iter().flat_map(|d| d.problems));
            if !problems.is_empty() || !chains.broken.is_empty() {
                return Err(Error::Failed(format!(
                    "the backup did not pass its check ({}); nothing was written. Run `csfkit check` on the catalogue",
                    problems
                        .iter()
                        .chain(&chains.broken)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                )));
            }
        }
        let (sha256, size) =
            crate::util::hash_file(tmp.path()).map_err(|e| Error::io("reading the backup", e))?;
        // A hard link never replaces an existing file: a file made meanwhile at `out` stays.
        std::fs::hard_link(tmp.path(), out).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::CantCreate {
                    path: out.into(),
                    reason: "it already exists; csfkit backup never overwrites a file. Choose another --out"
                        .into(),
                }
            } else {
                catalogue_cant_create(out, &dir, e)
            }
        })?;
        Ok(BackupDone { sha256, size })
    }
}

/// How many rows with a broken foreign key are named per table.
pub(crate) const SHOWN_FK: usize = 10;

fn foreign_key_check(conn: &Connection) -> rusqlite::Result<(usize, Vec<String>)> {
    let mut st = conn.prepare("PRAGMA foreign_key_check")?;
    let found: Vec<(String, Option<i64>, String, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut per_table: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut lines = Vec::new();
    for (table, rowid, parent, fk) in &found {
        let n = per_table.entry(table).or_default();
        *n += 1;
        if *n > SHOWN_FK {
            continue;
        }
        // The referring columns, from the table's foreign key list.
        let mut cols = conn.prepare(&format!(
            "SELECT \"from\" FROM pragma_foreign_key_list('{}') WHERE id = ?1 ORDER BY seq",
            table.replace('\'', "''")
        ))?;
        let columns: Vec<String> = cols
            .query_map([fk], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        let columns = columns
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let row = match rowid {
            Some(id) => format!("row {id} of table `{table}`"),
            None => format!("a row of table `{table}`"),
        };
        lines.push(format!(
            "foreign key broken: {row}: its {columns} refers to a row of `{parent}` that does not exist"
        ));
    }
    for (table, n) in per_table {
        if n > SHOWN_FK {
            lines.push(format!(
                "foreign key broken: ... and {} more rows of table `{table}`",
                n - SHOWN_FK
            ));
        }
    }
    Ok((found.len(), lines))
}
