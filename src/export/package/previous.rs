//! The package `--force` replaces: checked before anything is written (a csfkit package whose
//! every file has the bytes its manifest lists, or an empty folder, holding nothing that is the
//! catalogue), and removed after the swap only as far as it is still what was checked; what
//! changed meanwhile is kept beside the new package as `NAME.previous`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::export::manifest::{MANIFEST, ManifestFile, read_manifest, relative};
use crate::util::hex;

/// The refusal for a destination csfkit will not replace.
pub(super) fn refuse(dest: &Path, why: String) -> Error {
    Error::CantCreate {
        path: dest.into(),
        reason: format!(
            "{why}; --force replaces only a package csfkit wrote (every file in it listed in its manifest.json, with the bytes listed there) or an empty folder, and never the catalogue. Choose another --out; nothing was changed"
        ),
    }
}

/// What a file looked like when it was checked. A file with the same stamp later was not
/// written in between: the change time moves on every write and cannot be set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    pub(super) fn of(m: &fs::Metadata) -> Stamp {
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
    pub(super) fn content(self) -> (u64, u64, u64, (i64, i64)) {
        (self.dev, self.ino, self.size, self.mtime)
    }
}

/// One file of a previous package, as checked: its stamp and the bytes its manifest lists.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    stamp: Stamp,
    size: u64,
    sha256: String,
}

/// The package `--force` replaces, as checked when the export started.
pub(super) enum Previous {
    /// A package folder (or an empty folder): each file by its path inside.
    Folder(BTreeMap<String, Checked>),
    /// A package zip.
    Zip(Stamp),
}

/// The catalogue's files (and its -wal, -shm and -journal) by device and inode, and the real
/// paths of the catalogue: an export never replaces a package that holds one of them, under
/// whatever name (a symbolic or hard link given as `--db`).
pub(super) struct Protected {
    ids: BTreeSet<(u64, u64)>,
    paths: Vec<PathBuf>,
    shown: PathBuf,
}

impl Protected {
    pub(super) fn of(db: &Path) -> Protected {
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

    pub(super) fn holds(&self, m: &fs::Metadata) -> bool {
        self.ids.contains(&(m.dev(), m.ino()))
    }
}

/// Renames `from` to `to` unless `to` exists (then `AlreadyExists`), atomically where the file
/// system can (`renameat2` with `RENAME_NOREPLACE`).
pub(super) fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
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
pub(super) fn taken(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::AlreadyExists
        || e.raw_os_error() == Some(rustix::io::Errno::NOTEMPTY.raw_os_error())
}

/// A name beside `dest` for a previous package kept because something in it changed:
/// `NAME.previous` (`STEM.previous.zip` for a zip), then `-2`, `-3`, ...; `at` is renamed to
/// the first that is free, and the name it has now is returned.
pub(super) fn keep_aside(at: &Path, dest: &Path) -> PathBuf {
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
pub(super) fn check_folder(
    dir: &Path,
    protect: &Protected,
) -> std::result::Result<BTreeMap<String, Checked>, String> {
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
    let beside = [crate::export::sums::SUMS, crate::export::sign::SIGNATURE];
    // Unlisted files first: naming one needs no hashing.
    if let Some((rel, ..)) = tree.files.iter().find(|(rel, ..)| {
        rel != MANIFEST && !beside.contains(&rel.as_str()) && !listed.contains_key(rel.as_str())
    }) {
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
    check_beside(&tree, &bytes, &m, &mut checked)?;
    Ok(checked)
}

/// The files beside a previous package's manifest, each only if it is the one csfkit wrote:
/// the signature a valid package signature over that manifest, `SHA256SUMS` exactly the sums of
/// its files, manifest and signature.
fn check_beside(
    tree: &Tree,
    manifest: &[u8],
    m: &crate::export::manifest::Manifest,
    checked: &mut BTreeMap<String, Checked>,
) -> std::result::Result<(), String> {
    use crate::export::{sign, sums};
    let read = |rel: &str, limit: u64| -> std::result::Result<Option<(Checked, Vec<u8>)>, String> {
        let Some((_, path, _)) = tree.files.iter().find(|(r, ..)| r == rel) else {
            return Ok(None);
        };
        let f = crate::util::fs::open_regular(path, false)
            .map_err(|e| format!("its `{rel}` cannot be read ({e})"))?;
        let stamp = Stamp::of(
            &f.metadata()
                .map_err(|e| format!("its `{rel}` cannot be read ({e})"))?,
        );
        let mut b = Vec::new();
        f.take(limit)
            .read_to_end(&mut b)
            .map_err(|e| format!("its `{rel}` cannot be read ({e})"))?;
        let c = Checked {
            stamp,
            size: b.len() as u64,
            sha256: hex(&Sha256::digest(&b)),
        };
        Ok(Some((c, b)))
    };
    let mut files: BTreeMap<String, String> = m
        .files
        .iter()
        .map(|f| (f.path.clone(), f.sha256.clone()))
        .collect();
    files.insert(MANIFEST.to_string(), hex(&Sha256::digest(manifest)));
    if let Some((c, sig)) = read(sign::SIGNATURE, 64 << 10)? {
        if !sign::is_signature_of(&sig, manifest) {
            return Err(format!(
                "its `{}` is not a signature of its manifest.json (not written by csfkit)",
                sign::SIGNATURE
            ));
        }
        files.insert(sign::SIGNATURE.to_string(), c.sha256.clone());
        checked.insert(sign::SIGNATURE.to_string(), c);
    }
    if let Some((c, got)) = read(sums::SUMS, 64 << 20)? {
        let names: std::collections::BTreeSet<&str> = files.keys().map(String::as_str).collect();
        if !sums::names_only(&got, &names) {
            return Err(format!(
                "its `{}` is not one csfkit wrote for its files (a line that is not `SHA-256  path` of a file of the package)",
                sums::SUMS
            ));
        }
        checked.insert(sums::SUMS.to_string(), c);
    }
    Ok(())
}

/// Removes the previous package folder now at `at`, file by file, each only if it is still the
/// file checked when the export started (the same stamp, or the same bytes) and not the
/// catalogue; then its empty folders. Anything that changed or appeared stops the removal:
/// returns what, and the caller keeps the folder.
pub(super) fn remove_previous_folder(
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
pub(super) fn name_list(names: &[String]) -> String {
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

/// Checks a destination `--force` is to replace: a csfkit package of the kind asked for (every
/// file with the bytes its manifest lists) or an empty folder, holding nothing that is the
/// catalogue. Returns it as checked, to be compared again when it is swapped out.
pub(super) fn check_replaceable(
    dest: &Path,
    meta: &fs::Metadata,
    zip: bool,
    protect: &Protected,
) -> Result<Previous> {
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
pub(super) fn zip_package_problem(path: &Path) -> Option<String> {
    let is_zip = crate::util::fs::open_regular(path, false)
        .map_err(|e| format!("it cannot be read ({e})"))
        .map(|f| zip::ZipArchive::new(io::BufReader::new(f)).is_ok());
    match is_zip {
        Err(why) => return Some(why),
        Ok(false) => return Some("it is not a zip file".into()),
        Ok(true) => {}
    }
    let v = match crate::export::verify::verify(path, None) {
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
