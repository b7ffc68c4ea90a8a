//! The audit package on disk: a folder or a deterministic zip written atomically, replacing
//! only a package csfkit wrote, and cleaned up when an export is interrupted or killed.
//!
//! A package is first written into a temporary sibling folder; only when every file is complete
//! is it renamed into place (or zipped into a temporary file that is renamed), so a failed
//! export leaves nothing half-written. The same catalogue and as-of date give the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::export::manifest::{MANIFEST, Manifest, ManifestFile, read_manifest};
use crate::util::hex;

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

/// What [`Staging::add_reader`] did with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copied {
    /// Copied into the package: its SHA-256 is the one expected.
    AsRecorded(String),
    /// Not copied: its SHA-256 (given) is not the one expected.
    Differs(String),
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

    /// Where a file of the package is to be written by a writer that saves files itself (the
    /// workbook); record it with [`Staging::adopt`] once written. Also the folder for such a
    /// writer's temporary files, which go when the staging folder does.
    pub fn path_for(&self, rel: &str) -> Result<PathBuf> {
        self.target(rel)
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records a file written at [`Staging::path_for`]`(rel)`, hashed from what is on disk.
    pub fn adopt(&mut self, rel: &str) -> Result<()> {
        let p = self.dir.join(rel);
        let (sha256, size) =
            crate::util::hash_file(&p).map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
        self.record(rel, sha256, size);
        Ok(())
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
    /// When `expected` is given and the copy's SHA-256 differs, the copy is removed again
    /// ([`Copied::Differs`]); otherwise the file is recorded ([`Copied::AsRecorded`]).
    pub fn add_reader(
        &mut self,
        rel: &str,
        mut src: impl Read,
        what: &str,
        expected: Option<&str>,
    ) -> Result<Copied> {
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
            return Ok(Copied::Differs(sha));
        }
        self.close(out)?;
        Ok(Copied::AsRecorded(sha))
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
        let bytes = manifest.to_bytes()?;
        let p = self.target(MANIFEST)?;
        fs::write(&p, bytes).map_err(|e| Error::io(format!("writing `{}`", p.display()), e))?;
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
    if let Some(problem) = list_tree(dir, dir, &mut found) {
        return Some(problem);
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
/// (a link, a FIFO, a device) stops the listing, and the sentence returned names it.
fn list_tree(root: &Path, dir: &Path, out: &mut Vec<String>) -> Option<String> {
    let unreadable = |p: &Path, e: io::Error| Some(format!("`{}` cannot be read ({e})", p.display()));
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return unreadable(dir, e),
    };
    for e in entries {
        let p = match e {
            Ok(e) => e.path(),
            Err(e) => return unreadable(dir, e),
        };
        let meta = match fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) => return unreadable(&p, e),
        };
        let rel = relative(root, &p);
        if meta.is_dir() {
            if let Some(problem) = list_tree(root, &p, out) {
                return Some(problem);
            }
        } else if meta.is_file() {
            out.push(rel);
        } else {
            return Some(format!(
                "it holds `{rel}`, which is {}",
                crate::util::fs::kind(&meta)
            ));
        }
    }
    None
}

/// `p` relative to `root`, `/`-separated (a path as a manifest lists it).
pub fn relative(root: &Path, p: &Path) -> String {
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
