//! The audit package on disk: CSV files safe to open in a spreadsheet, the hash manifest, a
//! folder or a deterministic zip written atomically, and verification of a package.
//!
//! A package is first written into a temporary sibling folder; only when every file is complete
//! is it renamed into place (or zipped into a temporary file that is renamed), so a failed
//! export leaves nothing half-written. The same catalogue and as-of date give the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::util::hex;

/// The manifest's file name inside a package.
pub const MANIFEST: &str = "manifest.json";

/// True when a cell is a plain number such as `-42.5`, `+3`, `1e-3`.
fn is_plain_number(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    !t.is_empty()
        && t.parse::<f64>().is_ok()
        && t.bytes().all(|b| b.is_ascii_digit() || b"eE.+-".contains(&b))
}

/// Neutralises a cell a spreadsheet would run as a formula (first character `=`, `+`, `-`, `@`,
/// tab or carriage return) with a leading `'`; plain numbers such as `-42.5` stay as they are.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_plain_number(cell) => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A CSV file written row by row (RFC 4180: CRLF line ends, header row), neutralised unless
/// `raw`, with a UTF-8 BOM when `bom`.
pub struct CsvOut<W: Write> {
    w: csv::Writer<W>,
    raw: bool,
}

impl<W: Write> CsvOut<W> {
    /// Starts the file: BOM (when asked) and header row.
    pub fn new(mut out: W, header: &[&str], raw: bool, bom: bool) -> Result<Self> {
        if bom {
            out.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| Error::io("writing a CSV file", e))?;
        }
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        w.write_record(header)?;
        Ok(CsvOut { w, raw })
    }

    /// Writes one row.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        if self.raw {
            self.w.write_record(cells.iter().map(AsRef::as_ref))?;
        } else {
            self.w
                .write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned()))?;
        }
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn finish(self) -> Result<W> {
        self.w
            .into_inner()
            .map_err(|e| Error::io("writing a CSV file", io::Error::other(e.to_string())))
    }
}

/// CSV bytes of a small table (see [`CsvOut`]).
pub fn csv_bytes(header: &[&str], rows: &[Vec<String>], raw: bool, bom: bool) -> Result<Vec<u8>> {
    let mut out = CsvOut::new(Vec::new(), header, raw, bom)?;
    for r in rows {
        out.row(r)?;
    }
    out.finish()
}

/// A file of a package being written in pieces; its SHA-256 and size are taken as it is written.
/// Hand it back to [`Staging::close`].
pub struct StagedFile {
    rel: String,
    path: PathBuf,
    out: io::BufWriter<fs::File>,
    hash: Sha256,
    size: u64,
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if interrupted() {
            // Not ErrorKind::Interrupted: write_all retries those.
            return Err(io::Error::other("stopped on a signal"));
        }
        let n = self.out.write(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One file of a package as listed in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    /// Path inside the package, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// The manifest: what the package holds and how it was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `csfkit-audit-package`.
    pub format: String,
    /// Manifest format version.
    pub format_version: u32,
    /// csfkit version that wrote it.
    pub csfkit_version: String,
    /// The creation parameters.
    pub parameters: serde_json::Value,
    /// Digest over the catalogue content the package reflects.
    pub catalogue_digest: String,
    /// Frameworks and matrices the content comes from (id and source SHA-256).
    pub sources: serde_json::Value,
    /// The head of each history chain of the catalogue (ownership changes, assessment records,
    /// evidence import batches): how many records and the newest link, so an assessor can tell
    /// that the history behind the package was not rewritten (`csfkit check`).
    #[serde(default)]
    pub history: serde_json::Value,
    /// Problems found while packaging (changed evidence files, missing glyphs).
    pub warnings: Vec<String>,
    /// Every file but the manifest, sorted by path.
    pub files: Vec<ManifestFile>,
}

/// A package being written into a temporary folder next to its destination.
pub struct Staging {
    dir: PathBuf,
    dest: PathBuf,
    zip: bool,
    /// The destination holds a previous csfkit package (or is an empty folder) to replace.
    replace: bool,
    files: BTreeMap<String, ManifestFile>,
    done: bool,
}

/// Set when SIGINT, SIGTERM or SIGHUP arrives during an export: the export stops at its next
/// write and removes what it had staged (see [`Staging::watch_signals`]).
fn interrupt_flag() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    static FLAG: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
        std::sync::OnceLock::new();
    FLAG.get_or_init(Default::default).clone()
}

/// True once an export was asked to stop.
pub fn interrupted() -> bool {
    interrupt_flag().load(std::sync::atomic::Ordering::Relaxed)
}

/// Fails with [`Error::Interrupted`] once a signal asked the export to stop.
pub fn check_interrupted() -> Result<()> {
    if interrupted() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// The name of the marker file inside a staging folder: a folder that holds it was made by
/// csfkit and may be removed by a later export to the same path.
const PARTIAL_MARKER: &str = ".csfkit-partial";

/// The refusal for a destination csfkit will not replace.
fn refuse(dest: &Path, why: String) -> Error {
    Error::CantCreate {
        path: dest.into(),
        reason: format!(
            "{why}; --force replaces only a package csfkit wrote (its manifest.json lists every file) or an empty folder. Choose another --out; nothing was changed"
        ),
    }
}

/// Whether `pid` is a running process (its /proc entry exists).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

impl Staging {
    /// Starts a package for `dest` (a folder, or a zip file when `zip`). An existing destination
    /// is refused unless `force`, and even then csfkit replaces only a previous csfkit package
    /// (every file listed in its manifest) or an empty folder; `protect` (the catalogue) must
    /// not be inside what is replaced. Leftovers of an export to the same path that was killed
    /// are cleared first.
    pub fn new(dest: &Path, zip: bool, force: bool, protect: &Path) -> Result<Staging> {
        let name = match dest.file_name() {
            Some(n)
                if dest
                    .components()
                    .next_back()
                    .is_some_and(|c| matches!(c, std::path::Component::Normal(_))) =>
            {
                n.to_string_lossy().into_owned()
            }
            _ => {
                return Err(refuse(
                    dest,
                    "it names no file or folder of its own (`.`, `..` or `/`)".into(),
                ));
            }
        };
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(Error::CantCreate {
                path: dest.into(),
                reason: format!("the folder `{}` does not exist", parent.display()),
            });
        }
        clear_leftovers(&parent, &name, dest);
        let replace = match fs::symlink_metadata(dest) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => {
                return Err(Error::CantCreate {
                    path: dest.into(),
                    reason: e.to_string(),
                });
            }
            Ok(_) if !force => {
                return Err(Error::CantCreate {
                    path: dest.into(),
                    reason: "it already exists; choose another --out or pass --force to replace a previous package".into(),
                });
            }
            Ok(meta) => {
                check_replaceable(dest, &meta, zip, protect)?;
                true
            }
        };
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            let _ = fs::remove_dir_all(&dir);
        }
        fs::create_dir(&dir).map_err(|e| crate::error::cant_create(&dir, e))?;
        fs::write(dir.join(PARTIAL_MARKER), b"csfkit export in progress\n")
            .map_err(|e| crate::error::cant_create(&dir, e))?;
        Ok(Staging {
            dir,
            dest: dest.into(),
            zip,
            replace,
            files: BTreeMap::new(),
            done: false,
        })
    }

    /// Turns SIGINT, SIGTERM and SIGHUP into a clean stop for the rest of the process: the
    /// export stops at its next write, removes its staging folder and exits 130. A second
    /// signal ends the process at once.
    pub fn watch_signals() {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let flag = interrupt_flag();
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                // The first signal sets the flag; a second one, with the flag set, ends the
                // process at once (exit 130).
                let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, flag.clone());
                let _ = signal_hook::flag::register(sig, flag.clone());
            }
        });
    }

    fn target(&self, rel: &str) -> Result<PathBuf> {
        check_interrupted()?;
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| crate::error::cant_create(parent, e))?;
        }
        Ok(p)
    }

    /// Creates a file to be written in pieces (a report or an index of any length).
    pub fn create(&self, rel: &str) -> Result<StagedFile> {
        let path = self.target(rel)?;
        let f = fs::File::create(&path).map_err(|e| crate::error::cant_create(&path, e))?;
        Ok(StagedFile {
            rel: rel.to_string(),
            path,
            out: io::BufWriter::with_capacity(1 << 16, f),
            hash: Sha256::new(),
            size: 0,
        })
    }

    /// Finishes a file from [`Staging::create`] and records it for the manifest.
    pub fn close(&mut self, mut file: StagedFile) -> Result<()> {
        file.out
            .flush()
            .map_err(|e| Error::io(format!("writing `{}`", file.path.display()), e))?;
        self.record(&file.rel, hex(&file.hash.finalize()), file.size);
        Ok(())
    }

    /// Adds a file from bytes.
    pub fn add_bytes(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let p = self.target(rel)?;
        fs::write(&p, bytes).map_err(|e| Error::io(format!("writing `{}`", p.display()), e))?;
        self.record(rel, hex(&Sha256::digest(bytes)), bytes.len() as u64);
        Ok(())
    }

    fn record(&mut self, rel: &str, sha256: String, size: u64) {
        let path = rel.to_string();
        self.files
            .insert(path.clone(), ManifestFile { path, size, sha256 });
    }

    /// Copies everything `src` yields into the package as `rel`, hashing it as it is copied.
    /// When `expected` is given and the copy's SHA-256 differs, the copy is removed again and
    /// `Ok(Err(actual))` says what was found instead; otherwise the file is recorded.
    pub fn add_reader(
        &mut self,
        rel: &str,
        mut src: impl Read,
        what: &str,
        expected: Option<&str>,
    ) -> Result<std::result::Result<String, String>> {
        let mut out = self.create(rel)?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = src
                .read(&mut buf)
                .map_err(|e| Error::io(format!("reading {what}"), e))?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])
                .map_err(|e| Error::io(format!("writing `{}`", out.path.display()), e))?;
        }
        out.out
            .flush()
            .map_err(|e| Error::io(format!("writing `{}`", out.path.display()), e))?;
        let sha = hex(&out.hash.clone().finalize());
        if expected.is_some_and(|want| want != sha) {
            let _ = fs::remove_file(&out.path);
            return Ok(Err(sha));
        }
        self.close(out)?;
        Ok(Ok(sha))
    }

    /// Files added so far, sorted by path.
    pub fn files(&self) -> Vec<ManifestFile> {
        self.files.values().cloned().collect()
    }

    /// Writes the manifest and moves the package into place. A previous package at the
    /// destination is replaced atomically: a folder is exchanged with the new one in one
    /// `renameat2(RENAME_EXCHANGE)` and then removed, a zip is renamed over; at no moment is
    /// there neither the old nor the new package.
    pub fn finish(mut self, manifest: &Manifest, as_of: chrono::NaiveDate) -> Result<()> {
        let json = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Failed(e.to_string()))?;
        let p = self.target(MANIFEST)?;
        fs::write(&p, [json.as_slice(), b"\n"].concat())
            .map_err(|e| Error::io(format!("writing `{}`", p.display()), e))?;
        let mut all: Vec<String> = self.files.keys().cloned().collect();
        all.push(MANIFEST.to_string());
        all.sort();
        if self.zip {
            let tmp = self.dir.with_extension("zip-partial");
            write_zip(&self.dir, &all, &tmp, as_of)?;
            check_interrupted()?;
            // rename(2) replaces a file atomically.
            fs::rename(&tmp, &self.dest).map_err(|e| crate::error::cant_create(&self.dest, e))?;
            self.done = true;
            let _ = fs::remove_dir_all(&self.dir);
        } else {
            check_interrupted()?;
            fs::remove_file(self.dir.join(PARTIAL_MARKER))
                .map_err(|e| Error::io(format!("writing `{}`", self.dir.display()), e))?;
            if self.replace {
                self.exchange()?;
            } else {
                fs::rename(&self.dir, &self.dest).map_err(|e| crate::error::cant_create(&self.dest, e))?;
            }
            self.done = true;
        }
        Ok(())
    }

    /// Swaps the staging folder with the previous package at the destination, then removes the
    /// previous package (now at the staging name). Where the file system cannot exchange, the
    /// previous package is renamed aside first (`.NAME.old-PID`); a kill between the two
    /// renames leaves it there, and the next export to the same path puts it back.
    fn exchange(&mut self) -> Result<()> {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, &self.dir, CWD, &self.dest, RenameFlags::EXCHANGE) {
            Ok(()) => {
                self.done = true;
                let _ = fs::remove_dir_all(&self.dir);
                Ok(())
            }
            Err(_) => {
                let aside = old_name(&self.dest, std::process::id());
                fs::rename(&self.dest, &aside).map_err(|e| crate::error::cant_create(&self.dest, e))?;
                if let Err(e) = fs::rename(&self.dir, &self.dest) {
                    let _ = fs::rename(&aside, &self.dest);
                    return Err(crate::error::cant_create(&self.dest, e));
                }
                self.done = true;
                let _ = fs::remove_dir_all(&aside);
                Ok(())
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // A failed or interrupted export leaves nothing behind.
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
            let _ = fs::remove_file(self.dir.with_extension("zip-partial"));
        }
    }
}

/// `.NAME.old-PID` beside `dest`: where a previous package waits while it is replaced.
fn old_name(dest: &Path, pid: u32) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.old-{pid}"))
}

/// Clears what a killed export to `dest` left beside it: staging folders (they hold csfkit's
/// marker file) and partial zips of processes that no longer run, and a previous package set
/// aside during a replacement, which goes back into place if nothing took it.
fn clear_leftovers(parent: &Path, name: &str, dest: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let partial = format!(".{name}.partial-");
    let old = format!(".{name}.old-");
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        if let Some(rest) = file_name.strip_prefix(&partial) {
            let (pid, zip) = match rest.strip_suffix(".zip-partial") {
                Some(pid) => (pid, true),
                None => (rest, false),
            };
            let Ok(pid) = pid.parse::<u32>() else { continue };
            if alive(pid) {
                continue;
            }
            if zip {
                if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                    let _ = fs::remove_file(&path);
                }
            } else if fs::symlink_metadata(path.join(PARTIAL_MARKER)).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_dir_all(&path);
            } else {
                // Killed between making the folder and marking it: empty, so removing it
                // (which only works on an empty folder) loses nothing.
                let _ = fs::remove_dir(&path);
            }
        } else if let Some(pid) = file_name.strip_prefix(&old) {
            let Ok(pid) = pid.parse::<u32>() else { continue };
            if alive(pid) || !is_package_dir(&path) {
                continue;
            }
            if fs::symlink_metadata(dest).is_err() {
                let _ = fs::rename(&path, dest);
            } else {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

/// Whether `dir` is a folder csfkit could have written: a manifest of a package, and nothing in
/// it that the manifest does not list.
fn is_package_dir(dir: &Path) -> bool {
    package_dir_problem(dir).is_none()
}

/// Why `dir` is not a csfkit package folder that can be replaced, or None when it is one.
fn package_dir_problem(dir: &Path) -> Option<String> {
    let manifest = dir.join(MANIFEST);
    let bytes = match crate::util::fs::open_regular(&manifest, false) {
        Ok(mut f) => {
            let mut b = Vec::new();
            if let Err(e) = (&mut f).take(64 << 20).read_to_end(&mut b) {
                return Some(format!("its manifest.json cannot be read ({e})"));
            }
            b
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Some("it is a folder with files of its own and no csfkit manifest.json".into());
        }
        Err(e) => return Some(format!("its manifest.json cannot be read ({e})")),
    };
    let Ok(m) = read_manifest(&bytes, "") else {
        return Some("its manifest.json was not written by csfkit".into());
    };
    let listed: BTreeSet<String> = m.files.iter().map(|f| f.path.clone()).collect();
    let mut found = Vec::new();
    if let Err(e) = list_tree(dir, dir, &mut found) {
        return Some(e);
    }
    for rel in found {
        if rel != MANIFEST && !listed.contains(&rel) {
            return Some(format!(
                "it holds `{rel}`, which its manifest.json does not list (not written by csfkit)"
            ));
        }
    }
    None
}

/// Every regular file under `dir`, as `/`-separated paths relative to `root`; anything else
/// (a link, a FIFO, a device) is an error naming it.
fn list_tree(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::result::Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("`{}` cannot be read ({e})", dir.display()))?;
    for e in entries {
        let e = e.map_err(|e| format!("`{}` cannot be read ({e})", dir.display()))?;
        let p = e.path();
        let meta = fs::symlink_metadata(&p).map_err(|e| format!("`{}` cannot be read ({e})", p.display()))?;
        let rel = relative(root, &p);
        if meta.is_dir() {
            list_tree(root, &p, out)?;
        } else if meta.is_file() {
            out.push(rel);
        } else {
            return Err(format!(
                "it holds `{rel}`, which is {}",
                crate::util::fs::kind(&meta)
            ));
        }
    }
    Ok(())
}

fn relative(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Refuses a destination that `--force` must not replace: anything but a csfkit package of the
/// kind asked for or an empty folder, and anything that holds the catalogue.
fn check_replaceable(dest: &Path, meta: &fs::Metadata, zip: bool, protect: &Path) -> Result<()> {
    if meta.file_type().is_symlink() {
        return Err(refuse(dest, "it is a symbolic link".into()));
    }
    // The catalogue (and its -wal and -shm files) is never inside what is replaced.
    let dest_abs = fs::canonicalize(dest).map_err(|e| crate::error::cant_create(dest, e))?;
    let db_abs = protect
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| fs::canonicalize("."), fs::canonicalize)
        .ok()
        .and_then(|d| protect.file_name().map(|n| d.join(n)));
    if let Some(db) = &db_abs {
        if db.starts_with(&dest_abs) {
            return Err(refuse(
                dest,
                format!("it holds the catalogue `{}`", protect.display()),
            ));
        }
    }
    if zip {
        if !meta.is_file() {
            return Err(refuse(
                dest,
                format!("it is {}, not a zip file", crate::util::fs::kind(meta)),
            ));
        }
        return match zip_package_problem(dest) {
            None => Ok(()),
            Some(why) => Err(refuse(dest, why)),
        };
    }
    if !meta.is_dir() {
        return Err(refuse(
            dest,
            format!(
                "it is {}, not a package folder (add --zip to replace a zip package)",
                crate::util::fs::kind(meta)
            ),
        ));
    }
    let empty = fs::read_dir(dest)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if empty {
        return Ok(());
    }
    match package_dir_problem(dest) {
        None => Ok(()),
        Some(why) => Err(refuse(dest, why)),
    }
}

/// Why the file at `path` is not a csfkit package zip, or None when it is one: a zip whose
/// manifest.json csfkit wrote and whose members are exactly the listed files.
fn zip_package_problem(path: &Path) -> Option<String> {
    let f = match crate::util::fs::open_regular(path, false) {
        Ok(f) => f,
        Err(e) => return Some(format!("it cannot be read ({e})")),
    };
    let Ok(mut z) = zip::ZipArchive::new(io::BufReader::new(f)) else {
        return Some("it is not a zip file".into());
    };
    if z.has_duplicate_names() {
        return Some("it is a zip with two members of the same name".into());
    }
    let names: Vec<String> = z
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let bytes = {
        let Ok(entry) = z.by_name(MANIFEST) else {
            return Some("it is a zip without a csfkit manifest.json".into());
        };
        let mut b = Vec::new();
        if entry.take(64 << 20).read_to_end(&mut b).is_err() {
            return Some("its manifest.json cannot be read".into());
        }
        b
    };
    let Ok(m) = read_manifest(&bytes, "") else {
        return Some("its manifest.json was not written by csfkit".into());
    };
    let listed: BTreeSet<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    names
        .iter()
        .find(|n| n.as_str() != MANIFEST && !listed.contains(n.as_str()) && !n.ends_with('/'))
        .map(|n| format!("it holds `{n}`, which its manifest.json does not list (not written by csfkit)"))
}

/// Zips `files` (relative to `root`, in the given order) with fixed timestamps (the as-of date)
/// and permissions, so the same content gives the same bytes.
fn write_zip(root: &Path, files: &[String], out: &Path, as_of: chrono::NaiveDate) -> Result<()> {
    use chrono::Datelike;
    let f = fs::File::create(out).map_err(|e| Error::CantCreate {
        path: out.into(),
        reason: e.to_string(),
    })?;
    let mut z = zip::ZipWriter::new(io::BufWriter::new(f));
    let year = u16::try_from(as_of.year()).unwrap_or(1980).clamp(1980, 2107);
    let stamp = zip::DateTime::from_date_and_time(year, as_of.month() as u8, as_of.day() as u8, 0, 0, 0)
        .unwrap_or_default();
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let zerr =
        |e: zip::result::ZipError| Error::io(format!("writing `{}`", out.display()), io::Error::other(e));
    for rel in files {
        check_interrupted()?;
        z.start_file(rel.as_str(), opts).map_err(zerr)?;
        let mut src = fs::File::open(root.join(rel)).map_err(|e| Error::io(format!("reading `{rel}`"), e))?;
        io::copy(&mut src, &mut z).map_err(|e| Error::io(format!("writing `{}`", out.display()), e))?;
    }
    let mut w = z.finish().map_err(zerr)?;
    w.flush()
        .map_err(|e| Error::io(format!("writing `{}`", out.display()), e))?;
    Ok(())
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    /// Files that match.
    pub ok: usize,
    /// In the manifest, not in the package.
    pub missing: Vec<String>,
    /// In the package, not in the manifest.
    pub extra: Vec<String>,
    /// Present with another size or hash: (path, expected sha, actual sha).
    pub altered: Vec<(String, String, String)>,
    /// Everything else that makes the package untrustworthy: special files or links, duplicate
    /// zip members, a manifest that leaves out a file every package of its kind has, a manifest
    /// whose own SHA-256 is not the one the export printed.
    pub problems: Vec<String>,
    /// SHA-256 of manifest.json as found.
    pub manifest_sha256: String,
    /// The manifest, when it could be read.
    pub manifest: Option<Manifest>,
}

impl Verification {
    /// True when every file matches and nothing is missing, extra or otherwise wrong.
    pub fn passed(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.altered.is_empty()
            && self.problems.is_empty()
    }
}

fn read_manifest(bytes: &[u8], where_: &str) -> Result<Manifest> {
    let m: Manifest = serde_json::from_slice(bytes).map_err(|e| {
        Error::Failed(format!(
            "{where_}: `{MANIFEST}` is not a csfkit package manifest: {e}"
        ))
    })?;
    if m.format != "csfkit-audit-package" {
        return Err(Error::Failed(format!(
            "{where_}: `{MANIFEST}` is not a csfkit package manifest"
        )));
    }
    Ok(m)
}

/// The files every package written with `formats` holds.
pub fn required_files(formats: &[&str]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for f in formats {
        match *f {
            "pdf" => out.push("report.pdf"),
            "csv" => out.extend(["control-matrix.csv", "evidence-index.csv", "gaps.csv"]),
            _ => {}
        }
    }
    out
}

/// What is wrong with a manifest itself: no files, a path listed twice or leaving the package,
/// a file its formats require left out, a format csfkit does not know.
fn manifest_problems(m: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    if m.files.is_empty() {
        problems.push(format!(
            "`{MANIFEST}` lists no files; a csfkit package always has some"
        ));
    }
    let mut seen = BTreeSet::new();
    for f in &m.files {
        if !seen.insert(f.path.as_str()) {
            problems.push(format!("`{MANIFEST}` lists `{}` twice", f.path));
        }
        let bad = f.path.is_empty()
            || f.path.starts_with('/')
            || f.path.contains('\\')
            || f.path.split('/').any(|c| c.is_empty() || c == "." || c == "..");
        if bad || f.path == MANIFEST {
            problems.push(format!(
                "`{MANIFEST}` lists the path `{}`, which no csfkit package holds",
                f.path
            ));
        }
    }
    let formats: Vec<&str> = match m.parameters.get("formats").and_then(|v| v.as_array()) {
        Some(list) => list.iter().filter_map(|v| v.as_str()).collect(),
        None => {
            problems.push(format!("`{MANIFEST}` does not say which formats the package has"));
            Vec::new()
        }
    };
    for f in &formats {
        if required_files(&[f]).is_empty() {
            problems.push(format!(
                "`{MANIFEST}` names the format `{f}`, which csfkit does not write"
            ));
        }
    }
    for want in required_files(&formats) {
        if !seen.contains(want) {
            problems.push(format!(
                "`{MANIFEST}` does not list `{want}`, which every package with its formats holds"
            ));
        }
    }
    problems
}

fn compare(manifest: Manifest, actual: BTreeMap<String, (String, u64)>, v: &mut Verification) {
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for f in &manifest.files {
        match actual.get(&f.path) {
            None => v.missing.push(f.path.clone()),
            Some((sha, size)) if *sha != f.sha256 || *size != f.size => {
                v.altered.push((f.path.clone(), f.sha256.clone(), sha.clone()));
            }
            Some(_) => v.ok += 1,
        }
    }
    v.extra = actual
        .keys()
        .filter(|k| !listed.contains(k.as_str()) && k.as_str() != MANIFEST)
        .cloned()
        .collect();
    v.problems.extend(manifest_problems(&manifest));
    v.manifest = Some(manifest);
}

/// SHA-256 and size of at most `limit` bytes of `src` (one more than the manifest's size is
/// enough to tell a longer file, and a member or file that never ends cannot stall `verify`).
fn hash_bounded(src: impl Read, limit: u64) -> io::Result<(String, u64)> {
    crate::util::hash_reader(src.take(limit))
}

/// Every entry of a package folder: regular files are hashed (at most one byte more than the
/// manifest gives them), anything else is a problem and is never opened.
fn walk(
    root: &Path,
    dir: &Path,
    sizes: &BTreeMap<String, u64>,
    out: &mut BTreeMap<String, (String, u64)>,
    problems: &mut Vec<String>,
) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::InputMissing {
        path: dir.into(),
        source: e,
    })?;
    for e in entries {
        let e = e.map_err(|e| Error::io(format!("reading `{}`", dir.display()), e))?;
        let p = e.path();
        let meta =
            fs::symlink_metadata(&p).map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
        let rel = relative(root, &p);
        if meta.is_dir() {
            walk(root, &p, sizes, out, problems)?;
        } else if meta.is_file() {
            let limit = sizes.get(&rel).map_or(64 << 20, |s| s.saturating_add(1));
            let h = crate::util::fs::open_regular(&p, false)
                .and_then(|f| hash_bounded(f, limit))
                .map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
            out.insert(rel, h);
        } else {
            problems.push(format!(
                "`{rel}` is {}; a package holds only regular files (it was not opened)",
                crate::util::fs::kind(&meta)
            ));
        }
    }
    Ok(())
}

/// Recomputes every hash of a package (folder or zip) against its manifest, and checks the
/// manifest itself (and its SHA-256 against `manifest_sha256`, when given).
pub fn verify(path: &Path, manifest_sha256: Option<&str>) -> Result<Verification> {
    let meta = fs::symlink_metadata(path).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let where_ = path.display().to_string();
    let mut v = Verification::default();
    if meta.is_dir() {
        let mpath = path.join(MANIFEST);
        let bytes = crate::util::fs::open_regular(&mpath, false)
            .and_then(|f| {
                let mut b = Vec::new();
                f.take(64 << 20).read_to_end(&mut b)?;
                Ok(b)
            })
            .map_err(|e| Error::InputMissing {
                path: mpath.clone(),
                source: e,
            })?;
        v.manifest_sha256 = hex(&Sha256::digest(&bytes));
        let manifest = read_manifest(&bytes, &where_)?;
        let sizes: BTreeMap<String, u64> = manifest.files.iter().map(|f| (f.path.clone(), f.size)).collect();
        let mut actual = BTreeMap::new();
        walk(path, path, &sizes, &mut actual, &mut v.problems)?;
        compare(manifest, actual, &mut v);
    } else if meta.is_file() {
        verify_zip(path, &where_, &mut v)?;
    } else {
        return Err(Error::InputMissing {
            path: path.into(),
            source: io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "it is {}, not a package folder or zip file",
                    crate::util::fs::kind(&meta)
                ),
            ),
        });
    }
    if let Some(want) = manifest_sha256 {
        let want = want.trim().to_ascii_lowercase();
        if want != v.manifest_sha256 {
            v.problems.push(format!(
                "`{MANIFEST}` has SHA-256 {}, not the {want} given with --manifest-sha256: the manifest (and with it the package's as-of date, catalogue digest or history) is not the one that export wrote",
                v.manifest_sha256
            ));
        }
    }
    Ok(v)
}

fn verify_zip(path: &Path, where_: &str, v: &mut Verification) -> Result<()> {
    let f = crate::util::fs::open_regular(path, false).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let mut z = zip::ZipArchive::new(io::BufReader::new(f))
        .map_err(|e| Error::Failed(format!("{where_}: not a package folder or zip: {e}")))?;
    if z.has_duplicate_names() {
        // Readers disagree on which of two same-named members they show (the zip crate keeps
        // one, unzip extracts both): whichever copy matches, the package cannot be trusted.
        v.problems.push(
            "the zip holds two or more members with the same name; a reader may show either copy".into(),
        );
    }
    // The manifest first: it gives every member the size to read up to.
    let manifest_bytes = {
        let mut entry = z
            .by_name(MANIFEST)
            .map_err(|_| Error::Failed(format!("{where_}: no `{MANIFEST}` in the package")))?;
        let mut b = Vec::new();
        entry
            .by_ref()
            .take(64 << 20)
            .read_to_end(&mut b)
            .map_err(|e| Error::Failed(format!("{where_}: cannot read `{MANIFEST}`: {e}")))?;
        b
    };
    v.manifest_sha256 = hex(&Sha256::digest(&manifest_bytes));
    let manifest = read_manifest(&manifest_bytes, where_)?;
    let sizes: BTreeMap<String, u64> = manifest.files.iter().map(|f| (f.path.clone(), f.size)).collect();
    let mut actual = BTreeMap::new();
    let mut names = BTreeSet::new();
    for i in 0..z.len() {
        let entry = z
            .by_index(i)
            .map_err(|e| Error::Failed(format!("{where_}: damaged zip entry {i}: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| Error::Failed(format!("{where_}: bad entry name in zip entry {i}: {e}")))?
            .to_string();
        if !names.insert(name.clone()) {
            // Readers disagree on which of two same-named members they show: the package
            // cannot be trusted whichever matches.
            v.problems.push(format!(
                "`{name}` is in the zip twice; a reader may show either copy"
            ));
            continue;
        }
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink()
            || entry
                .unix_mode()
                .is_some_and(|m| m & 0o170000 != 0o100000 && m & 0o170000 != 0)
        {
            v.problems
                .push(format!("`{name}` is not a regular file in the zip"));
            continue;
        }
        let limit = sizes.get(&name).map_or(64 << 20, |s| s.saturating_add(1));
        let h = hash_bounded(entry, limit)
            .map_err(|e| Error::Failed(format!("{where_}: cannot read `{name}`: {e}")))?;
        actual.insert(name, h);
    }
    compare(manifest, actual, v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1+1"), "'+1+1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("-42.5"), "-42.5");
        assert_eq!(neutralise("+42"), "+42");
        assert_eq!(neutralise("1e-3"), "1e-3");
        assert_eq!(neutralise("GV.OC-01"), "GV.OC-01");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn csv_has_bom_only_when_asked() {
        let b = csv_bytes(&["a"], &[vec!["=1".into()]], false, true).unwrap();
        assert_eq!(b, b"\xEF\xBB\xBFa\r\n'=1\r\n");
        let b = csv_bytes(&["a"], &[vec!["=1".into()]], true, false).unwrap();
        assert_eq!(b, b"a\r\n=1\r\n");
    }
}
