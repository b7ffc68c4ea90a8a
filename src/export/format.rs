//! The documents an export can write, as one enum: its name on the command line (`--formats`)
//! and in `manifest.json`, and the files every package with it holds (what `verify` requires).
//! Which writer makes each is `export::start` (an exhaustive match); each writer is one file
//! under `export/`. Adding a format is one line in [`formats!`] below and one writer file: the
//! compiler then names the matches that must know it ([`Format::files`] and `export::start`).

/// `report.pdf`.
pub(crate) const REPORT: &str = "report.pdf";
/// `control-matrix.csv`.
pub(crate) const MATRIX_CSV: &str = "control-matrix.csv";
/// `evidence-index.csv`.
pub(crate) const EVIDENCE_CSV: &str = "evidence-index.csv";
/// `gaps.csv`.
pub(crate) const GAPS_CSV: &str = "gaps.csv";
/// The POA&M (with the CSV files since csfkit 0.2).
pub(crate) const POAM_CSV: &str = "poam.csv";
/// The provider attestations of the scope (with the CSV files since csfkit 0.3).
pub(crate) const ATTESTATIONS_CSV: &str = "attestations.csv";
/// The inherited controls without a provider attestation in force (with the CSV files since
/// csfkit 0.3).
pub(crate) const INHERITANCE_GAPS_CSV: &str = "inheritance-gaps.csv";
/// The folder of the attestations' files in a package.
pub(crate) const ATTESTATIONS_DIR: &str = "attestations/";
/// The package's front door (with `--formats html`, since csfkit 0.3).
pub(crate) const INDEX_HTML: &str = "index.html";
/// The assessor workbook.
pub(crate) const WORKBOOK: &str = "audit-workbook.xlsx";
/// The folder of the OSCAL documents in a package.
pub(crate) const OSCAL_DIR: &str = "oscal/";
/// The OSCAL catalog.
pub(crate) const OSCAL_CATALOG: &str = "catalog.json";
/// The OSCAL component definition.
pub(crate) const OSCAL_COMPONENT_DEFINITION: &str = "component-definition.json";
/// The OSCAL assessment results.
pub(crate) const OSCAL_ASSESSMENT_RESULTS: &str = "assessment-results.json";
/// The OSCAL profile: the CSF 2.0 selection of the catalog (csfkit 0.3).
pub(crate) const OSCAL_PROFILE: &str = "profile.json";
/// The OSCAL system security plan (csfkit 0.3).
pub(crate) const OSCAL_SSP: &str = "system-security-plan.json";
/// The OSCAL assessment plan the assessment results import (csfkit 0.3).
pub(crate) const OSCAL_ASSESSMENT_PLAN: &str = "assessment-plan.json";
/// The OSCAL plan of action and milestones (csfkit 0.3).
pub(crate) const OSCAL_POAM: &str = "plan-of-action-and-milestones.json";

/// The manifest's name for the folder `csfkit oscal export` writes: the three OSCAL documents
/// at the top, no `--formats` of its own.
pub(crate) const OSCAL_EXPORT: &str = "oscal-export";

/// Declares [`Format`] and [`Format::ALL`] from one list, so the list cannot miss a variant.
macro_rules! formats {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)+) => {
        /// A document an export writes (`--formats`), in the order the manifest lists them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum Format {
            $($(#[doc = $doc])* $variant,)+
        }

        impl Format {
            /// Every format, in declaration order (the order of `--formats` in the manifest).
            pub(crate) const ALL: &[Format] = &[$(Format::$variant,)+];

            /// Its name on the command line and in the manifest.
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Format::$variant => $name,)+
                }
            }
        }
    };
}

formats! {
    /// `report.pdf`: the audit report.
    Pdf = "pdf",
    /// `control-matrix.csv`, `evidence-index.csv`, `gaps.csv`, `poam.csv`, `attestations.csv`,
    /// `inheritance-gaps.csv`.
    Csv = "csv",
    /// `audit-workbook.xlsx`: the assessor workbook.
    Xlsx = "xlsx",
    /// The three OSCAL 1.2.1 documents under `oscal/`.
    Oscal = "oscal",
    /// `index.html`: the controls, their dossiers and the package's files, in a browser. Last:
    /// it lists the files of every other format.
    Html = "html",
}

#[cfg(test)]
/// The formats `csfkit export` writes when `--formats` is not given.
pub(crate) const DEFAULT: &[Format] = &[Format::Pdf, Format::Csv, Format::Xlsx, Format::Html];

impl Format {
    /// The format named `s` (any case, surrounding spaces ignored), or None.
    pub(crate) fn from_name(s: &str) -> Option<Format> {
        let s = s.trim();
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(s))
    }

    /// The files every package with this format holds, as the manifest lists them; `version`
    /// is the csfkit that wrote the package (packages of csfkit 0.1 have no POA&M, those of
    /// csfkit 0.1 and 0.2 no attestations or inheritance gaps).
    pub(crate) fn files(self, version: &str) -> Vec<String> {
        match self {
            Format::Pdf => vec![REPORT.into()],
            Format::Csv => {
                let mut files = vec![MATRIX_CSV, EVIDENCE_CSV, GAPS_CSV];
                if !version.starts_with("0.1.") {
                    files.push(POAM_CSV);
                }
                if since_0_3(version) {
                    files.extend(crate::export::history::FILES.iter().map(|(f, _)| *f));
                    files.extend([ATTESTATIONS_CSV, INHERITANCE_GAPS_CSV]);
                }
                files.into_iter().map(String::from).collect()
            }
            Format::Xlsx => vec![WORKBOOK.into()],
            Format::Oscal => oscal_files(OSCAL_DIR, version),
            Format::Html => vec![INDEX_HTML.into()],
        }
    }

    /// The names of every format, for messages: `pdf, csv, xlsx, oscal`.
    pub(crate) fn names() -> String {
        Format::ALL
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether a package of csfkit `version` is of 0.3 or later: it holds the history files, a
/// `SHA256SUMS` and its manifest says when it was generated.
pub(crate) fn since_0_3(version: &str) -> bool {
    !version.starts_with("0.1.") && !version.starts_with("0.2.")
}

/// The OSCAL documents under `prefix` (`oscal/` in a package, nothing in the folder of
/// `csfkit oscal export`), sorted as a manifest lists them: the six of the chain (profile,
/// system security plan, assessment plan, POA&M beside the catalog, component definition and
/// assessment results) since csfkit 0.3, the three before.
pub(crate) fn oscal_files(prefix: &str, version: &str) -> Vec<String> {
    let mut files = vec![
        OSCAL_ASSESSMENT_RESULTS,
        OSCAL_CATALOG,
        OSCAL_COMPONENT_DEFINITION,
    ];
    if since_0_3(version) {
        files.extend([OSCAL_ASSESSMENT_PLAN, OSCAL_POAM, OSCAL_PROFILE, OSCAL_SSP]);
        files.sort_unstable();
    }
    files.iter().map(|f| format!("{prefix}{f}")).collect()
}

/// What a manifest's `formats` say every file of the package must be: the files they require
/// (every format this csfkit knows, and `oscal-export`), and the names this csfkit does not
/// know (a package of a later csfkit: its files are checked against the manifest's own list).
pub(crate) fn required_files(formats: &[String], version: &str) -> (Vec<String>, Vec<String>) {
    let (mut files, mut unknown) = (Vec::new(), Vec::new());
    for f in formats {
        if f == OSCAL_EXPORT {
            files.extend(oscal_files("", version));
        } else if let Some(known) = Format::from_name(f).filter(|k| k.name() == f) {
            files.extend(known.files(version));
        } else {
            unknown.push(f.clone());
        }
    }
    (files, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_its_name_and_files() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(*f));
            assert_eq!(Format::from_name(&f.name().to_uppercase()), Some(*f));
            assert!(!f.files(env!("CARGO_PKG_VERSION")).is_empty(), "{f:?}");
        }
        assert_eq!(Format::names(), "pdf, csv, xlsx, oscal, html");
        assert_eq!(Format::from_name("docx"), None);
    }

    #[test]
    fn manifests_name_their_formats_exactly_and_unknown_ones_are_set_apart() {
        let (files, unknown) = required_files(&["csv".into(), "docx".into()], "0.1.0");
        assert_eq!(files, [MATRIX_CSV, EVIDENCE_CSV, GAPS_CSV]);
        // Packages of csfkit 0.2 have the POA&M, not the attestations and inheritance gaps.
        let (files, _) = required_files(&["csv".into()], "0.2.0");
        assert_eq!(files, [MATRIX_CSV, EVIDENCE_CSV, GAPS_CSV, POAM_CSV]);
        let (files, _) = required_files(&["csv".into()], "0.3.0");
        assert!(files.contains(&ATTESTATIONS_CSV.to_string()));
        assert!(files.contains(&INHERITANCE_GAPS_CSV.to_string()));
        assert_eq!(unknown, ["docx"]);
        // A manifest spells its formats as csfkit writes them.
        let (files, unknown) = required_files(&["PDF".into(), OSCAL_EXPORT.into()], "0.2.0");
        assert_eq!(files, oscal_files("", "0.2.0"));
        assert_eq!(files.len(), 3);
        assert_eq!(unknown, ["PDF"]);
        // Since 0.3 the whole chain: profile, SSP, assessment plan and POA&M too.
        let (files, _) = required_files(&[OSCAL_EXPORT.into()], "0.3.0");
        assert_eq!(
            files,
            [
                OSCAL_ASSESSMENT_PLAN,
                OSCAL_ASSESSMENT_RESULTS,
                OSCAL_CATALOG,
                OSCAL_COMPONENT_DEFINITION,
                OSCAL_POAM,
                OSCAL_PROFILE,
                OSCAL_SSP
            ]
        );
    }
}
