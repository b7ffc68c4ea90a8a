//! What a package pins of the history (`csfkit check --against PKG`): each chain's head and
//! length from its manifest, and each record's link from its history files
//! (`assessment-history.csv`, ... since csfkit 0.3). Read only from a package that passes
//! `verify`: a package whose files were changed pins nothing.

use std::io::Read;
use std::path::Path;

use crate::catalogue::chain::{Anchor, Log};
use crate::error::{Error, Result};
use crate::export::history::{CHAIN_COLUMN, LOG_FILES};
use crate::export::manifest::MANIFEST;

/// The history a package pins, and when it was made.
pub(crate) struct PackageHistory {
    /// When the package was generated (or its as-of date, for a package before csfkit 0.3).
    pub made: String,
    /// Per log the package records.
    pub anchors: Vec<Anchor>,
}

/// The most read of one file of the package (its size was checked by `verify`).
const MAX_FILE: u64 = 1 << 30;

/// Reads one file of a package folder or zip, if it is there.
fn read_member(path: &Path, name: &str) -> Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    if path.is_dir() {
        let p = path.join(name);
        if !p.exists() {
            return Ok(None);
        }
        crate::util::fs::open_regular(&p, false)
            .and_then(|f| f.take(MAX_FILE).read_to_end(&mut out))
            .map_err(|e| Error::io(format!("reading `{}`", p.display()), e))?;
        return Ok(Some(out));
    }
    let f = crate::util::fs::open_regular(path, false).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let mut z = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| Error::Failed(format!("{}: not a package folder or zip: {e}", path.display())))?;
    let Ok(entry) = z.by_name(name) else {
        return Ok(None);
    };
    entry
        .take(MAX_FILE)
        .read_to_end(&mut out)
        .map_err(|e| Error::Failed(format!("{}: cannot read `{name}`: {e}", path.display())))?;
    Ok(Some(out))
}

/// The (record, link) pairs of one history file: its first column and [`CHAIN_COLUMN`].
fn links(bytes: &[u8], file: &str) -> Result<Vec<(i64, String)>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::Reader::from_reader(bytes);
    let bad = |why: String| Error::Failed(format!("the package's `{file}` {why}"));
    let head = rdr
        .headers()
        .map_err(|e| bad(format!("does not read: {e}")))?
        .clone();
    let col = head
        .iter()
        .position(|h| h == CHAIN_COLUMN)
        .ok_or_else(|| bad(format!("has no `{CHAIN_COLUMN}` column")))?;
    let mut out = Vec::new();
    for (i, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| bad(format!("row {} does not read: {e}", i + 2)))?;
        let record = r
            .get(0)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| bad(format!("row {}: no record number", i + 2)))?;
        out.push((record, r.get(col).unwrap_or_default().to_string()));
    }
    Ok(out)
}

/// The history `path` (a package folder or zip that passed `verify`) pins.
pub(crate) fn read(path: &Path) -> Result<PackageHistory> {
    let bytes = read_member(path, MANIFEST)?
        .ok_or_else(|| Error::Failed(format!("{}: no `{MANIFEST}` in the package", path.display())))?;
    let m = crate::export::manifest::read_manifest(&bytes, &path.display().to_string())?;
    let mut anchors = Vec::new();
    for log in Log::ALL {
        let Some(head) = m.history.get(log.as_str()) else {
            continue;
        };
        let file = LOG_FILES.iter().find(|(_, l)| *l == log).map(|(f, _)| *f);
        let links = match file {
            Some(f) => match read_member(path, f)? {
                Some(b) => links(&b, f)?,
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        anchors.push(Anchor {
            log,
            records: head.records,
            head: head.head.clone(),
            links,
        });
    }
    Ok(PackageHistory {
        made: if m.generated_at.is_empty() {
            format!("as of {}", m.parameters.as_of)
        } else {
            m.generated_at.clone()
        },
        anchors,
    })
}
