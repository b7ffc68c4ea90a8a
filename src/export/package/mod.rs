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
//!
//! Here the staging folder and its files; `previous` checks and removes the package `--force`
//! replaces, `leftovers` names staging folders and clears what a killed export left, `signals`
//! stops an export cleanly, `zip` writes the deterministic zip.

mod leftovers;
mod previous;
pub(crate) mod signals;
mod zip;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::export::manifest::{MANIFEST, Manifest, ManifestFile};
use crate::util::hex;

pub(crate) use leftovers::random;
pub(crate) use signals::{check_interrupted, interrupted};

use leftovers::{PARTIAL_MARKER, clear_leftovers, make_staging_dir};
use previous::{
    Previous, Protected, Stamp, check_replaceable, keep_aside, name_list, refuse, remove_previous_folder,
    rename_noreplace, taken,
};
use zip::write_zip;

/// 64 KiB of zeros: a block of a copied file that is all zeros is left as a hole.
static ZEROS: [u8; 1 << 16] = [0; 1 << 16];

/// A file of a package being written in pieces; its SHA-256 and size are taken as it is written.
/// Hand it back to [`Staging::close`].
pub(crate) struct StagedFile {
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
pub(crate) enum Copied {
    /// Copied into the package: its SHA-256 is the one expected.
    AsRecorded(String),
    /// Not copied: its SHA-256 (given) is not the one expected.
    Differs(String),
}

/// A package being written into a temporary folder next to its destination.
pub(crate) struct Staging {
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

impl Staging {
    /// Starts a package for `dest` (a folder, or a zip file when `zip`). An existing destination
    /// is refused unless `force`, and even then csfkit replaces only a previous csfkit package
    /// (every file with the bytes its manifest lists) or an empty folder; `protect` (the
    /// catalogue) is never in what is replaced. Leftovers of an export to the same path that
    /// was killed are cleared first (never put in place).
    pub(crate) fn new(dest: &Path, zip: bool, force: bool, protect: &Path) -> Result<Staging> {
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
    pub(crate) fn watch_signals() {
        signals::watch();
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
    pub(crate) fn create(&self, rel: &str) -> Result<StagedFile> {
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
    pub(crate) fn path_for(&self, rel: &str) -> Result<PathBuf> {
        self.target(rel)
    }

    /// The staging folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records a file written at [`Staging::path_for`]`(rel)`, hashed from what is on disk.
    pub(crate) fn adopt(&mut self, rel: &str) -> Result<()> {
        let p = self.dir.join(rel);
        let (sha256, size) =
            crate::util::hash_file(&p).map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
        self.record(rel, sha256, size);
        Ok(())
    }

    /// Finishes a file from [`Staging::create`] and records it for the manifest.
    pub(crate) fn close(&mut self, mut file: StagedFile) -> Result<()> {
        file.complete()
            .map_err(|e| Error::io(format!("writing `{}`", file.path.display()), e))?;
        self.record(&file.rel, hex(&file.hash.finalize()), file.size);
        Ok(())
    }

    /// Adds a file from bytes.
    pub(crate) fn add_bytes(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
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
    pub(crate) fn add_reader(
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
            // The folder made for it goes too when nothing else is in it (remove_dir only
            // removes an empty one), so the package holds no empty `evidence/`.
            let mut dir = out.path.parent();
            while let Some(d) = dir.filter(|d| *d != self.dir && d.starts_with(&self.dir)) {
                if fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
            return Ok(Copied::Differs(sha));
        }
        self.close(out)?;
        Ok(Copied::AsRecorded(sha))
    }

    /// Files added so far, sorted by path.
    pub(crate) fn files(&self) -> Vec<ManifestFile> {
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
    pub(crate) fn finish(
        mut self,
        manifest: &Manifest,
        generated_at: chrono::DateTime<chrono::Utc>,
        signer: Option<&crate::export::sign::SigningKey>,
    ) -> Result<Vec<String>> {
        let bytes = manifest.to_bytes()?;
        let sha = hex(&Sha256::digest(&bytes));
        let p = self.target(MANIFEST)?;
        fs::write(&p, &bytes).map_err(|e| Error::io(format!("writing `{}`", p.display()), e))?;
        // Every file but SHA256SUMS with its hash: the listed ones, the manifest, the signature.
        let mut sums: BTreeMap<String, String> = self
            .files
            .values()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect();
        sums.insert(MANIFEST.to_string(), sha.clone());
        if let Some(key) = signer {
            let sig = key.sign(&bytes)?;
            let p = self.target(crate::export::sign::SIGNATURE)?;
            fs::write(&p, &sig).map_err(|e| Error::io(format!("writing `{}`", p.display()), e))?;
            sums.insert(
                crate::export::sign::SIGNATURE.to_string(),
                hex(&Sha256::digest(&sig)),
            );
        }
        let sums_bytes = crate::export::sums::render(&sums);
        let p = self.target(crate::export::sums::SUMS)?;
        fs::write(&p, &sums_bytes).map_err(|e| Error::io(format!("writing `{}`", p.display()), e))?;
        if self.zip {
            let mut all: Vec<String> = sums.into_keys().collect();
            all.push(crate::export::sums::SUMS.to_string());
            all.sort();
            let tmp = self.zip_tmp();
            write_zip(&self.dir, &all, &tmp, generated_at)?;
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
        let v = crate::export::verify::verify_with(path, Some(sha), ignore)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

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
    fn a_package_that_would_fail_verify_is_never_put_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("pkg");
        let db = dir.path().join("c.db");
        let (s, m) = csv_package(&dest, &db);
        // Changed after it was hashed: the package as written no longer matches its manifest.
        fs::write(s.dir().join("gaps.csv"), b"changed\r\n").unwrap();
        let staged = s.dir().to_path_buf();
        let e = s.finish(
            &m,
            chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            None,
        );
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
            .finish(
                &m2,
                chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
                None,
            )
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
