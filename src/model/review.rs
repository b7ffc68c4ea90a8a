//! An assessor's results: what an independent assessor recorded for a control in the Test
//! results sheet of a package's workbook (`csfkit review import`), kept apart from the
//! organisation's own statuses. The vocabulary follows NIST SP 800-53A (methods) and the
//! FedRAMP/OSCAL assessment results (satisfied, other than satisfied; low, moderate, high risk).

use chrono::NaiveDate;
use serde::Serialize;

/// How the assessor assessed the control (SP 800-53A's assessment methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Method {
    /// Reviewing documents, records, configurations.
    Examine,
    /// Talking to the people responsible.
    Interview,
    /// Exercising the control.
    Test,
}

impl Method {
    /// Every method, in the order of the sheet's validation list.
    pub(crate) const ALL: [Method; 3] = [Method::Examine, Method::Interview, Method::Test];

    /// Lower-case name, as the sheet's validation list and OSCAL spell it (upper-cased there).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Examine => "examine",
            Method::Interview => "interview",
            Method::Test => "test",
        }
    }

    /// The method named `s` (any case, surrounding spaces ignored), or None.
    pub(crate) fn parse(s: &str) -> Option<Method> {
        let s = s.trim();
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
    }
}

/// What the assessor concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Outcome {
    /// The control meets its requirement.
    Satisfied,
    /// It does not (a finding).
    OtherThanSatisfied,
    /// It does not apply to the system.
    NotApplicable,
}

impl Outcome {
    /// Every outcome, in the order of the sheet's validation list.
    pub(crate) const ALL: [Outcome; 3] = [
        Outcome::Satisfied,
        Outcome::OtherThanSatisfied,
        Outcome::NotApplicable,
    ];

    /// Lower-case words, as the sheet's validation list spells them.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Satisfied => "satisfied",
            Outcome::OtherThanSatisfied => "other than satisfied",
            Outcome::NotApplicable => "not applicable",
        }
    }

    /// The outcome named `s` (any case; `-` and `_` read as spaces), or None.
    pub(crate) fn parse(s: &str) -> Option<Outcome> {
        let s = s.trim().replace(['-', '_'], " ");
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(&s))
    }
}

/// A risk rating (FedRAMP POA&M, OSCAL risks): the assessor's, or a plan's (`plan --risk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Risk {
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
}

impl Risk {
    /// Every rating, lowest first.
    pub(crate) const ALL: [Risk; 3] = [Risk::Low, Risk::Moderate, Risk::High];

    /// Lower-case name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Moderate => "moderate",
            Risk::High => "high",
        }
    }

    /// The rating named `s` (any case, surrounding spaces ignored), or None.
    pub(crate) fn parse(s: &str) -> Option<Risk> {
        let s = s.trim();
        Risk::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(s))
    }
}

/// One assessor result for one control, as recorded by `csfkit review import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Review {
    /// Its number in the review log.
    pub seq: i64,
    /// The CSF 2.0 subcategory it is about.
    pub control_id: String,
    /// How it was assessed.
    pub method: Method,
    /// What was sampled (free text: "3 of 40 change tickets").
    pub sample: String,
    /// The conclusion.
    pub outcome: Outcome,
    /// The finding, in the assessor's words (empty when satisfied).
    pub finding: String,
    /// The risk the assessor rated, when other than satisfied.
    pub risk: Option<Risk>,
    /// Who assessed (the assessor's name as the sheet gives it).
    pub assessor: String,
    /// When they assessed it (the sheet's date).
    pub assessed_on: NaiveDate,
    /// The file the results were read from, as given.
    pub source_file: String,
    /// Its SHA-256.
    pub source_sha256: String,
    /// The sheet and row they came from (`Test results` row 12).
    pub source_place: String,
    /// Who ran the import.
    pub recorded_by: String,
    /// When it was recorded (UTC, RFC 3339).
    pub recorded_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for m in Method::ALL {
            assert_eq!(Method::parse(&m.as_str().to_uppercase()), Some(m));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(
            Outcome::parse("Other-Than-Satisfied"),
            Some(Outcome::OtherThanSatisfied)
        );
        assert_eq!(Risk::parse(" High "), Some(Risk::High));
        assert_eq!(Risk::parse("critical"), None);
    }
}
