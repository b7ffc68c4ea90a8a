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
use crate::framework::hex;

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
    /// Problems found while packaging (changed evidence files, missing glyphs).
    pub warnings: Vec<String>,
    /// Every file but the manifest, sorted by path.
    pub files: Vec<ManifestFile>,
}

/// SHA-256 and size of a file, streamed.
pub fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    hash_reader(fs::File::open(path)?)
}

/// SHA-256 and size of everything `f` yields, streamed.
pub fn hash_reader(mut f: impl Read) -> io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), size))
}

/// A package being written into a temporary folder next to its destination.
pub struct Staging {
    dir: PathBuf,
    dest: PathBuf,
    zip: bool,
    force: bool,
    files: BTreeMap<String, ManifestFile>,
    done: bool,
}

impl Staging {
    /// Starts a package for `dest` (a folder, or a zip file when `zip`). Refuses an existing
    /// destination unless `force`.
    pub fn new(dest: &Path, zip: bool, force: bool) -> Result<Staging> {
        if dest.exists() && !force {
            return Err(Error::CantCreate {
                path: dest.into(),
                reason: "it already exists; choose another --out or pass --force to replace it".into(),
            });
        }
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
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            let _ = fs::remove_dir_all(&dir);
        }
        fs::create_dir(&dir).map_err(|e| Error::CantCreate {
            path: dir.clone(),
            reason: e.to_string(),
        })?;
        Ok(Staging {
            dir,
            dest: dest.into(),
            zip,
            force,
            files: BTreeMap::new(),
            done: false,
        })
    }

    fn target(&self, rel: &str) -> Result<PathBuf> {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::CantCreate {
                path: parent.into(),
                reason: e.to_string(),
            })?;
        }
        Ok(p)
    }

    /// Creates a file to be written in pieces (a report or an index of any length).
    pub fn create(&self, rel: &str) -> Result<StagedFile> {
        let path = self.target(rel)?;
        let f = fs::File::create(&path).map_err(|e| Error::CantCreate {
            path: path.clone(),
            reason: e.to_string(),
        })?;
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

    /// Copies a file into the package and returns its SHA-256 and size as copied.
    pub fn add_copy(&mut self, rel: &str, src: &Path) -> Result<(String, u64)> {
        let p = self.target(rel)?;
        fs::copy(src, &p).map_err(|e| Error::io(format!("copying `{}`", src.display()), e))?;
        let (sha256, size) = hash_file(&p).map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
        self.record(rel, sha256.clone(), size);
        Ok((sha256, size))
    }

    /// Files added so far, sorted by path.
    pub fn files(&self) -> Vec<ManifestFile> {
        self.files.values().cloned().collect()
    }

    /// Writes the manifest and moves the package into place.
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
            self.replace(&tmp)?;
            let _ = fs::remove_dir_all(&self.dir);
        } else {
            let dir = self.dir.clone();
            self.replace(&dir)?;
        }
        self.done = true;
        Ok(())
    }

    fn replace(&self, from: &Path) -> Result<()> {
        if self.dest.exists() && self.force {
            let r = if self.dest.is_dir() {
                fs::remove_dir_all(&self.dest)
            } else {
                fs::remove_file(&self.dest)
            };
            r.map_err(|e| Error::CantCreate {
                path: self.dest.clone(),
                reason: format!("cannot replace it: {e}"),
            })?;
        }
        fs::rename(from, &self.dest).map_err(|e| Error::CantCreate {
            path: self.dest.clone(),
            reason: e.to_string(),
        })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // A failed export leaves nothing behind.
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
            let _ = fs::remove_file(self.dir.with_extension("zip-partial"));
        }
    }
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
    /// The manifest, when it could be read.
    pub manifest: Option<Manifest>,
}

impl Verification {
    /// True when every file matches and nothing is missing or extra.
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.altered.is_empty()
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

fn compare(manifest: Manifest, actual: BTreeMap<String, (String, u64)>) -> Verification {
    let mut v = Verification::default();
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
    v.manifest = Some(manifest);
    v
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (String, u64)>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::InputMissing {
        path: dir.into(),
        source: e,
    })?;
    for e in entries {
        let e = e.map_err(|e| Error::io(format!("reading `{}`", dir.display()), e))?;
        let p = e.path();
        let ft = e
            .file_type()
            .map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
        if ft.is_dir() {
            walk(root, &p, out)?;
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let h = hash_file(&p).map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
            out.insert(rel, h);
        }
    }
    Ok(())
}

/// Recomputes every hash of a package (folder or zip) against its manifest.
pub fn verify(path: &Path) -> Result<Verification> {
    let meta = fs::metadata(path).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let where_ = path.display().to_string();
    if meta.is_dir() {
        let bytes = fs::read(path.join(MANIFEST)).map_err(|e| Error::InputMissing {
            path: path.join(MANIFEST),
            source: e,
        })?;
        let manifest = read_manifest(&bytes, &where_)?;
        let mut actual = BTreeMap::new();
        walk(path, path, &mut actual)?;
        return Ok(compare(manifest, actual));
    }
    let f = fs::File::open(path).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let mut z = zip::ZipArchive::new(io::BufReader::new(f))
        .map_err(|e| Error::Failed(format!("{where_}: not a package folder or zip: {e}")))?;
    let mut actual = BTreeMap::new();
    let mut manifest_bytes = None;
    for i in 0..z.len() {
        let mut entry = z
            .by_index(i)
            .map_err(|e| Error::Failed(format!("{where_}: damaged zip entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| Error::Failed(format!("{where_}: bad entry name in zip entry {i}: {e}")))?
            .to_string();
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        let mut keep = Vec::new();
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| Error::Failed(format!("{where_}: cannot read `{name}`: {e}")))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            h.update(&buf[..n]);
            if name == MANIFEST && keep.len() < (64 << 20) {
                keep.extend_from_slice(&buf[..n]);
            }
        }
        if name == MANIFEST {
            manifest_bytes = Some(keep);
        }
        actual.insert(name, (hex(&h.finalize()), size));
    }
    let bytes =
        manifest_bytes.ok_or_else(|| Error::Failed(format!("{where_}: no `{MANIFEST}` in the package")))?;
    Ok(compare(read_manifest(&bytes, &where_)?, actual))
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
