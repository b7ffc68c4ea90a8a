//! The audit package on disk: a folder or a deterministic zip written atomically, replacing
//! only a package csfkit wrote, and cleaned up when an export is interrupted or killed.
//!
//! A package is first written into a temporary sibling folder (its name holds the process id
//! and a random part, so two exports never share one); only when every file is complete and
//! the whole passes `verify` is it put in place (or zipped into a temporary file of the same
//! kind of name, checked, and put in place), so a failed export leaves nothing half-written.
//! The same catalogue and as-of date give the same bytes.
//!
//! `--force` replaces only what it can prove csfkit wrote: every file of the old package has
//! the bytes its manifest lists, and none of them is the catalogue (by device and inode,
//! whatever name leads to it). The old package is checked again when it is swapped out, and
//! whatever changed or appeared in it meanwhile is kept, never deleted.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::export::manifest::{MANIFEST, Manifest, ManifestFile, read_manifest};
use crate::util::hex;

/// 64 KiB of zeros: a block of a copied file that is all zeros is left as a hole.
static ZEROS: [u8; 1 << 16] = [0; 1 << 16];

/// A file of a package being written in pieces; its SHA-256 and size are taken as it is written.
/// Hand it back to [`Staging::close`].
pub struct StagedFile {
    rel: String,
    path: PathBuf,
    out: io::BufWriter<fs::File>,
    hash: Sha256,
    size: u64,
    /// Blocks of zeros were skipped (see [`StagedFile::skip_zeros`]): the length is set at the end.
    holes: bool,
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

impl StagedFile {
    /// Adds `n` zero bytes (at most 64 KiB) as a hole: nothing is written, so a sparse evidence
    /// file (a disk image) takes no more room in the staging folder than it does where it is.
    fn skip_zeros(&mut self, n: usize) -> io::Result<()> {
        if interrupted() {
            return Err(io::Error::other("stopped on a signal"));
        }
        self.out.flush()?;
        self.out.get_mut().seek(io::SeekFrom::Current(n as i64))?;
        self.hash.update(&ZEROS[..n]);
        self.size += n as u64;
        self.holes = true;
        Ok(())
    }

    /// Writes out what is buffered (and the length, after a hole at the end).
    fn complete(&mut self) -> io::Result<()> {
        self.out.flush()?;
        if self.holes {
            self.out.get_ref().set_len(self.size)?;
        }
        Ok(())
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
    /// The package at the destination that `--force` replaces, as it was checked.
    previous: Option<Previous>,
    /// The catalogue, never removed.
    protect: Protected,
    files: BTreeMap<String, ManifestFile>,
    /// The package is in place (or the staging folder holds the previous one): nothing to
    /// remove on drop.
    done: bool,
    /// What the user is told when the export is done (leftovers and previous packages kept).
    notes: Vec<String>,
}

/// The signal state of an export: set when SIGINT, SIGTERM or SIGHUP arrives, the export stops
/// at its next write and removes what it had staged (see [`Staging::watch_signals`]); `which`
/// is the signal, for the exit code (128 + its number).
struct Signals {
    flag: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

fn signals() -> &'static Signals {
    static SIGNALS: std::sync::OnceLock<Signals> = std::sync::OnceLock::new();
    SIGNALS.get_or_init(|| Signals {
        flag: Arc::default(),
        which: Arc::default(),
    })
}

/// True once an export was asked to stop.
pub fn interrupted() -> bool {
    signals().flag.load(Ordering::Relaxed)
}

/// Fails with [`Error::Interrupted`] (naming the signal) once a signal asked the export to stop.
pub fn check_interrupted() -> Result<()> {
    if interrupted() {
        let which = signals().which.load(Ordering::Relaxed);
        Err(Error::Interrupted {
            signal: i32::try_from(which)
                .ok()
                .filter(|s| *s > 0)
                .unwrap_or(signal_hook::consts::SIGINT),
        })
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
            "{why}; --force replaces only a package csfkit wrote (every file in it listed in its manifest.json, with the bytes listed there) or an empty folder, and never the catalogue. Choose another --out; nothing was changed"
        ),
    }
}

/// Whether `pid` is a running process (its /proc entry exists).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// 64 bits nobody can guess ahead (for temporary names): std's hasher keys are drawn from the
/// operating system.
pub(crate) fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// What a file looked like when it was checked. A file with the same stamp later was not
/// written in between: the change time moves on every write and cannot be set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(m: &fs::Metadata) -> Stamp {
        Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// The stamp without the change time, which a rename of the file itself moves (a zip is
    /// renamed out of place before it is compared).
    fn content(self) -> (u64, u64, u64, (i64, i64)) {
        (self.dev, self.ino, self.size, self.mtime)
    }
}

/// One file of a previous package, as checked: its stamp and the bytes its manifest lists.
#[derive(Debug, Clone)]
struct Checked {
    stamp: Stamp,
    size: u64,
    sha256: String,
}

/// The package `--force` replaces, as checked when the export started.
enum Previous {
    /// A package folder (or an empty folder): each file by its path inside.
    Folder(BTreeMap<String, Checked>),
    /// A package zip.
    Zip(Stamp),
}

/// The catalogue's files (and its -wal, -shm and -journal) by device and inode, and the real
/// paths of the catalogue: an export never replaces a package that holds one of them, under
/// whatever name (a symbolic or hard link given as `--db`).
struct Protected {
    ids: BTreeSet<(u64, u64)>,
    paths: Vec<PathBuf>,
    shown: PathBuf,
}

impl Protected {
    fn of(db: &Path) -> Protected {
        let mut paths = Vec::new();
        if let Ok(real) = fs::canonicalize(db) {
            paths.push(real);
        }
        let parent = db.parent().filter(|p| !p.as_os_str().is_empty());
        if let (Ok(dir), Some(name)) = (
            parent.map_or_else(|| fs::canonicalize("."), fs::canonicalize),
            db.file_name(),
        ) {
            paths.push(dir.join(name));
        }
        let mut ids = BTreeSet::new();
        for base in std::iter::once(db.to_path_buf()).chain(paths.iter().cloned()) {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = base.clone().into_os_string();
                p.push(suffix);
                if let Ok(m) = fs::metadata(&p) {
                    ids.insert((m.dev(), m.ino()));
                }
            }
        }
        Protected {
            ids,
            paths,
            shown: db.to_path_buf(),
        }
    }

    fn holds(&self, m: &fs::Metadata) -> bool {
        self.ids.contains(&(m.dev(), m.ino()))
    }
}

/// Renames `from` to `to` unless `to` exists (then `AlreadyExists`), atomically where the file
/// system can (`renameat2` with `RENAME_NOREPLACE`).
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP => {
            // A file system without RENAME_NOREPLACE: look, then rename.
            if fs::symlink_metadata(to).is_ok() {
                Err(io::ErrorKind::AlreadyExists.into())
            } else {
                fs::rename(from, to)
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// True when a rename failed because its target exists (EEXIST, or ENOTEMPTY for a folder).
fn taken(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::AlreadyExists
        || e.raw_os_error() == Some(rustix::io::Errno::NOTEMPTY.raw_os_error())
}

/// A name beside `dest` for a previous package kept because something in it changed:
/// `NAME.previous` (`STEM.previous.zip` for a zip), then `-2`, `-3`, ...; `at` is renamed to
/// the first that is free, and the name it has now is returned.
fn keep_aside(at: &Path, dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, ext) = match name.strip_suffix(".zip") {
        Some(stem) if !stem.is_empty() => (stem.to_string(), ".zip"),
        _ => (name.clone(), ""),
    };
    for n in 1..1000 {
        let tail = if n == 1 { String::new() } else { format!("-{n}") };
        let candidate = dest.with_file_name(format!("{stem}.previous{tail}{ext}"));
        match rename_noreplace(at, &candidate) {
            Ok(()) => return candidate,
            Err(e) if taken(&e) => {}
            Err(_) => break,
        }
    }
    at.to_path_buf()
}

/// The regular files under `dir` (path relative to `root`, path, metadata), its folders, and
/// anything else (a link, a FIFO, a device, something unreadable) with what it is.
#[derive(Default)]
struct Tree {
    files: Vec<(String, PathBuf, fs::Metadata)>,
    dirs: Vec<PathBuf>,
    odd: Vec<(String, String)>,
}

impl Tree {
    fn of(root: &Path) -> Tree {
        let mut t = Tree::default();
        t.scan(root, root);
        t
    }

    fn scan(&mut self, root: &Path, dir: &Path) {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.odd
                    .push((relative(root, dir), format!("a folder that cannot be read ({e})")));
                return;
            }
        };
        for e in entries {
            let p = match e {
                Ok(e) => e.path(),
                Err(e) => {
                    self.odd
                        .push((relative(root, dir), format!("a folder that cannot be read ({e})")));
                    continue;
                }
            };
            let rel = relative(root, &p);
            match fs::symlink_metadata(&p) {
                Err(e) => self.odd.push((rel, format!("unreadable ({e})"))),
                Ok(m) if m.is_dir() => {
                    self.dirs.push(p.clone());
                    self.scan(root, &p);
                }
                Ok(m) if m.is_file() => self.files.push((rel, p, m)),
                Ok(m) => self.odd.push((rel, crate::util::fs::kind(&m).to_string())),
            }
        }
    }
}

/// Opens a regular file (never through a link), and returns its stamp as opened, its SHA-256
/// and its size, reading at most `limit` bytes.
fn hash_with_stamp(path: &Path, limit: u64) -> io::Result<(Stamp, String, u64)> {
    let f = crate::util::fs::open_regular(path, false)?;
    let stamp = Stamp::of(&f.metadata()?);
    let (sha, size) = crate::util::hash_reader(f.take(limit))?;
    Ok((stamp, sha, size))
}

/// Checks a folder `--force` is to replace: every file in it is `manifest.json` (one csfkit
/// wrote) or a file that manifest lists, with the size and SHA-256 listed; nothing in it is the
/// catalogue or anything but a regular file or folder. Returns each file as checked, or why the
/// folder is not one csfkit may replace. A folder without files is an empty folder.
fn check_folder(dir: &Path, protect: &Protected) -> std::result::Result<BTreeMap<String, Checked>, String> {
    let tree = Tree::of(dir);
    if let Some((rel, what)) = tree.odd.first() {
        return Err(format!("it holds `{}`, which is {what}", rel.escape_debug()));
    }
    // The catalogue first, whatever the manifest says about it.
    if let Some((rel, ..)) = tree.files.iter().find(|(_, _, m)| protect.holds(m)) {
        return Err(format!(
            "it holds the catalogue `{}` (as `{}`)",
            protect.shown.display(),
            rel.escape_debug()
        ));
    }
    let mut checked = BTreeMap::new();
    if tree.files.is_empty() {
        return Ok(checked);
    }
    let Some((_, mpath, _)) = tree.files.iter().find(|(rel, ..)| rel == MANIFEST) else {
        return Err("it is a folder with files of its own and no csfkit manifest.json".into());
    };
    let bytes = {
        let f = crate::util::fs::open_regular(mpath, false)
            .map_err(|e| format!("its manifest.json cannot be read ({e})"))?;
        let stamp = Stamp::of(
            &f.metadata()
                .map_err(|e| format!("its manifest.json cannot be read ({e})"))?,
        );
        let mut b = Vec::new();
        f.take(64 << 20)
            .read_to_end(&mut b)
            .map_err(|e| format!("its manifest.json cannot be read ({e})"))?;
        checked.insert(
            MANIFEST.to_string(),
            Checked {
                stamp,
                size: b.len() as u64,
                sha256: hex(&Sha256::digest(&b)),
            },
        );
        b
    };
    let Ok(m) = read_manifest(&bytes, "") else {
        return Err("its manifest.json was not written by csfkit".into());
    };
    let listed: BTreeMap<&str, &ManifestFile> = m.files.iter().map(|f| (f.path.as_str(), f)).collect();
    // Unlisted files first: naming one needs no hashing.
    if let Some((rel, ..)) = tree
        .files
        .iter()
        .find(|(rel, ..)| rel != MANIFEST && !listed.contains_key(rel.as_str()))
    {
        return Err(format!(
            "it holds `{}`, which its manifest.json does not list (not written by csfkit)",
            rel.escape_debug()
        ));
    }
    for (rel, path, _) in &tree.files {
        let Some(want) = listed.get(rel.as_str()).filter(|_| rel != MANIFEST) else {
            continue;
        };
        let (stamp, sha256, size) = hash_with_stamp(path, want.size.saturating_add(1))
            .map_err(|e| format!("its `{}` cannot be read ({e})", rel.escape_debug()))?;
        if sha256 != want.sha256 || size != want.size {
            return Err(format!(
                "its `{}` is not the file its manifest.json lists: changed since csfkit wrote it ({} bytes with SHA-256 {} listed, {size} bytes with SHA-256 {sha256} found; `csfkit verify` calls it altered)",
                rel.escape_debug(),
                want.size,
                want.sha256
            ));
        }
        checked.insert(rel.clone(), Checked { stamp, size, sha256 });
    }
    Ok(checked)
}

/// Removes the previous package folder now at `at`, file by file, each only if it is still the
/// file checked when the export started (the same stamp, or the same bytes) and not the
/// catalogue; then its empty folders. Anything that changed or appeared stops the removal:
/// returns what, and the caller keeps the folder.
fn remove_previous_folder(
    at: &Path,
    checked: &BTreeMap<String, Checked>,
    protect: &Protected,
) -> std::result::Result<(), Vec<String>> {
    let tree = Tree::of(at);
    let mut changed: Vec<String> = tree.odd.iter().map(|(rel, _)| rel.clone()).collect();
    let mut plan = Vec::new();
    for (rel, path, meta) in &tree.files {
        let Some(c) = checked.get(rel) else {
            changed.push(rel.clone());
            continue;
        };
        if protect.holds(meta) {
            changed.push(rel.clone());
        } else if Stamp::of(meta) == c.stamp {
            plan.push((rel, path, c.stamp));
        } else {
            // Touched since the check: its bytes decide.
            match hash_with_stamp(path, c.size.saturating_add(1)) {
                Ok((stamp, sha, size)) if sha == c.sha256 && size == c.size => plan.push((rel, path, stamp)),
                _ => changed.push(rel.clone()),
            }
        }
    }
    if !changed.is_empty() {
        return Err(changed);
    }
    for (rel, path, stamp) in plan {
        let same = fs::symlink_metadata(path).is_ok_and(|m| Stamp::of(&m) == stamp);
        if !same || fs::remove_file(path).is_err() {
            return Err(vec![rel.clone()]);
        }
    }
    let mut dirs = tree.dirs;
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = fs::remove_dir(d);
    }
    if fs::remove_dir(at).is_err() {
        let now = Tree::of(at);
        return Err(now
            .files
            .into_iter()
            .map(|(rel, ..)| rel)
            .chain(now.odd.into_iter().map(|(rel, _)| rel))
            .collect());
    }
    Ok(())
}

/// `names` for a message: the first five in backticks, then how many more.
fn name_list(names: &[String]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(5)
        .map(|n| format!("`{}`", n.escape_debug()))
        .collect();
    if names.len() > 5 {
        shown.push(format!("and {} more", names.len() - 5));
    }
    shown.join(", ")
}

impl Staging {
    /// Starts a package for `dest` (a folder, or a zip file when `zip`). An existing destination
    /// is refused unless `force`, and even then csfkit replaces only a previous csfkit package
    /// (every file with the bytes its manifest lists) or an empty folder; `protect` (the
    /// catalogue) is never in what is replaced. Leftovers of an export to the same path that
    /// was killed are cleared first (never put in place).
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
        let protect = Protected::of(protect);
        let notes = clear_leftovers(&parent, &name, dest, &protect);
        let previous = match fs::symlink_metadata(dest) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
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
            Ok(meta) => Some(check_replaceable(dest, &meta, zip, &protect)?),
        };
        let dir = make_staging_dir(&parent, &name)?;
        Ok(Staging {
            dir,
            dest: dest.into(),
            zip,
            previous,
            protect,
            files: BTreeMap::new(),
            done: false,
            notes,
        })
    }

    /// Turns SIGINT, SIGTERM and SIGHUP into a clean stop for the rest of the process: the
    /// export stops at its next write, removes its staging folder and exits 128 + the signal
    /// (130, 143, 129). A second signal ends the process at once, with the same code.
    pub fn watch_signals() {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let s = signals();
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                // In this order on each signal: a second one, with the flag set, ends the
                // process; the first records which signal it was and sets the flag.
                let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, s.flag.clone());
                let _ = signal_hook::flag::register_usize(sig, s.which.clone(), sig as usize);
                let _ = signal_hook::flag::register(sig, s.flag.clone());
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
            holes: false,
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
        file.complete()
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

    /// Copies everything `src` yields into the package as `rel`, hashing it as it is copied
    /// (blocks of zeros become holes). When `expected` is given and the copy's SHA-256
    /// differs, the copy is removed again ([`Copied::Differs`]); otherwise the file is recorded
    /// ([`Copied::AsRecorded`]).
    pub fn add_reader(
        &mut self,
        rel: &str,
        mut src: impl Read,
        what: &str,
        expected: Option<&str>,
    ) -> Result<Copied> {
        let mut out = self.create(rel)?;
        let mut buf = vec![0u8; ZEROS.len()];
        loop {
            let n = src
                .read(&mut buf)
                .map_err(|e| Error::io(format!("reading {what}"), e))?;
            if n == 0 {
                break;
            }
            let written = if n == buf.len() && buf == ZEROS {
                out.skip_zeros(n)
            } else {
                out.write_all(&buf[..n])
            };
            written.map_err(|e| Error::io(format!("writing `{}`", out.path.display()), e))?;
        }
        out.complete()
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

    /// The temporary zip beside the staging folder (a name of the same unique kind).
    fn zip_tmp(&self) -> PathBuf {
        let mut s = self.dir.clone().into_os_string();
        s.push(".zip-partial");
        s.into()
    }

    /// Writes the manifest, checks the package as `verify` does, and moves it into place. A
    /// previous package at the destination is replaced atomically: exchanged with the new one
    /// in one `renameat2(RENAME_EXCHANGE)`, then removed only as far as it is still what was
    /// checked at the start (what changed meanwhile is kept beside the new package). Returns
    /// what the user should be told (what was kept, and where).
    pub fn finish(mut self, manifest: &Manifest, as_of: chrono::NaiveDate) -> Result<Vec<String>> {
        let bytes = manifest.to_bytes()?;
        let sha = hex(&Sha256::digest(&bytes));
        let p = self.target(MANIFEST)?;
        fs::write(&p, bytes).map_err(|e| Error::io(format!("writing `{}`", p.display()), e))?;
        if self.zip {
            let mut all: Vec<String> = self.files.keys().cloned().collect();
            all.push(MANIFEST.to_string());
            all.sort();
            let tmp = self.zip_tmp();
            write_zip(&self.dir, &all, &tmp, as_of)?;
            self.check_written(&tmp, &sha, &[])?;
            check_interrupted()?;
            self.put_in_place(&tmp)?;
            let _ = fs::remove_dir_all(&self.dir);
        } else {
            self.check_written(&self.dir, &sha, &[PARTIAL_MARKER])?;
            check_interrupted()?;
            fs::remove_file(self.dir.join(PARTIAL_MARKER))
                .map_err(|e| Error::io(format!("writing `{}`", self.dir.display()), e))?;
            let dir = self.dir.clone();
            self.put_in_place(&dir)?;
        }
        Ok(std::mem::take(&mut self.notes))
    }

    /// Runs `verify` on what was written at `path` (the manifest's SHA-256 pinned): an export
    /// never puts in place a package that `csfkit verify` would call FAILED.
    fn check_written(&self, path: &Path, sha: &str, ignore: &[&str]) -> Result<()> {
        let v = crate::export::manifest::verify_with(path, Some(sha), ignore)?;
        if v.passed() {
            return Ok(());
        }
        let what: Vec<String> = v
            .missing
            .iter()
            .map(|p| format!("missing `{}`", p.escape_debug()))
            .chain(v.extra.iter().map(|p| format!("extra `{}`", p.escape_debug())))
            .chain(
                v.altered
                    .iter()
                    .map(|(p, ..)| format!("altered `{}`", p.escape_debug())),
            )
            .chain(v.problems.iter().cloned())
            .take(3)
            .collect();
        Err(Error::CantCreate {
            path: self.dest.clone(),
            reason: format!(
                "the package as written does not pass `csfkit verify` ({}); it was not put in place and nothing was changed",
                what.join("; ")
            ),
        })
    }

    /// Puts the new package (the staging folder, or the temporary zip) at the destination, and
    /// disposes of the previous one.
    fn put_in_place(&mut self, new: &Path) -> Result<()> {
        let Some(previous) = self.previous.take() else {
            return match rename_noreplace(new, &self.dest) {
                Ok(()) => {
                    self.done = true;
                    Ok(())
                }
                Err(e) if taken(&e) => {
                    Err(Error::CantCreate {
                        path: self.dest.clone(),
                        reason: "it appeared while the package was written (another export or program); it was left as it is and this package was not written".into(),
                    })
                }
                Err(e) => Err(crate::error::cant_create(&self.dest, e)),
            };
        };
        let old = self.swap(new)?;
        self.done = true;
        let Some(old) = old else {
            return Ok(());
        };
        let kept = match previous {
            Previous::Folder(checked) => remove_previous_folder(&old, &checked, &self.protect).err(),
            Previous::Zip(stamp) => {
                let same = fs::symlink_metadata(&old)
                    .is_ok_and(|m| m.is_file() && Stamp::of(&m).content() == stamp.content());
                if same && fs::remove_file(&old).is_ok() {
                    None
                } else {
                    Some(Vec::new())
                }
            }
        };
        if let Some(changed) = kept {
            let at = keep_aside(&old, &self.dest);
            let what = if changed.is_empty() {
                "the previous package changed".to_string()
            } else {
                format!(
                    "{} changed or appeared in the previous package",
                    name_list(&changed)
                )
            };
            self.notes.push(format!(
                "{}: {what} while this export ran; it was kept as `{}` beside the new package, nothing in it deleted",
                self.dest.display(),
                at.display()
            ));
        }
        Ok(())
    }

    /// Exchanges `new` with the previous package at the destination; returns where the previous
    /// package is now (None when it had gone meanwhile). Where the file system cannot exchange,
    /// the previous package is renamed aside first (`.NAME.old-PID-RANDOM`); a kill between the
    /// two renames leaves it there, and the next export to the same path removes it (what
    /// changed in it is kept), never puts it back.
    fn swap(&self, new: &Path) -> Result<Option<PathBuf>> {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        match renameat_with(CWD, new, CWD, &self.dest, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(Some(new.to_path_buf())),
            Err(e) if e == Errno::NOENT => {
                // Gone meanwhile: nothing to replace.
                rename_noreplace(new, &self.dest).map_err(|e| crate::error::cant_create(&self.dest, e))?;
                Ok(None)
            }
            Err(_) => {
                let name = self
                    .dest
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let aside =
                    self.dest
                        .with_file_name(format!(".{name}.old-{}-{:016x}", std::process::id(), random()));
                fs::rename(&self.dest, &aside).map_err(|e| crate::error::cant_create(&self.dest, e))?;
                if let Err(e) = rename_noreplace(new, &self.dest) {
                    let _ = rename_noreplace(&aside, &self.dest);
                    return Err(crate::error::cant_create(&self.dest, e));
                }
                Ok(Some(aside))
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // A failed or interrupted export leaves nothing behind.
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
            let _ = fs::remove_file(self.zip_tmp());
        }
    }
}

/// Makes the staging folder `.NAME.partial-PID-RANDOM` beside the destination, with csfkit's
/// marker inside. The name is new (created exclusively), so two exports never share one.
fn make_staging_dir(parent: &Path, name: &str) -> Result<PathBuf> {
    let mut last = None;
    for _ in 0..16 {
        let dir = parent.join(format!(
            ".{name}.partial-{}-{:016x}",
            std::process::id(),
            random()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => {
                fs::write(dir.join(PARTIAL_MARKER), b"csfkit export in progress\n")
                    .map_err(|e| crate::error::cant_create(&dir, e))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((dir, e)),
            Err(e) => return Err(crate::error::cant_create(&dir, e)),
        }
    }
    let (dir, e) = last.expect("the loop ran");
    Err(crate::error::cant_create(&dir, e))
}

/// Clears what a killed export to `dest` left beside it, never putting any of it in place:
/// staging folders (they hold csfkit's marker file) and partial zips of processes that no
/// longer run, and previous packages set aside or swapped out during a replacement. A
/// previous package is removed only as far as its files have the bytes its manifest lists;
/// one that holds anything else is kept as `NAME.previous` and the returned note says so.
fn clear_leftovers(parent: &Path, name: &str, dest: &Path, protect: &Protected) -> Vec<String> {
    let mut notes = Vec::new();
    let Ok(entries) = fs::read_dir(parent) else {
        return notes;
    };
    let partial = format!(".{name}.partial-");
    let old = format!(".{name}.old-");
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let Some(rest) = file_name
            .strip_prefix(&partial)
            .or_else(|| file_name.strip_prefix(&old))
        else {
            continue;
        };
        let Some(pid) = leftover_pid(rest) else {
            continue;
        };
        if alive(pid) {
            continue;
        }
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let keep = |why: String, notes: &mut Vec<String>| {
            let at = keep_aside(&path, dest);
            notes.push(format!(
                "`{file_name}` (left beside `{}` by an export that was stopped): {why}; it was kept as `{}`, nothing in it deleted",
                dest.display(),
                at.display()
            ));
        };
        if meta.is_file() {
            if !file_name.ends_with(".zip-partial") {
                continue;
            }
            // A zip being written (not a zip yet), or a previous package swapped out of place.
            let is_zip = crate::util::fs::open_regular(&path, false)
                .ok()
                .is_some_and(|f| zip::ZipArchive::new(io::BufReader::new(f)).is_ok());
            match is_zip.then(|| zip_package_problem(&path)).flatten() {
                None => {
                    let _ = fs::remove_file(&path);
                }
                Some(why) => keep(why, &mut notes),
            }
        } else if meta.is_dir() {
            if fs::symlink_metadata(path.join(PARTIAL_MARKER)).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_dir_all(&path);
            } else if fs::symlink_metadata(path.join(MANIFEST)).is_ok() {
                match check_folder(&path, protect) {
                    Ok(checked) => {
                        if let Err(changed) = remove_previous_folder(&path, &checked, protect) {
                            keep(
                                format!("{} changed while it was removed", name_list(&changed)),
                                &mut notes,
                            );
                        }
                    }
                    Err(why) => keep(why, &mut notes),
                }
            } else {
                // Killed between making the folder and marking it: empty, so removing it
                // (which only works on an empty folder) loses nothing.
                let _ = fs::remove_dir(&path);
            }
        }
    }
    notes
}

/// The process id in what follows `.NAME.partial-` or `.NAME.old-` in a leftover's name:
/// `PID`, `PID-RANDOM` (16 hex digits), either followed by `.zip-partial`; None for any other
/// name (which is not csfkit's, or an export's to another path).
fn leftover_pid(rest: &str) -> Option<u32> {
    let rest = rest.strip_suffix(".zip-partial").unwrap_or(rest);
    let (pid, random) = rest.split_once('-').unwrap_or((rest, ""));
    let random_ok =
        random.is_empty() || (random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit()));
    let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    if random_ok && pid_ok {
        pid.parse().ok()
    } else {
        None
    }
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

/// Checks a destination `--force` is to replace: a csfkit package of the kind asked for (every
/// file with the bytes its manifest lists) or an empty folder, holding nothing that is the
/// catalogue. Returns it as checked, to be compared again when it is swapped out.
fn check_replaceable(dest: &Path, meta: &fs::Metadata, zip: bool, protect: &Protected) -> Result<Previous> {
    if meta.file_type().is_symlink() {
        return Err(refuse(dest, "it is a symbolic link".into()));
    }
    // The catalogue (and its -wal and -shm files) is never inside what is replaced.
    let dest_abs = fs::canonicalize(dest).map_err(|e| crate::error::cant_create(dest, e))?;
    if protect.paths.iter().any(|db| db.starts_with(&dest_abs)) || protect.holds(meta) {
        return Err(refuse(
            dest,
            format!("it holds the catalogue `{}`", protect.shown.display()),
        ));
    }
    if zip {
        if !meta.is_file() {
            return Err(refuse(
                dest,
                format!("it is {}, not a zip file", crate::util::fs::kind(meta)),
            ));
        }
        return match zip_package_problem(dest) {
            None => Ok(Previous::Zip(Stamp::of(meta))),
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
    check_folder(dest, protect)
        .map(Previous::Folder)
        .map_err(|why| refuse(dest, why))
}

/// Why the file at `path` is not a csfkit package zip that may be replaced, or None when it
/// is one: it passes `verify` but for members left out (nothing to lose there).
fn zip_package_problem(path: &Path) -> Option<String> {
    let is_zip = crate::util::fs::open_regular(path, false)
        .map_err(|e| format!("it cannot be read ({e})"))
        .map(|f| zip::ZipArchive::new(io::BufReader::new(f)).is_ok());
    match is_zip {
        Err(why) => return Some(why),
        Ok(false) => return Some("it is not a zip file".into()),
        Ok(true) => {}
    }
    let v = match crate::export::manifest::verify(path, None) {
        Ok(v) => v,
        Err(e) => return Some(format!("it is not a csfkit package zip ({e})")),
    };
    if let Some(p) = v.extra.first() {
        return Some(format!(
            "it holds `{}`, which its manifest.json does not list (not written by csfkit)",
            p.escape_debug()
        ));
    }
    if let Some((p, want, got)) = v.altered.first() {
        return Some(format!(
            "its `{}` is not the file its manifest.json lists: changed since csfkit wrote it (SHA-256 {want} listed, {got} found; `csfkit verify` calls it altered)",
            p.escape_debug()
        ));
    }
    v.problems
        .first()
        .map(|p| format!("it is not a zip csfkit wrote as it is: {p}"))
}

/// Zips `files` (relative to `root`, in the given order) with fixed timestamps (the as-of date)
/// and permissions, so the same content gives the same bytes. A file of 4 GiB or more is
/// written as a zip64 member. `out` must not exist: it is created, never opened over another
/// export's.
fn write_zip(root: &Path, files: &[String], out: &Path, as_of: chrono::NaiveDate) -> Result<()> {
    use chrono::Datelike;
    let f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| crate::error::cant_create(out, e))?;
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
        let mut src = fs::File::open(root.join(rel)).map_err(|e| Error::io(format!("reading `{rel}`"), e))?;
        let size = src
            .metadata()
            .map_err(|e| Error::io(format!("reading `{rel}`"), e))?
            .len();
        z.start_file(rel.as_str(), opts.large_file(size >= u64::from(u32::MAX)))
            .map_err(zerr)?;
        io::copy(&mut src, &mut z).map_err(|e| Error::io(format!("writing `{}`", out.display()), e))?;
    }
    let mut w = z.finish().map_err(zerr)?;
    w.flush()
        .map_err(|e| Error::io(format!("writing `{}`", out.display()), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A staging for `dest` holding the four files of a CSV package, and its manifest.
    fn csv_package(dest: &Path, db: &Path) -> (Staging, Manifest) {
        let mut s = Staging::new(dest, false, false, db).unwrap();
        for f in ["control-matrix.csv", "evidence-index.csv", "gaps.csv", "poam.csv"] {
            s.add_bytes(f, format!("{f}\r\n").as_bytes()).unwrap();
        }
        let m: Manifest = serde_json::from_value(serde_json::json!({
            "format": "csfkit-audit-package",
            "format_version": 1,
            "csfkit_version": env!("CARGO_PKG_VERSION"),
            "parameters": {"formats": ["csv"]},
            "catalogue_digest": "",
            "sources": {},
            "warnings": [],
            "files": s.files(),
        }))
        .unwrap();
        (s, m)
    }

    #[test]
    fn leftover_names_give_their_process_id_and_nothing_else_does() {
        assert_eq!(leftover_pid("123"), Some(123));
        assert_eq!(leftover_pid("123-00ff00ff00ff00ff"), Some(123));
        assert_eq!(leftover_pid("123-00ff00ff00ff00ff.zip-partial"), Some(123));
        assert_eq!(leftover_pid("123.zip-partial"), Some(123));
        // An export to `pkg.old-5` is not a leftover of an export to `pkg`.
        assert_eq!(leftover_pid("5.partial-123-00ff00ff00ff00ff"), None);
        assert_eq!(leftover_pid("123-xyz"), None);
        assert_eq!(leftover_pid(""), None);
    }

    #[test]
    fn a_package_that_would_fail_verify_is_never_put_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("pkg");
        let db = dir.path().join("c.db");
        let (s, m) = csv_package(&dest, &db);
        // Changed after it was hashed: the package as written no longer matches its manifest.
        fs::write(s.dir().join("gaps.csv"), b"changed\r\n").unwrap();
        let staged = s.dir().to_path_buf();
        let e = s.finish(&m, chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        let e = e.unwrap_err().to_string();
        assert!(
            e.contains("does not pass `csfkit verify`") && e.contains("gaps.csv"),
            "{e}"
        );
        assert!(!dest.exists() && !staged.exists());
        // The same for a zip.
        let dest = dir.path().join("pkg.zip");
        let mut s = Staging::new(&dest, true, false, &db).unwrap();
        for f in ["control-matrix.csv", "evidence-index.csv", "gaps.csv", "poam.csv"] {
            s.add_bytes(f, b"x\r\n").unwrap();
        }
        let mut m2 = m.clone();
        m2.files = s.files();
        m2.files[0].sha256 = "0".repeat(64);
        let e = s
            .finish(&m2, chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("altered `control-matrix.csv`"), "{e}");
        assert!(!dest.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn blocks_of_zeros_are_copied_as_holes_with_the_same_hash() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, _) = csv_package(&dir.path().join("pkg"), &dir.path().join("c.db"));
        let mut bytes = vec![0u8; 64 << 20];
        bytes[1000] = 7;
        let want = hex(&Sha256::digest(&bytes));
        let copied = s
            .add_reader("evidence/1-disk.img", &bytes[..], "bytes", Some(&want))
            .unwrap();
        assert_eq!(copied, Copied::AsRecorded(want.clone()));
        let p = s.dir().join("evidence/1-disk.img");
        let meta = fs::metadata(&p).unwrap();
        assert_eq!(meta.len(), 64 << 20);
        assert_eq!(crate::util::hash_file(&p).unwrap().0, want);
        // One 64 KiB block written, the rest holes (where the file system has them).
        assert!(meta.blocks() * 512 < 8 << 20, "{} blocks", meta.blocks());
    }
}
