//! Assessment vocabulary: implementation status of a control, in the words of FedRAMP and
//! OSCAL, and how it reads on input.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::ValueError;

/// Implementation status of a control for the system in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Status {
    /// Implemented.
    Implemented,
    /// Partially implemented.
    Partial,
    /// Planned.
    Planned,
    /// Alternative implementation.
    Alternative,
    /// Not applicable (needs a justification: a Statement of Applicability entry).
    NotApplicable,
}

impl Status {
    /// The identifier used in files and on the command line.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Partial => "partial",
            Status::Planned => "planned",
            Status::Alternative => "alternative",
            Status::NotApplicable => "not-applicable",
        }
    }

    /// True when the control's outcome is achieved (implemented, alternative, or not applicable).
    pub(crate) fn is_done(self) -> bool {
        matches!(
            self,
            Status::Implemented | Status::Alternative | Status::NotApplicable
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = ValueError;
    /// Reads csfkit's words and the FedRAMP spellings (`Partially Implemented`, `N/A`, ...).
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let k = crate::util::loose_key(s);
        Ok(match k.as_str() {
            "implemented" => Status::Implemented,
            "partial" | "partiallyimplemented" => Status::Partial,
            "planned" => Status::Planned,
            "alternative" | "alternativeimplementation" => Status::Alternative,
            "notapplicable" | "na" => Status::NotApplicable,
            _ => {
                return Err(ValueError::new(
                    s.trim(),
                    format!(
                        "`{}` is not an implementation status; expected implemented, partial, planned, alternative or not-applicable (FedRAMP: Implemented, Partially Implemented, Planned, Alternative Implementation, N/A)",
                        s.trim()
                    ),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fedramp_spellings() {
        assert_eq!("Partially Implemented".parse(), Ok(Status::Partial));
        assert_eq!("N/A".parse(), Ok(Status::NotApplicable));
        assert_eq!("Alternative Implementation".parse(), Ok(Status::Alternative));
        assert_eq!("not-applicable".parse(), Ok(Status::NotApplicable));
        assert!("done".parse::<Status>().is_err());
    }
}
