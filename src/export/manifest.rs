//! The package manifest (every file with its size and SHA-256, how the package was made, the
//! sources and history heads it reflects) and `verify`, which checks a package against it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::util::hex;

/// The manifest's file name inside a package.
pub const MANIFEST: &str = "manifest.json";

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
    pub parameters: Parameters,
    /// Digest over the catalogue content the package reflects.
    pub catalogue_digest: String,
    /// Frameworks and matrices the content comes from (id and source SHA-256).
    pub sources: Sources,
    /// The head of each history chain of the catalogue (ownership changes, assessment records,
    /// evidence import batches): how many records and the newest link, so an assessor can tell
    /// that the history behind the package was not rewritten (`csfkit check`).
    #[serde(default)]
    pub history: BTreeMap<String, ChainHead>,
    /// Problems found while packaging (changed evidence files, missing glyphs).
    pub warnings: Vec<String>,
    /// Every file but the manifest, sorted by path.
    pub files: Vec<ManifestFile>,
}

/// How a package was made. Fields in alphabetical order: the order they have always had in
/// `manifest.json`. Missing fields read as empty, so older manifests still parse.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Parameters {
    /// The date freshness was judged at, `YYYY-MM-DD`.
    pub as_of: String,
    /// CSV files start with a BOM.
    pub bom: bool,
    /// Documents written: `pdf`, `csv`, `oscal` (in `oscal/`), or `oscal-export` (the OSCAL
    /// documents alone, at the top: `csfkit oscal export`).
    pub formats: Vec<String>,
    /// Evidence files copied in.
    pub include_files: bool,
    /// Coverage left evidence mapped from other frameworks out (`--no-mapped`).
    pub no_mapped: bool,
    /// Organisation on the cover.
    pub organization: String,
    /// `a4` or `letter`.
    pub paper: String,
    /// Provider of the matrix.
    pub provider: String,
    /// CSV cells written exactly (not neutralised).
    pub raw_csv: bool,
    /// Service models in scope.
    pub services: Vec<String>,
    /// Days after which evidence is stale.
    pub stale_days: i64,
    /// System in scope, when it came from the recorded scope.
    pub system: Option<String>,
    /// Report title.
    pub title: String,
    /// Written as one zip file.
    pub zip: bool,
}

/// The sources the package's content comes from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Sources {
    /// Every evidence import batch of the catalogue.
    pub evidence_batches: Vec<BatchSource>,
    /// Every framework loaded.
    pub frameworks: Vec<FrameworkSource>,
    /// The provider matrix of the scope.
    pub matrix: MatrixSource,
}

/// One evidence import batch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct BatchSource {
    /// Batch number.
    pub batch: i64,
    /// File name.
    pub file: String,
    /// When it was imported (UTC).
    pub imported_at: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// One framework.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct FrameworkSource {
    /// Catalogue ID.
    pub id: String,
    /// SHA-256 of the export it was loaded from.
    pub sha256: String,
    /// That export's file name.
    pub source: String,
    /// Version.
    pub version: String,
}

/// The provider matrix.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct MatrixSource {
    /// Provider ID.
    pub provider: String,
    /// SHA-256 of the matrix file.
    pub sha256: String,
    /// The page or file it was built from.
    pub source: String,
}

/// The head of one history chain.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ChainHead {
    /// The newest link.
    pub head: String,
    /// How many records the chain has.
    pub records: i64,
}

impl Manifest {
    /// The manifest as written to `manifest.json`: pretty JSON and a newline.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Failed(e.to_string()))?;
        Ok([json.as_slice(), b"\n"].concat())
    }
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

/// Parses a manifest, refusing one csfkit did not write.
pub fn read_manifest(bytes: &[u8], where_: &str) -> Result<Manifest> {
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

/// The workbook's name in a package.
pub const WORKBOOK: &str = "audit-workbook.xlsx";

/// The POA&M's name in a package (with the CSV files, since csfkit 0.2).
pub const POAM: &str = "poam.csv";

/// The files every package written with `formats` by csfkit `version` holds (packages of
/// csfkit 0.1 have no POA&M).
pub fn required_files(formats: &[&str], version: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for f in formats {
        match *f {
            "pdf" => out.push("report.pdf"),
            "csv" => {
                out.extend(["control-matrix.csv", "evidence-index.csv", "gaps.csv"]);
                if !version.starts_with("0.1.") {
                    out.push(POAM);
                }
            }
            "xlsx" => out.push(WORKBOOK),
            "oscal" => out.extend([
                "oscal/assessment-results.json",
                "oscal/catalog.json",
                "oscal/component-definition.json",
            ]),
            "oscal-export" => out.extend([
                "assessment-results.json",
                "catalog.json",
                "component-definition.json",
            ]),
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
        if let Some(c) = f.path.chars().find(|c| c.is_control()) {
            // An unzip tool cuts a name at a NUL (`report.pdf\0evil` is written over
            // `report.pdf`); other control characters rewrite the terminal that lists them.
            problems.push(format!(
                "`{MANIFEST}` lists a path with the control character U+{:04X} (`{}`); no csfkit package holds one, and tools that unpack it may write another file",
                c as u32,
                f.path.escape_debug()
            ));
            continue;
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
    let formats: Vec<&str> = m.parameters.formats.iter().map(String::as_str).collect();
    if formats.is_empty() {
        problems.push(format!("`{MANIFEST}` does not say which formats the package has"));
    }
    for f in &formats {
        if required_files(&[f], &m.csfkit_version).is_empty() {
            problems.push(format!(
                "`{MANIFEST}` names the format `{f}`, which csfkit does not write"
            ));
        }
    }
    for want in required_files(&formats, &m.csfkit_version) {
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

/// How much more `verify` may read: the manifest's total size and one byte a listed file. Each
/// file is read to at most one byte past the size the manifest gives it (enough to tell a
/// longer file); files the manifest does not list are never read (they are extra whatever
/// they hold). So a package built to make `verify` inflate more than it lists cannot stall it.
struct Budget(u64);

impl Budget {
    fn of(manifest: &Manifest) -> Budget {
        Budget(
            manifest
                .files
                .iter()
                .fold(0u64, |t, f| t.saturating_add(f.size).saturating_add(1)),
        )
    }

    /// SHA-256 and size of `src`, read to at most `size + 1` bytes and what is left.
    fn hash(&mut self, src: impl Read, size: u64) -> io::Result<(String, u64)> {
        let limit = size.saturating_add(1).min(self.0);
        let (sha, n) = crate::util::hash_reader(src.take(limit))?;
        self.0 -= n;
        Ok((sha, n))
    }
}

/// Every entry of a package folder: listed regular files are hashed (see [`Budget`]), unlisted
/// ones only noted, anything else is a problem and is never opened. `ignore` names files left
/// out (the marker of a staging folder).
fn walk(
    root: &Path,
    dir: &Path,
    sizes: &BTreeMap<String, u64>,
    ignore: &[&str],
    budget: &mut Budget,
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
        let rel = crate::export::package::relative(root, &p);
        if meta.is_dir() {
            walk(root, &p, sizes, ignore, budget, out, problems)?;
        } else if meta.is_file() {
            if ignore.contains(&rel.as_str()) || rel == MANIFEST {
                continue;
            }
            let h = match sizes.get(&rel) {
                Some(&size) => crate::util::fs::open_regular(&p, false)
                    .and_then(|f| budget.hash(f, size))
                    .map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?,
                None => (String::new(), meta.len()),
            };
            out.insert(rel, h);
        } else {
            problems.push(format!(
                "`{}` is {}; a package holds only regular files (it was not opened)",
                rel.escape_debug(),
                crate::util::fs::kind(&meta)
            ));
        }
    }
    Ok(())
}

/// Recomputes every hash of a package (folder or zip) against its manifest, and checks the
/// manifest itself (and its SHA-256 against `manifest_sha256`, when given).
pub fn verify(path: &Path, manifest_sha256: Option<&str>) -> Result<Verification> {
    verify_with(path, manifest_sha256, &[])
}

/// [`verify`], leaving the files named in `ignore` out of a folder (an export checks its
/// staging folder, marker file and all, before putting it in place).
pub fn verify_with(path: &Path, manifest_sha256: Option<&str>, ignore: &[&str]) -> Result<Verification> {
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
        let mut budget = Budget::of(&manifest);
        let mut actual = BTreeMap::new();
        walk(
            path,
            path,
            &sizes,
            ignore,
            &mut budget,
            &mut actual,
            &mut v.problems,
        )?;
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
        // A zip refused for its layout was not read: it has no manifest hash to compare.
        if !v.manifest_sha256.is_empty() && want != v.manifest_sha256 {
            v.problems.push(format!(
                "`{MANIFEST}` has SHA-256 {}, not the {want} given with --manifest-sha256: the manifest (and with it the package's as-of date, catalogue digest or history) is not the one that export wrote",
                v.manifest_sha256
            ));
        }
    }
    Ok(v)
}

fn le16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Where a zip of `len` bytes says its central directory is: (offset, size) as its end record
/// gives them (the zip64 end record's, when a locator points at one), and where that end record
/// starts. Fails when the file does not end with the end record (bytes follow it).
fn zip_end(f: &fs::File, len: u64) -> std::result::Result<(u64, u64, u64), String> {
    use std::os::unix::fs::FileExt;
    let tail_len = len.min(22 + 0xFFFF);
    let base = len - tail_len;
    let mut tail = vec![0u8; tail_len as usize];
    f.read_exact_at(&mut tail, base)
        .map_err(|e| format!("it cannot be read ({e})"))?;
    let after = "bytes follow the zip's end record (another zip or data after the package): readers that look for the end from the back and readers that stop at the record see different files";
    if tail.len() < 22 {
        return Err(after.into());
    }
    let Some(i) = (0..=tail.len() - 22)
        .rev()
        .find(|&i| tail[i..i + 4] == *b"PK\x05\x06" && i as u64 + 22 + le16(&tail, i + 20) == tail_len)
    else {
        return Err(after.into());
    };
    let eocd = base + i as u64;
    let (size32, offset32) = (le32(&tail, i + 12), le32(&tail, i + 16));
    if eocd >= 20 {
        let mut locator = [0u8; 20];
        f.read_exact_at(&mut locator, eocd - 20)
            .map_err(|e| format!("it cannot be read ({e})"))?;
        let at = le64(&locator, 8);
        let mut record = [0u8; 56];
        if locator[..4] == *b"PK\x06\x07"
            && at.checked_add(56).is_some_and(|end| end <= eocd - 20)
            && f.read_exact_at(&mut record, at).is_ok()
            && record[..4] == *b"PK\x06\x06"
        {
            if at.checked_add(12).and_then(|e| e.checked_add(le64(&record, 4))) != Some(eocd - 20) {
                return Err("bytes sit between the zip's zip64 end record and its locator".into());
            }
            return Ok((le64(&record, 48), le64(&record, 40), at));
        }
    }
    Ok((offset32, size32, eocd))
}

/// Why the zip read as `z` (a file of `len` bytes, also open as `f`) is not laid out as csfkit
/// writes one: its members one after the other from the first byte, each its own bytes, then
/// the central directory, then the end records. Bytes in front of the first member (another
/// zip: readers that read from the front see it), between members or after the end record,
/// and members sharing bytes (one compressed stream inflated once per member) are refused
/// before anything is inflated.
fn zip_layout_problems<R: Read + io::Seek>(
    z: &mut zip::ZipArchive<R>,
    f: &fs::File,
    len: u64,
) -> Vec<String> {
    use std::os::unix::fs::FileExt;
    let front = |n: u64| {
        format!(
            "{n} bytes sit in front of the zip's first member (another zip or other data before the package): readers that read from the front see them instead"
        )
    };
    let (cd_offset, cd_size, footer) = match zip_end(f, len) {
        Ok(end) => end,
        Err(why) => return vec![why],
    };
    let cd_end = cd_offset.saturating_add(cd_size);
    if cd_end < footer {
        return vec![front(footer - cd_end)];
    }
    if cd_end > footer || z.offset() != 0 || z.central_directory_start() != cd_offset {
        return vec![
            "the zip's end record does not match its central directory (a damaged or rebuilt zip)".into(),
        ];
    }
    // (start, end, name, uses a data descriptor, crc) of every member, in file order.
    let mut spans = Vec::with_capacity(z.len());
    for i in 0..z.len() {
        let e = match z.by_index_raw(i) {
            Ok(e) => e,
            Err(e) => return vec![format!("zip member {i} cannot be read: {e}")],
        };
        let name = String::from_utf8_lossy(e.name_raw()).escape_debug().to_string();
        let start = e.header_start();
        let end = e
            .data_start()
            .unwrap_or(start)
            .saturating_add(e.compressed_size());
        spans.push((start, end, name, e.flags().is_using_data_descriptor(), e.crc32()));
    }
    spans.sort_by_key(|s| (s.0, s.1));
    let mut problems = Vec::new();
    let mut at = 0u64;
    for (k, (start, end, name, descriptor, crc)) in spans.iter().enumerate() {
        if *start < at {
            let (_, _, other, ..) = &spans[k - 1];
            problems.push(format!(
                "the zip members `{other}` and `{name}` share bytes (overlapping members: one compressed stream read once per member); a zip csfkit writes gives every member its own bytes"
            ));
            break;
        }
        if *start > at {
            problems.push(if k == 0 {
                front(*start)
            } else {
                format!(
                    "{} bytes before the zip member `{name}` belong to no member (a hidden entry?)",
                    start - at
                )
            });
            break;
        }
        at = *end;
        if *descriptor {
            // A data descriptor after the member's data: an optional signature, the CRC and
            // the two sizes (32 or 64 bits each).
            let next = spans.get(k + 1).map_or(cd_offset, |s| s.0);
            let mut dd = [0u8; 24];
            let n = next.saturating_sub(at).min(24) as usize;
            if f.read_exact_at(&mut dd[..n], at).is_ok() {
                let sig = if n >= 4 && dd[..4] == *b"PK\x07\x08" { 4 } else { 0 };
                if (n == sig + 12 || n == sig + 20) && le32(&dd, sig) == u64::from(*crc) {
                    at += n as u64;
                }
            }
        }
    }
    if problems.is_empty() && at != cd_offset {
        problems.push(if at < cd_offset {
            format!(
                "{} bytes between the last zip member and the central directory belong to no member (a hidden entry?)",
                cd_offset - at
            )
        } else {
            "the zip's last member runs into its central directory (a damaged zip)".into()
        });
    }
    if problems.is_empty() && !z.has_duplicate_names() {
        if let Err(e) = z.validate_header_consistency() {
            problems.push(format!(
                "a zip member's local header does not match the central directory ({e}): readers that read from the front see other names or sizes"
            ));
        }
    }
    problems
}

fn verify_zip(path: &Path, where_: &str, v: &mut Verification) -> Result<()> {
    let f = crate::util::fs::open_regular(path, false).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let raw = f
        .try_clone()
        .map_err(|e| Error::io(format!("reading `{where_}`"), e))?;
    let len = raw
        .metadata()
        .map_err(|e| Error::io(format!("reading `{where_}`"), e))?
        .len();
    let mut z = zip::ZipArchive::new(io::BufReader::new(f))
        .map_err(|e| Error::Failed(format!("{where_}: not a package folder or zip: {e}")))?;
    if z.has_duplicate_names() {
        // Readers disagree on which of two same-named members they show (the zip crate keeps
        // one, unzip extracts both): whichever copy matches, the package cannot be trusted.
        v.problems.push(
            "the zip holds two or more members with the same name; a reader may show either copy".into(),
        );
    }
    let layout = zip_layout_problems(&mut z, &raw, len);
    if !layout.is_empty() {
        // Nothing is inflated from a zip laid out to show different readers different files
        // or to inflate one stream many times.
        v.problems.extend(layout);
        return Ok(());
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
    let mut budget = Budget::of(&manifest);
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
                "`{}` is in the zip twice; a reader may show either copy",
                name.escape_debug()
            ));
            continue;
        }
        if entry.is_dir() || name == MANIFEST {
            continue;
        }
        if entry.is_symlink()
            || entry
                .unix_mode()
                .is_some_and(|m| m & 0o170000 != 0o100000 && m & 0o170000 != 0)
        {
            v.problems.push(format!(
                "`{}` is not a regular file in the zip",
                name.escape_debug()
            ));
            continue;
        }
        let h = match sizes.get(&name) {
            Some(&size) => budget
                .hash(entry, size)
                .map_err(|e| Error::Failed(format!("{where_}: cannot read `{name}`: {e}")))?,
            None => (String::new(), entry.size()),
        };
        actual.insert(name, h);
    }
    compare(manifest, actual, v);
    Ok(())
}
