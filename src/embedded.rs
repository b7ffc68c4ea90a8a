//! The data shipped inside the binary: the files of `frameworks/` and the provider matrices of
//! `mappings/` (every provider `mappings/providers.csv` lists), embedded with `include_bytes!` so
//! a user who installed only the binary has them.
//!
//! They are parsed by the same importers a user runs (`framework::parse`), so the shipped
//! catalogue and `csfkit framework import` are one code path.

use sha2::{Digest, Sha256};

use crate::catalogue::{DefaultData, Defaults, ProviderMeta};
use crate::error::{Error, Result};
use crate::import::framework::ParseOptions;
use crate::util::hex;

/// A framework file shipped in `frameworks/`.
pub(crate) struct EmbeddedFramework {
    /// File name, as recorded in the catalogue's provenance.
    pub file: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
    /// What the file itself does not say.
    pub version: Option<&'static str>,
}

impl EmbeddedFramework {
    /// Parse options for this file.
    pub(crate) fn options(&self) -> ParseOptions {
        ParseOptions {
            id: None,
            version: self.version.map(str::to_string),
        }
    }
}

/// The shipped frameworks, CSF 2.0 first.
pub(crate) const FRAMEWORKS: &[EmbeddedFramework] = &[
    EmbeddedFramework {
        file: "csf2.xlsx",
        bytes: include_bytes!("../frameworks/csf2.xlsx"),
        version: None,
    },
    EmbeddedFramework {
        // A flat reformat of the CSF 1.1 core; it does not name its version.
        file: "NIST-CSF-1.1-core.xlsx",
        bytes: include_bytes!("../frameworks/NIST-CSF-1.1-core.xlsx"),
        version: Some("1.1"),
    },
];

/// A provider responsibility matrix shipped in `mappings/` (csfkit layout).
pub(crate) struct EmbeddedMatrix {
    /// Provider identifier.
    pub provider: &'static str,
    /// File name.
    pub file: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
}

/// `mappings/providers.csv`: provider, name, services, source, source_title.
pub(crate) const PROVIDERS_CSV: &[u8] = include_bytes!("../mappings/providers.csv");

// `MATRICES`: one entry per row of `mappings/providers.csv` (build.rs writes it), so shipping a
// provider is `mappings/NAME.csv` and its line in providers.csv.
include!(concat!(env!("OUT_DIR"), "/matrices.rs"));

pub(crate) use crate::model::framework::DEFAULT_FRAMEWORK;

/// A digest over everything embedded, stored in the catalogue so that a newer binary with
/// newer shipped data refreshes what it loaded itself (never what the user imported).
pub(crate) fn digest() -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for f in FRAMEWORKS {
        h.update(f.file.as_bytes());
        h.update((f.bytes.len() as u64).to_le_bytes());
        h.update(f.bytes);
    }
    h.update(PROVIDERS_CSV);
    for m in MATRICES {
        h.update(m.file.as_bytes());
        h.update((m.bytes.len() as u64).to_le_bytes());
        h.update(m.bytes);
    }
    hex(&h.finalize())
}

/// What the catalogue is filled with on first use: the shipped frameworks and matrices.
pub(crate) fn defaults() -> Defaults {
    Defaults {
        digest: digest(),
        load,
    }
}

/// Parses the shipped frameworks and matrices with the same importers as `framework import`
/// and `mapping import`.
fn load() -> Result<DefaultData> {
    let mut frameworks = Vec::new();
    for f in FRAMEWORKS {
        frameworks.push(crate::import::framework::parse(f.file, f.bytes, &f.options())?);
    }
    let matrices = matrices(&frameworks)?;
    Ok(DefaultData { frameworks, matrices })
}

/// Parses the shipped matrices; their control IDs must be exact CSF 2.0 subcategories.
fn matrices(
    frameworks: &[crate::import::framework::FrameworkData],
) -> Result<Vec<(ProviderMeta, Vec<crate::model::ownership::Cell>)>> {
    use crate::import::matrix::parse_csfkit;
    use crate::model::ownership::{Service, parse_services};
    let broken = |m: String| {
        Error::Failed(format!(
            "the embedded provider data is broken (a csfkit bug): {m}"
        ))
    };
    let csf2: std::collections::HashSet<&str> = frameworks
        .iter()
        .find(|f| f.id == DEFAULT_FRAMEWORK)
        .map(|f| {
            f.active(crate::ids::Level::Subcategory)
                .map(|e| e.id.as_str())
                .collect()
        })
        .unwrap_or_default();
    let resolve = |s: &str| {
        if csf2.contains(s) {
            Ok(s.to_string())
        } else {
            Err(crate::error::ValueError::new(
                s,
                format!("`{s}` is not a CSF 2.0 subcategory"),
            ))
        }
    };
    let providers = crate::import::reader::csv_table("providers.csv", PROVIDERS_CSV.to_vec())?;
    let mut out = Vec::new();
    for m in MATRICES {
        let row = providers
            .rows
            .iter()
            .find(|(_, r)| r.first().map(String::as_str) == Some(m.provider))
            .ok_or_else(|| broken(format!("{} is not in providers.csv", m.provider)))?;
        let field = |i: usize| row.1.get(i).cloned().unwrap_or_default();
        let table = crate::import::reader::csv_table(m.file, m.bytes.to_vec())?;
        let cells = parse_csfkit(&table, &resolve)
            .map_err(|p| broken(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
        let services: Vec<Service> = parse_services(&field(2)).map_err(|e| broken(e.message))?;
        out.push((
            ProviderMeta {
                id: m.provider.to_string(),
                name: field(1),
                services,
                source: field(3),
                source_sha256: crate::util::sha256_hex(m.bytes),
                layout: "csfkit".into(),
            },
            cells,
        ));
    }
    Ok(out)
}
