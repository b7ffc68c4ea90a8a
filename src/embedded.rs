//! The data shipped inside the binary: the files of `frameworks/` (and later `mappings/`),
//! embedded with `include_bytes!` so a user who installed only the binary has them.
//!
//! They are parsed by the same importers a user runs (`framework::parse`), so the shipped
//! catalogue and `csfkit framework import` are one code path.

use sha2::{Digest, Sha256};

use crate::import::framework::ParseOptions;
use crate::util::hex;

/// A framework file shipped in `frameworks/`.
pub struct EmbeddedFramework {
    /// File name, as recorded in the catalogue's provenance.
    pub file: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
    /// What the file itself does not say.
    pub version: Option<&'static str>,
}

impl EmbeddedFramework {
    /// Parse options for this file.
    pub fn options(&self) -> ParseOptions {
        ParseOptions {
            id: None,
            version: self.version.map(str::to_string),
        }
    }
}

/// The shipped frameworks, CSF 2.0 first.
pub const FRAMEWORKS: &[EmbeddedFramework] = &[
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
pub struct EmbeddedMatrix {
    /// Provider identifier.
    pub provider: &'static str,
    /// File name.
    pub file: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
}

/// `mappings/providers.csv`: provider, name, services, source, source_title.
pub const PROVIDERS_CSV: &[u8] = include_bytes!("../mappings/providers.csv");

/// The shipped matrices.
pub const MATRICES: &[EmbeddedMatrix] = &[
    EmbeddedMatrix {
        provider: "datacrunch",
        file: "datacrunch.csv",
        bytes: include_bytes!("../mappings/datacrunch.csv"),
    },
    EmbeddedMatrix {
        provider: "digitalocean",
        file: "digitalocean.csv",
        bytes: include_bytes!("../mappings/digitalocean.csv"),
    },
];

/// The framework every command uses unless told otherwise.
pub const DEFAULT_FRAMEWORK: &str = "nist-csf-2.0";

/// A digest over everything embedded, stored in the catalogue so that a newer binary with
/// newer shipped data refreshes what it loaded itself (never what the user imported).
pub fn digest() -> String {
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
