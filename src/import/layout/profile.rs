//! The header names of NIST's Organizational Profile template (`profile import`): the
//! template's own (`crate::model::profile::TEMPLATE`) and the shorter names people write.

use super::Field;

/// The Organizational Profile template's columns and their synonyms.
pub(crate) const ORGANIZATIONAL: &[Field] = &[
    Field {
        name: "outcome",
        headers: &[
            "CSF Outcome (Function, Category, or Subcategory)",
            "CSF Outcome",
            "Outcome",
            "CSF 2.0 ID",
            "CSF ID",
        ],
    },
    Field {
        name: "description",
        headers: &["CSF Outcome Description", "Outcome Description", "Description"],
    },
    Field {
        name: "included",
        headers: &["Included in Profile?", "Included in Profile", "Included"],
    },
    Field {
        name: "rationale",
        headers: &["Rationale"],
    },
    Field {
        name: "current_priority",
        headers: &["Current Priority"],
    },
    Field {
        name: "current_status",
        headers: &["Current Status"],
    },
    Field {
        name: "current_policies",
        headers: &["Current Policies, Processes, and Procedures", "Current Policies"],
    },
    Field {
        name: "current_practices",
        headers: &["Current Internal Practices", "Current Practices"],
    },
    Field {
        name: "current_roles",
        headers: &["Current Roles and Responsibilities", "Current Roles"],
    },
    Field {
        name: "current_references",
        headers: &[
            "Current Selected Informative References",
            "Current Informative References",
        ],
    },
    Field {
        name: "current_evidence",
        headers: &["Current Artifacts and Evidence", "Current Evidence"],
    },
    Field {
        name: "target_priority",
        headers: &["Target Priority", "Priority"],
    },
    Field {
        name: "target_tier",
        headers: &["Target CSF Tier", "Target Tier"],
    },
    Field {
        name: "target_policies",
        headers: &["Target Policies, Processes, and Procedures", "Target Policies"],
    },
    Field {
        name: "target_practices",
        headers: &["Target Internal Practices", "Target Practices"],
    },
    Field {
        name: "target_roles",
        headers: &["Target Roles and Responsibilities", "Target Roles"],
    },
    Field {
        name: "target_references",
        headers: &[
            "Target Selected Informative References",
            "Target Informative References",
        ],
    },
    Field {
        name: "notes",
        headers: &["Notes", "Note"],
    },
    Field {
        name: "considerations",
        headers: &["Considerations"],
    },
];

/// NIST's Community Profile template's columns and their synonyms (`profile adopt`).
pub(crate) const COMMUNITY: &[Field] = &[
    Field {
        name: "outcome",
        headers: &[
            "CSF 2.0 Core",
            "CSF Core",
            "CSF 2.0 ID",
            "CSF Outcome",
            "Outcome ID",
        ],
    },
    Field {
        name: "description",
        headers: &["CSF 2.0 Outcomes", "CSF Outcomes", "Outcome Description"],
    },
    Field {
        name: "priority",
        headers: &["Priority (recommended)", "Priority"],
    },
    Field {
        name: "rationale",
        headers: &["Rationale (recommended)", "Rationale"],
    },
    Field {
        name: "references",
        headers: &[
            "Informative References/Mappings (recommended)",
            "Informative References/Mappings",
            "Informative References",
            "Mappings",
        ],
    },
    Field {
        name: "considerations",
        headers: &[
            "Recommendations and Considerations (optional)",
            "Recommendations and Considerations",
            "Considerations",
        ],
    },
    Field {
        name: "examples",
        headers: &["Implementation Examples (optional)", "Implementation Examples"],
    },
    Field {
        name: "notes",
        headers: &["Notes (optional)", "Notes"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::layout::header_key;

    /// Every column of the template is read by its own header, as the export writes it.
    #[test]
    fn every_template_header_is_read() {
        for (key, header) in crate::model::profile::TEMPLATE {
            let f = ORGANIZATIONAL
                .iter()
                .find(|f| f.is_named_by(&header_key(header)))
                .unwrap_or_else(|| panic!("{header}"));
            assert_eq!(f.name, key);
        }
    }
}
