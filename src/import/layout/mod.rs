//! Column knowledge: which header names stand for which field in the files csfkit reads, and how
//! a tracker writes its values. Every header synonym lives here, and nowhere else.
//!
//! A header is compared with [`header_key`] (case, spaces and punctuation ignored), so the names
//! are written as people write them (`Date Collected`, `CSF 2.0 ID`).
//!
//! An evidence tracker layout is one file of this module: an [`EvidenceLayout`] naming the
//! header names of each evidence field ([`EvidenceHeaders`], every field required, so the
//! compiler names a forgotten one) and the tracker's value conventions. [`csfkit`] is csfkit's
//! own (its template, and the trackers people keep by hand); `evidence import --layout NAME`
//! picks another. Adding one is: `NAME.rs` with `pub const EVIDENCE: EvidenceLayout`, its
//! `mod NAME;` below and its line in [`EVIDENCE_LAYOUTS`]; `--layout` takes it, `--help` lists
//! its names, and the unit tests check it.
//!
//! The assessment and plan imports have one layout each, csfkit's, in [`csfkit`] too
//! ([`csfkit::ASSESSMENT`], [`csfkit::PLAN`], the plan's with FedRAMP POA&M names).

pub(crate) mod csfkit;
pub(crate) mod profile;

use crate::model::evidence::FIELDS;

/// A header compared ignoring case, spaces and punctuation.
pub(crate) fn header_key(s: &str) -> String {
    crate::util::loose_key(s)
}

/// Header names, as people write them.
pub(crate) type Names = &'static [&'static str];

/// One field of a table and the header names that stand for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// The field (`control_id`, `status`, ...).
    pub name: &'static str,
    /// The header names that stand for it.
    pub headers: Names,
}

impl Field {
    /// True when the header whose [`header_key`] is `key` stands for this field.
    pub(crate) fn is_named_by(&self, key: &str) -> bool {
        self.headers.iter().any(|h| header_key(h) == key)
    }
}

/// The header names of each evidence field (the fields of [`FIELDS`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EvidenceHeaders {
    /// The CSF 2.0 subcategory (or another framework's control) the evidence supports.
    pub control_id: Names,
    /// The evidence's title.
    pub title: Names,
    /// What it shows.
    pub description: Names,
    /// Policy, screenshot, log, ...
    pub evidence_type: Names,
    /// Who answers for it.
    pub owner: Names,
    /// When it was collected.
    pub collected_on: Names,
    /// Until when it holds.
    pub valid_until: Names,
    /// The evidence file's path or a URL.
    pub location: Names,
    /// The system it came from.
    pub source_system: Names,
}

impl EvidenceHeaders {
    /// Each field with its header names, in [`FIELDS`] order.
    pub(crate) fn fields(&self) -> [Field; 9] {
        let f = |name, headers| Field { name, headers };
        [
            f("control_id", self.control_id),
            f("title", self.title),
            f("description", self.description),
            f("evidence_type", self.evidence_type),
            f("owner", self.owner),
            f("collected_on", self.collected_on),
            f("valid_until", self.valid_until),
            f("location", self.location),
            f("source_system", self.source_system),
        ]
    }
}

/// An evidence tracker layout: the header names of each field, and how the tracker writes its
/// values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EvidenceLayout {
    /// The name `evidence import --layout` takes.
    pub name: &'static str,
    /// The trackers it fits, one line for `--help`.
    pub about: &'static str,
    /// The header names of each field.
    pub headers: EvidenceHeaders,
    /// The header names of the optional [`TARGETS`] column: the CSF 2.0 subcategories a row
    /// keyed by another framework's ID is offered for, among those NIST's references give.
    pub targets: Names,
    /// How the tracker writes dates as text (chrono syntax, e.g. `%m/%d/%Y`), when not as
    /// `YYYY-MM-DD`; `--date-format` overrides it.
    pub date_format: Option<&'static str>,
}

impl EvidenceLayout {
    /// The field (its index in [`FIELDS`]) a header stands for: a field's own name (`control_id`,
    /// `valid_until`) in every layout, else this layout's names in field order.
    pub(crate) fn field_for(&self, header: &str) -> Option<usize> {
        let k = header_key(header);
        if k.is_empty() {
            return None;
        }
        FIELDS
            .iter()
            .position(|f| header_key(f) == k)
            .or_else(|| self.headers.fields().iter().position(|f| f.is_named_by(&k)))
    }
}

/// The optional evidence column that narrows a mapped row's subcategories (`--map
/// "HEADER=targets"`); not one of the stored [`FIELDS`]: the row lands on the subcategories it
/// lists.
pub(crate) const TARGETS: &str = "targets";

impl EvidenceLayout {
    /// True when `header` names the [`TARGETS`] column: its own name, or this layout's names.
    pub(crate) fn is_targets(&self, header: &str) -> bool {
        let k = header_key(header);
        !k.is_empty() && (k == header_key(TARGETS) || self.targets.iter().any(|h| header_key(h) == k))
    }
}

/// Every evidence tracker layout, the default first.
pub(crate) const EVIDENCE_LAYOUTS: [&EvidenceLayout; 1] = [&csfkit::EVIDENCE];

/// The layout `evidence import` reads unless told otherwise.
pub(crate) const DEFAULT_EVIDENCE_LAYOUT: &EvidenceLayout = EVIDENCE_LAYOUTS[0];

/// The evidence tracker layout called `name`.
pub(crate) fn evidence_layout(name: &str) -> Option<&'static EvidenceLayout> {
    EVIDENCE_LAYOUTS.iter().copied().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn all_field_lists() -> Vec<(String, Vec<Field>)> {
        let mut lists: Vec<(String, Vec<Field>)> = EVIDENCE_LAYOUTS
            .iter()
            .map(|l| {
                let mut fields = l.headers.fields().to_vec();
                fields.push(Field {
                    name: TARGETS,
                    headers: l.targets,
                });
                (format!("evidence layout {}", l.name), fields)
            })
            .collect();
        lists.push(("assessment".into(), csfkit::ASSESSMENT.to_vec()));
        lists.push(("plan".into(), csfkit::PLAN.to_vec()));
        lists
    }

    #[test]
    fn evidence_headers_are_listed_in_the_order_of_the_fields() {
        let names: Vec<&str> = csfkit::EVIDENCE.headers.fields().iter().map(|f| f.name).collect();
        assert_eq!(names, FIELDS);
    }

    /// A header standing for two fields would go to whichever is listed first: every name of a
    /// layout stands for one field, and says something (no name made of punctuation alone).
    #[test]
    fn every_name_stands_for_one_field() {
        for (what, fields) in all_field_lists() {
            let mut seen: HashMap<String, &str> = HashMap::new();
            for f in &fields {
                for h in f.headers {
                    let k = header_key(h);
                    assert!(
                        !k.is_empty(),
                        "{what}: `{h}` of {} is empty once compared",
                        f.name
                    );
                    if let Some(other) = seen.insert(k, f.name) {
                        assert_eq!(other, f.name, "{what}: `{h}` stands for {other} and {}", f.name);
                    }
                }
            }
        }
    }

    #[test]
    fn layouts_are_found_by_their_unique_names() {
        for l in EVIDENCE_LAYOUTS {
            let named = EVIDENCE_LAYOUTS.iter().filter(|o| o.name == l.name).count();
            assert_eq!(named, 1, "two layouts are called {}", l.name);
            assert_eq!(evidence_layout(l.name).map(|f| f.name), Some(l.name));
            assert!(!l.about.is_empty() && l.name == l.name.to_ascii_lowercase());
        }
        assert_eq!(DEFAULT_EVIDENCE_LAYOUT.name, "csfkit");
        assert!(evidence_layout("nope").is_none());
    }

    #[test]
    fn headers_name_their_field_in_the_csfkit_layout() {
        let l = &csfkit::EVIDENCE;
        let field = |h: &str| l.field_for(h).map(|i| FIELDS[i]);
        assert_eq!(field("CSF 2.0 ID"), Some("control_id"));
        assert_eq!(field("control_id"), Some("control_id"));
        assert_eq!(field("  Evidence-Title "), Some("title"));
        assert_eq!(field("Next Review"), Some("valid_until"));
        assert_eq!(field("EVIDENCE_TYPE"), Some("evidence_type"));
        assert_eq!(field("Reviewer"), None);
        assert_eq!(field("--"), None);
        // The targets column is no stored field, and no field's name is one of its names.
        for h in ["CSF Subcategories", "Offered For", "targets"] {
            assert!(l.is_targets(h) && field(h).is_none(), "{h}");
        }
        assert!(!l.is_targets("CSF Subcategory") && !l.is_targets(""));
    }
}
