//! Opening a catalogue: the path checked before anything is opened (a `--db` SQLite would not
//! take as a plain file name, a file that is not a csfkit catalogue, one written by a newer
//! csfkit), a new catalogue made whole beside its path and linked into place, pending
//! migrations applied, and the embedded defaults loaded on first use.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};

use super::{
    APPLICATION_ID, Catalogue, DEFAULT_BUSY_MS, DefaultData, Defaults, MIGRATIONS, OpenReport, chain, digest,
    frameworks, is_not_a_database, responsibility,
};
use crate::error::{Error, Result};

impl Catalogue {
    /// Opens (creating if needed) the catalogue at `path` and brings it up to date.
    ///
    /// A new catalogue is made whole in a private temporary file beside `path` (schema and
    /// embedded data) and then linked into place in one step, so that commands started together
    /// on a new path never see a half-made file: one links its file, the others find it there
    /// and use it. A catalogue this user cannot write is opened read-only: reading commands work,
    /// writing ones say so (exit 73).
    pub(crate) fn open(path: &Path, defaults: &Defaults) -> Result<(Self, OpenReport)> {
        Self::open_as(path, defaults, true)
    }

    /// Opens the catalogue at `path` like [`Catalogue::open`], but never creates one: a path
    /// where nothing is (or only an empty file) is [`Error::NoCatalogue`] (`check`, `backup`).
    pub(crate) fn open_existing(path: &Path, defaults: &Defaults) -> Result<(Self, OpenReport)> {
        Self::open_as(path, defaults, false)
    }

    fn open_as(path: &Path, defaults: &Defaults, create: bool) -> Result<(Self, OpenReport)> {
        check_db_name(path)?;
        let mut report = OpenReport::default();
        let busy_ms = std::env::var("CSFKIT_BUSY_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_BUSY_MS);
        match std::fs::metadata(path) {
            Ok(meta) => {
                if !meta.is_file() {
                    return Err(Error::NotCatalogue {
                        path: path.into(),
                        reason: format!("it is {}, not a file", crate::util::fs::kind(&meta)),
                    });
                }
                if meta.len() > 0 {
                    check_magic(path)?;
                } else if !create {
                    return Err(Error::NoCatalogue {
                        path: path.into(),
                        reason: ": the file is empty".into(),
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => {
                return Err(Error::NoCatalogue {
                    path: path.into(),
                    reason: String::new(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (created, loaded) = create_whole(path, busy_ms, defaults)?;
                report.created = created;
                if created {
                    report.loaded = loaded;
                }
            }
            Err(e) => {
                return Err(Error::InputMissing {
                    path: path.into(),
                    source: e,
                });
            }
        }
        let read_only = !writable(path);
        let opened = if read_only {
            // SQLite opens a WAL catalogue read-only only if it can use the -shm file. With no
            // -wal file beside it nothing is pending, and nobody who cannot create one can be
            // writing: read it as the immutable file it is for this user.
            let wal_exists = side_file(path, "-wal").exists();
            let uri = format!(
                "file:{}?mode=ro{}",
                uri_path(path),
                if wal_exists { "" } else { "&immutable=1" }
            );
            Connection::open_with_flags(
                uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        } else {
            Connection::open_with_flags(
                plain_name(path),
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        };
        let conn = opened.map_err(|e| Error::NotCatalogue {
            path: path.into(),
            reason: e.to_string(),
        })?;
        conn.busy_timeout(Duration::from_millis(busy_ms))
            .map_err(|e| Error::sqlite("setting the busy timeout", e))?;
        let mut cat = Catalogue {
            conn,
            path: path.into(),
            busy_ms,
            read_only,
            as_of: None,
            profile: super::DEFAULT_PROFILE,
        };
        let (version, app_id, tables) = cat.inspect()?;
        let known = MIGRATIONS.len() as i64;
        if version < 0 || (version == 0 && app_id == APPLICATION_ID && tables > 0) {
            // No csfkit writes either: the header was set by hand, by another program, or damaged.
            return Err(Error::NotCatalogue {
                path: path.into(),
                reason: format!(
                    "its schema version (PRAGMA user_version) is {version}, which no csfkit writes{}: it is another program's or a damaged catalogue. Restore it from a backup (csfkit backup) if it was yours",
                    if version == 0 {
                        " for a file with tables"
                    } else {
                        ""
                    }
                ),
            });
        }
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
        if read_only {
            if version < known {
                return Err(cat.read_only_error(&format!(
                    "it has schema version {version} and this csfkit needs {known}, which means writing it"
                )));
            }
            // Embedded data newer than the catalogue's is loaded the next time it is writable.
            return Ok((cat, report));
        }
        // Only now, with the file known to be ours, change anything.
        cat.pragmas()?;
        if version < known {
            cat.migrate(version)?;
            report.migrated = Some((version, known));
        }
        let loaded = cat.ensure_defaults(defaults)?;
        if !report.created {
            report.loaded = loaded;
        }
        Ok((cat, report))
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
            if start < super::migrations::CHECKS_MIGRATION {
                super::migrations::rewrite_evidence_checks(tx)?;
            }
            if start < chain::MIGRATION {
                // Records written before the chains existed are linked now, oldest first (after
                // every migration, so that each chained table exists).
                chain::backfill(tx)?;
            }
            if start < digest::MIGRATION {
                // What was loaded before the digests existed is recorded as it is now.
                digest::backfill(tx)?;
            }
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
                MIGRATIONS.len()
            ))
            .map_err(|e| Error::sqlite("recording the schema version", e))?;
            Ok(())
        })
    }

    /// Loads the data shipped with the binary when the catalogue has not seen it yet.
    fn ensure_defaults(&mut self, defaults: &Defaults) -> Result<Vec<String>> {
        let digest = &defaults.digest;
        if self.meta("embedded_digest")?.as_deref() == Some(digest.as_str()) {
            return Ok(Vec::new());
        }
        // Parse outside the transaction: it is the slow part and needs no lock.
        let DefaultData {
            frameworks: parsed,
            matrices,
        } = (defaults.load)()?;
        self.write("loading the embedded data", |tx| {
            let mut loaded = Vec::new();
            for data in &parsed {
                let current = origin_and_sha(tx, "framework", &data.id)?;
                // Refresh what we loaded ourselves; never overwrite a user's import.
                if needs_load(current, &data.source_sha256) {
                    frameworks::store(tx, data, "embedded")?;
                    loaded.push(data.id.clone());
                }
            }
            for (meta, cells) in &matrices {
                let current = origin_and_sha(tx, "provider", &meta.id)?;
                if needs_load(current, &meta.source_sha256) {
                    responsibility::store_provider(tx, meta, cells, &[], "embedded")?;
                    loaded.push(format!("{} matrix", meta.id));
                }
            }
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('embedded_digest', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [digest],
            )
            .map_err(|e| Error::sqlite("recording the embedded data version", e))?;
            Ok(loaded)
        })
    }
}

fn origin_and_sha(tx: &Transaction<'_>, table: &str, id: &str) -> Result<Option<(String, String)>> {
    tx.query_row(
        &format!("SELECT origin, source_sha256 FROM {table} WHERE id = ?1"),
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(|e| Error::sqlite("reading the catalogue", e))
}

fn needs_load(current: Option<(String, String)>, sha: &str) -> bool {
    match current {
        None => true,
        Some((origin, old)) => origin == "embedded" && old != sha,
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

/// Refuses a `--db` that SQLite would not take as a plain file name, before anything is
/// opened or created: an empty name, `:memory:` (a database in memory that vanishes with the
/// command), a name beginning with `file:` (an SQLite URI, whose `?mode=memory`,
/// `?immutable=1` or `?vfs=` would change what is opened), and a name ending in `-wal`, `-shm`
/// or `-journal` (the files SQLite keeps beside a database, which it may truncate). A file
/// really named `file:...` is reached as `./file:...`.
fn check_db_name(path: &Path) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let given = path.as_os_str().as_bytes();
    let refuse = |why: &str| {
        Err(Error::Usage(format!(
            "--db (or CSFKIT_DB) `{}`: {why}; csfkit takes it as the path of a catalogue file, always",
            path.display()
        )))
    };
    if given.is_empty() {
        return refuse("the name is empty");
    }
    if given == b":memory:" {
        return refuse(
            "`:memory:` is SQLite's in-memory database, which vanishes when the command ends (everything recorded would be lost); name a file, e.g. csfkit.db",
        );
    }
    if given.len() >= 5 && given[..5].eq_ignore_ascii_case(b"file:") {
        return refuse(&format!(
            "a name beginning with `file:` is an SQLite URI, whose parameters (mode=memory, immutable=1, vfs=...) would change what is opened; csfkit never reads it as one. For a file really so named, write `./{}`",
            path.display()
        ));
    }
    let name = path.file_name().map(|n| n.as_bytes()).unwrap_or_default();
    for side in [&b"-wal"[..], b"-shm", b"-journal"] {
        if name.ends_with(side) {
            return refuse(&format!(
                "a name ending in `{}` is one of the files SQLite keeps beside a database, which it may rewrite or remove; name the catalogue itself (without the suffix)",
                String::from_utf8_lossy(side)
            ));
        }
    }
    Ok(())
}

/// The name handed to SQLite for a file: the absolute path, which SQLite never reads as a URI
/// or a special name (this build of SQLite reads `file:` names as URIs even without
/// `SQLITE_OPEN_URI`).
pub(super) fn plain_name(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| Path::new(".").join(path))
}

/// `path` with `ext` appended to its name (`-wal`, `-shm`).
fn side_file(path: &Path, ext: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(ext);
    PathBuf::from(p)
}

/// An absolute path percent-encoded for an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for &b in abs.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether this user may write the catalogue: the file, and the folder its `-wal` and `-shm`
/// files live in (unless they exist already and are writable).
fn writable(path: &Path) -> bool {
    use rustix::fs::{Access, access};
    let ok = |p: &Path| access(p, Access::WRITE_OK).is_ok();
    if !ok(path) {
        return false;
    }
    let (wal, shm) = (side_file(path, "-wal"), side_file(path, "-shm"));
    if wal.exists() && shm.exists() && ok(&wal) && ok(&shm) {
        return true;
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    ok(&dir)
}

/// The page size of a new catalogue (see [`create_whole`]).
pub(crate) const PAGE_SIZE: u32 = 32 * 1024;

/// Makes a whole new catalogue at `path`: schema and embedded data are written into a private
/// temporary file beside it, which is then hard-linked to `path` (a link never replaces an
/// existing file). Returns false when another process linked its catalogue first; this one's
/// is then discarded and theirs is used.
fn create_whole(path: &Path, busy_ms: u64, defaults: &Defaults) -> Result<(bool, Vec<String>)> {
    if path.file_name().is_none() {
        return Err(Error::CantCreate {
            path: path.into(),
            reason: "--db must name a file".into(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".csfkit-new-")
        .suffix(".db")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile_in(&dir)
        .map_err(|e| catalogue_cant_create(path, &dir, e))?;
    let loaded;
    {
        let conn = Connection::open_with_flags(
            plain_name(tmp.path()),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::sqlite("creating the catalogue", e))?;
        let mut cat = Catalogue {
            conn,
            path: tmp.path().to_path_buf(),
            busy_ms,
            read_only: false,
            as_of: None,
            profile: super::DEFAULT_PROFILE,
        };
        // Pages of 32 KiB rather than SQLite's 4 KiB: an import writes every page twice (to
        // the write-ahead log, then into the file) one system call a page, and a 200,000-row
        // tracker fills 47 MB. Measured on bench_gen's 200,000-row xlsx, medians of 10 runs in
        // shuffled order: 1.24 s with 4 KiB pages, 1.22 s with 16, 1.15 s with 32, 1.16 s with
        // 64; a 100,000-row export was no slower. Set before the first table; a catalogue
        // keeps the page size it was made with.
        cat.conn
            .execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE};"))
            .map_err(|e| Error::sqlite("creating the catalogue", e))?;
        // The file is private until it is linked, and a half-made one is never linked: it is
        // built with its rollback journal in memory, so that making it needs the room of the
        // catalogue alone (a write-ahead log would need as much again), and switched to WAL,
        // the mode every catalogue is opened in, when it is whole.
        cat.conn
            .query_row("PRAGMA journal_mode = MEMORY", [], |r| r.get::<_, String>(0))
            .map_err(|e| Error::sqlite("creating the catalogue", e))?;
        cat.conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(|e| Error::sqlite("creating the catalogue", e))?;
        cat.migrate(0)?;
        loaded = cat.ensure_defaults(defaults)?;
        // Switched to WAL with nothing written since: the log is empty, the file alone is the
        // whole catalogue.
        cat.pragmas()?;
        cat.conn
            .close()
            .map_err(|(_, e)| Error::sqlite("creating the catalogue", e))?;
        // On disk before it is linked into place.
        std::fs::File::open(tmp.path())
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io("creating the catalogue", e))?;
    }
    let linked = match std::fs::hard_link(tmp.path(), path) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        // A file system without hard links: a rename, which is as good unless two processes
        // create the same catalogue in the same instant.
        Err(e)
            if e.kind() == std::io::ErrorKind::Unsupported
                || e.raw_os_error() == Some(rustix::io::Errno::PERM.raw_os_error()) =>
        {
            if path.exists() {
                false
            } else {
                std::fs::rename(tmp.path(), path).map_err(|e| catalogue_cant_create(path, &dir, e))?;
                true
            }
        }
        Err(e) => return Err(catalogue_cant_create(path, &dir, e)),
    };
    // The temporary name (and any -wal/-shm left beside it) goes; the link stays.
    let base = tmp.path().to_path_buf();
    drop(tmp);
    for ext in ["-wal", "-shm"] {
        let mut p = base.as_os_str().to_owned();
        p.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    Ok((linked, loaded))
}

pub(super) fn catalogue_cant_create(path: &Path, dir: &Path, e: std::io::Error) -> Error {
    let mut err = crate::error::cant_create(path, e);
    if let Error::CantCreate { reason, .. } = &mut err {
        if !dir.is_dir() {
            *reason = format!("the folder `{}` does not exist", dir.display());
        }
    }
    err
}
