//! `verify`: every file of a package (folder or zip) against its manifest, and the manifest
//! itself: no files, a path listed twice, leaving the package or holding a control character,
//! a file its formats require left out. Reads are bounded by the sizes the manifest gives, so a
//! package built to stall it cannot.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::export::format::required_files;
use crate::export::manifest::{MANIFEST, Manifest, read_manifest, relative};
use crate::util::hex;

/// What `verify` found.
#[derive(Debug, Default)]
pub(crate) struct Verification {
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
    /// What the user should know that is no failure: formats the manifest names that this
    /// csfkit does not know, whose files were checked against the manifest's list only.
    pub notes: Vec<String>,
    /// The signature `manifest.json.sig`, when the package has one: who signed, what is wrong.
    pub signature: Option<crate::export::sign::SignatureCheck>,
    /// Whether the package has a `SHA256SUMS` (checked line by line).
    pub sums: bool,
}

/// The files of a package beside the manifest that it cannot list (`SHA256SUMS` holds the
/// manifest's hash, the signature is made over it), with the most `verify` reads of each.
const BESIDE_MANIFEST: [(&str, u64); 2] = [
    (crate::export::sums::SUMS, 64 << 20),
    (crate::export::sign::SIGNATURE, 64 << 10),
];

/// The bytes of the files beside the manifest, as found.
type Beside = BTreeMap<String, Vec<u8>>;

/// Checks `SHA256SUMS` against every file of the package (the manifest and the signature
/// included) and the signature against the manifest (and `allowed`, when given).
fn check_beside(
    v: &mut Verification,
    beside: &Beside,
    manifest_bytes: &[u8],
    actual: &BTreeMap<String, (String, u64)>,
    allowed: Option<&crate::export::sign::AllowedSigners>,
) {
    use crate::export::{sign, sums};
    let version = v
        .manifest
        .as_ref()
        .map(|m| m.csfkit_version.clone())
        .unwrap_or_default();
    match beside.get(sums::SUMS) {
        Some(bytes) => {
            v.sums = true;
            let mut files: BTreeMap<String, String> = actual
                .iter()
                .map(|(p, (sha, _))| (p.clone(), sha.clone()))
                .collect();
            files.insert(MANIFEST.to_string(), v.manifest_sha256.clone());
            if let Some(sig) = beside.get(sign::SIGNATURE) {
                files.insert(sign::SIGNATURE.to_string(), hex(&Sha256::digest(sig)));
            }
            // A file that is not listed was never read (it is extra whatever it holds).
            files.retain(|p, sha| !sha.is_empty() || p == MANIFEST);
            v.problems.extend(sums::problems(bytes, &files));
        }
        None if crate::export::format::since_0_3(&version) && v.manifest.is_some() => {
            v.problems.push(format!(
                "`{}` is missing; every package of csfkit 0.3 or later has one (csfkit {} wrote this manifest)",
                sums::SUMS,
                version.escape_debug()
            ));
        }
        None => {}
    }
    match beside.get(sign::SIGNATURE) {
        Some(sig) => {
            let check = sign::check(sig, manifest_bytes, allowed);
            v.problems.extend(check.problems.iter().cloned());
            v.signature = Some(check);
        }
        None if allowed.is_some() => v.problems.push(format!(
            "the package is not signed (no `{}`), and --allowed-signers asks for a signature",
            sign::SIGNATURE
        )),
        None => {}
    }
}

impl Verification {
    /// True when every file matches and nothing is missing, extra or otherwise wrong.
    pub(crate) fn passed(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.altered.is_empty()
            && self.problems.is_empty()
    }
}

/// What is wrong with a manifest itself: no files, a path listed twice or leaving the package,
/// a file its formats require left out. A format this csfkit does not know (a later csfkit's)
/// is no problem: its files are checked against the manifest's own list ([`unknown_formats`]).
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
    if m.parameters.formats.is_empty() {
        problems.push(format!("`{MANIFEST}` does not say which formats the package has"));
    }
    let (required, _) = required_files(&m.parameters.formats, &m.csfkit_version);
    for want in required {
        if !seen.contains(want.as_str()) {
            problems.push(format!(
                "`{MANIFEST}` does not list `{want}`, which every package with its formats holds"
            ));
        }
    }
    problems
}

/// A note for each format the manifest names that this csfkit does not know: a package written
/// by a later csfkit passes on its file list (every listed file present with its bytes, nothing
/// else), without the check of the files that format requires. The manifest itself is only as
/// good as `--manifest-sha256` proves it.
fn unknown_formats(m: &Manifest) -> Vec<String> {
    let (_, unknown) = required_files(&m.parameters.formats, &m.csfkit_version);
    unknown
        .iter()
        .map(|f| {
            format!(
                "`{MANIFEST}` names the format `{}` (csfkit {}), which this csfkit ({}) does not know: its files were checked against the manifest's list only",
                f.escape_debug(),
                m.csfkit_version.escape_debug(),
                env!("CARGO_PKG_VERSION")
            )
        })
        .collect()
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
    v.notes.extend(unknown_formats(&manifest));
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
    (out, beside): (&mut BTreeMap<String, (String, u64)>, &mut Beside),
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
            walk(
                root,
                &p,
                sizes,
                ignore,
                budget,
                (&mut *out, &mut *beside),
                problems,
            )?;
        } else if meta.is_file() {
            if ignore.contains(&rel.as_str()) || rel == MANIFEST {
                continue;
            }
            if let Some((_, limit)) = BESIDE_MANIFEST.iter().find(|(n, _)| *n == rel) {
                let mut b = Vec::new();
                crate::util::fs::open_regular(&p, false)
                    .and_then(|f| f.take(*limit).read_to_end(&mut b))
                    .map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
                beside.insert(rel, b);
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
pub(crate) fn verify(path: &Path, manifest_sha256: Option<&str>) -> Result<Verification> {
    verify_signed(path, manifest_sha256, &[], None)
}

/// [`verify`], and the signature checked against an allowed-signers file.
pub(crate) fn verify_against(
    path: &Path,
    manifest_sha256: Option<&str>,
    allowed: Option<&crate::export::sign::AllowedSigners>,
) -> Result<Verification> {
    verify_signed(path, manifest_sha256, &[], allowed)
}

/// [`verify`], leaving the files named in `ignore` out of a folder (an export checks its
/// staging folder, marker file and all, before putting it in place).
pub(crate) fn verify_with(
    path: &Path,
    manifest_sha256: Option<&str>,
    ignore: &[&str],
) -> Result<Verification> {
    verify_signed(path, manifest_sha256, ignore, None)
}

fn verify_signed(
    path: &Path,
    manifest_sha256: Option<&str>,
    ignore: &[&str],
    allowed: Option<&crate::export::sign::AllowedSigners>,
) -> Result<Verification> {
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
        let mut beside = Beside::new();
        walk(
            path,
            path,
            &sizes,
            ignore,
            &mut budget,
            (&mut actual, &mut beside),
            &mut v.problems,
        )?;
        compare(manifest, actual.clone(), &mut v);
        check_beside(&mut v, &beside, &bytes, &actual, allowed);
    } else if meta.is_file() {
        verify_zip(path, &where_, &mut v, allowed)?;
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

fn verify_zip(
    path: &Path,
    where_: &str,
    v: &mut Verification,
    allowed: Option<&crate::export::sign::AllowedSigners>,
) -> Result<()> {
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
    let layout = crate::export::ziplayout::problems(&mut z, &raw, len);
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
    let mut beside = Beside::new();
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
        if let Some((_, limit)) = BESIDE_MANIFEST.iter().find(|(n, _)| *n == name) {
            let mut b = Vec::new();
            entry
                .take(*limit)
                .read_to_end(&mut b)
                .map_err(|e| Error::Failed(format!("{where_}: cannot read `{name}`: {e}")))?;
            beside.insert(name, b);
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
    compare(manifest, actual.clone(), v);
    check_beside(v, &beside, &manifest_bytes, &actual, allowed);
    Ok(())
}
