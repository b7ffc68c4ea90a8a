//! A framework catalogue as data: functions, categories and subcategories with their official
//! text, implementation examples, informative references and withdrawals, as parsed from a NIST
//! export and stored in the catalogue.

use std::collections::{BTreeMap, HashSet};

use crate::error::{Error, Location, Result};
use crate::ids::{self, Level};

/// The framework every command uses unless told otherwise.
pub(crate) const DEFAULT_FRAMEWORK: &str = "nist-csf-2.0";

/// One parsed framework, ready to be written to the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameworkData {
    /// Catalogue identifier, e.g. `nist-csf-2.0`.
    pub id: String,
    /// Human name, e.g. `NIST Cybersecurity Framework`.
    pub name: String,
    /// Version, e.g. `2.0`.
    pub version: String,
    /// File name the data came from.
    pub source_name: String,
    /// SHA-256 of that file, lower-case hex.
    pub source_sha256: String,
    /// Generation date stated inside the file, when there is one (ISO 8601).
    pub source_date: Option<String>,
    /// Active and withdrawn elements, in document order.
    pub elements: Vec<Element>,
}

/// A function, category or subcategory.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element {
    /// The ID as the framework writes it (`GV.OC-01`, `ID.AM-1`).
    pub id: String,
    /// Function, category or subcategory.
    pub level: Level,
    /// The enclosing element's ID (none for functions).
    pub parent: Option<String>,
    /// Name of a function or category (`GOVERN`, `Organizational Context`); empty for subcategories.
    pub title: String,
    /// The official text, exactly as in the source.
    pub text: String,
    /// Implementation examples as (label, text), e.g. (`Ex1`, `Share the ...`).
    pub examples: Vec<(String, String)>,
    /// Informative references as (source, reference), e.g. (`SP 800-53 Rev 5.2.0`, `AC-02`).
    pub references: Vec<(String, String)>,
    /// For a withdrawn element, the note (`Incorporated into GV.OC-01`) and its targets.
    pub withdrawn: Option<Withdrawal>,
}

/// Why and where to an element was withdrawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Withdrawal {
    /// The note as written, without brackets, e.g. `Incorporated into GV.OC-04, GV.OC-05`.
    pub note: String,
    /// `incorporated_into`, `moved_to` or `withdrawn`.
    pub relation: &'static str,
    /// The IDs it went to.
    pub targets: Vec<String>,
}

/// The reference source whose lines form the CSF 1.1 → 2.0 crosswalk.
pub(crate) const CSF11_REFERENCE_SOURCE: &str = "CSF v1.1";

impl FrameworkData {
    /// Active elements of one level.
    pub(crate) fn active(&self, level: Level) -> impl Iterator<Item = &Element> {
        self.elements
            .iter()
            .filter(move |e| e.level == level && e.withdrawn.is_none())
    }

    /// Checks structural sanity: unique IDs, parents present, at least one subcategory.
    pub(crate) fn validate(&self) -> Result<()> {
        let mut seen = HashSet::new();
        for e in &self.elements {
            if !seen.insert(e.id.as_str()) {
                return Err(Error::BadInput {
                    at: Location::in_file(self.source_name.as_str()),
                    message: format!("element `{}` appears twice", e.id),
                });
            }
        }
        for e in &self.elements {
            if let Some(p) = &e.parent {
                if !seen.contains(p.as_str()) {
                    return Err(Error::BadInput {
                        at: Location::in_file(self.source_name.as_str()),
                        message: format!("`{}` belongs to `{p}`, which is not in the file", e.id),
                    });
                }
            }
        }
        if self.active(Level::Subcategory).next().is_none() {
            return Err(Error::BadInput {
                at: Location::in_file(self.source_name.as_str()),
                message: "no subcategories found; expected a NIST CSF export".into(),
            });
        }
        Ok(())
    }
}

/// The CSF 1.1 → this framework crosswalk: (old 1.1 ID, new ID, relation), from the
/// `CSF v1.1:` reference lines and the withdrawn elements. Old IDs use the CSF 1.1 spelling
/// (`PR.AC-1`); withdrawn elements named in the 2.0 export's padded form are unpadded.
pub(crate) fn crosswalk(data: &FrameworkData) -> Vec<(String, String, &'static str)> {
    let mut out: BTreeMap<(String, String, &'static str), ()> = BTreeMap::new();
    for e in &data.elements {
        if e.withdrawn.is_none() {
            for (src, r) in &e.references {
                if src == CSF11_REFERENCE_SOURCE {
                    if let Ok(p) = ids::parse(r) {
                        out.insert((p.csf11(), e.id.clone(), "reference"), ());
                    }
                }
            }
        } else if let (Some(w), Ok(p)) = (&e.withdrawn, ids::parse(&e.id)) {
            for t in &w.targets {
                out.insert((p.csf11(), t.clone(), w.relation), ());
            }
        }
    }
    out.into_keys().collect()
}
