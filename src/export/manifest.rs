//! The package manifest: every file with its size and SHA-256, how the package was made, the
//! sources and history heads it reflects. `verify` checks a package against it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The manifest's file name inside a package.
pub(crate) const MANIFEST: &str = "manifest.json";

/// `p` relative to `root`, `/`-separated (a path as a manifest lists it).
pub(crate) fn relative(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// One file of a package as listed in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct ManifestFile {
    /// Path inside the package, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// The manifest: what the package holds and how it was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// Always `csfkit-audit-package`.
    pub format: String,
    /// Manifest format version.
    pub format_version: u32,
    /// csfkit version that wrote it.
    pub csfkit_version: String,
    /// When the package was generated (RFC 3339, UTC; `SOURCE_DATE_EPOCH` when it was set),
    /// beside the as-of date it reflects. Empty in packages before csfkit 0.3.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub generated_at: String,
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
pub(crate) struct Parameters {
    /// The date freshness was judged at, `YYYY-MM-DD`.
    pub as_of: String,
    /// CSV files start with a BOM.
    pub bom: bool,
    /// Documents written: the names of `export::format::Format` (`pdf`, `csv`, `xlsx`, `oscal`
    /// in `oscal/`), or `oscal-export` (the OSCAL documents alone, at the top: `csfkit oscal
    /// export`).
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
pub(crate) struct Sources {
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
pub(crate) struct BatchSource {
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
pub(crate) struct FrameworkSource {
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
pub(crate) struct MatrixSource {
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
pub(crate) struct ChainHead {
    /// The newest link.
    pub head: String,
    /// How many records the chain has.
    pub records: i64,
}

impl Manifest {
    /// The manifest as written to `manifest.json`: pretty JSON and a newline.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Failed(e.to_string()))?;
        Ok([json.as_slice(), b"\n"].concat())
    }
}

/// Parses a manifest, refusing one csfkit did not write.
pub(crate) fn read_manifest(bytes: &[u8], where_: &str) -> Result<Manifest> {
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
