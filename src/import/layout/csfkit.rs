//! csfkit's own layout: the columns of `csfkit template evidence`, and the names trackers kept by
//! hand give them; the assessment and plan files' columns (the plan's with the names of a
//! FedRAMP POA&M, as csfkit's own `poam.csv` writes them). Dates are `YYYY-MM-DD` or date cells.

use super::{EvidenceHeaders, EvidenceLayout, Field};

/// Evidence trackers in csfkit's layout.
pub(crate) const EVIDENCE: EvidenceLayout = EvidenceLayout {
    name: "csfkit",
    about: "csfkit's evidence template and the trackers people keep by hand",
    headers: EvidenceHeaders {
        control_id: &[
            "Control ID",
            "Control",
            "CSF ID",
            "Subcategory",
            "Requirement",
            "CSF Control",
            "Subcategory ID",
            "Requirement ID",
            "CSF 2.0 ID",
            "CSF Subcategory",
        ],
        title: &[
            "Title",
            "Evidence",
            "Evidence Title",
            "Evidence Name",
            "Name",
            "Artifact",
            "Artifact Name",
            "Document",
        ],
        description: &[
            "Description",
            "Details",
            "Notes",
            "Note",
            "Comments",
            "Comment",
            "Evidence Description",
        ],
        evidence_type: &["Evidence Type", "Type", "Artifact Type", "Kind"],
        owner: &[
            "Owner",
            "Collected By",
            "Collector",
            "Evidence Owner",
            "Responsible",
        ],
        collected_on: &[
            "Collected On",
            "Date Collected",
            "Collection Date",
            "Collected",
            "Date",
            "Collected At",
            "Evidence Date",
        ],
        valid_until: &[
            "Valid Until",
            "Expires",
            "Expiry",
            "Expiry Date",
            "Expiration Date",
            "Expiration",
            "Review By",
            "Valid To",
            "Next Review",
        ],
        location: &[
            "Location",
            "Link",
            "URL",
            "Path",
            "File",
            "File Path",
            "Evidence Location",
            "Evidence Link",
        ],
        source_system: &["Source System", "Source", "System", "Tool"],
    },
    targets: &[
        "CSF Subcategories",
        "CSF 2.0 Subcategories",
        "Subcategories",
        "Offered For",
        "Target Subcategories",
        "Applies To Subcategories",
    ],
    date_format: None,
};

/// The columns of an assessment file (`assess import`).
pub(crate) const ASSESSMENT: &[Field] = &[
    Field {
        name: "control_id",
        headers: &[
            "Control ID",
            "Control",
            "CSF ID",
            "Subcategory",
            "Requirement",
            "ID",
        ],
    },
    Field {
        name: "status",
        headers: &["Status", "Implementation Status", "Implementation"],
    },
    Field {
        name: "note",
        headers: &["Note", "Notes", "Justification", "Comment", "Comments"],
    },
    Field {
        name: "by",
        headers: &["By", "Assessed By", "Assessor", "Owner"],
    },
    Field {
        name: "service",
        headers: &["Service", "Service Model"],
    },
];

/// The columns of a plan file (`plan import`): csfkit's names and a FedRAMP POA&M's (Controls,
/// Point of Contact, Overall Remediation Plan, Scheduled Completion Date, Planned Milestones,
/// Comments).
pub(crate) const PLAN: &[Field] = &[
    Field {
        name: "control_id",
        headers: &[
            "Control ID",
            "Control",
            "Controls",
            "CSF ID",
            "Subcategory",
            "Requirement",
        ],
    },
    Field {
        name: "due",
        headers: &[
            "Due",
            "Due Date",
            "Scheduled Completion Date",
            "Scheduled Completion",
            "Target Date",
        ],
    },
    Field {
        name: "owner",
        headers: &["Owner", "Point of Contact", "POC", "Responsible", "Assignee"],
    },
    Field {
        name: "action",
        headers: &[
            "Action",
            "Remediation Plan",
            "Overall Remediation Plan",
            "Remediation",
            "Plan",
        ],
    },
    Field {
        name: "milestones",
        headers: &["Milestones", "Milestone", "Planned Milestones"],
    },
    Field {
        name: "status",
        headers: &["Status", "Plan Status"],
    },
    Field {
        name: "note",
        headers: &["Note", "Notes", "Comment", "Comments", "Justification"],
    },
    Field {
        name: "by",
        headers: &["By", "Recorded By"],
    },
    Field {
        name: "original_risk",
        headers: &["Original Risk Rating"],
    },
    Field {
        name: "risk",
        headers: &["Adjusted Risk Rating", "Risk", "Risk Rating"],
    },
    // The FedRAMP POA&M columns csfkit keeps as written (`view::poam::FEDRAMP_KEPT`): each
    // field is named by its column.
    Field {
        name: "Weakness Detector Source",
        headers: &["Weakness Detector Source"],
    },
    Field {
        name: "Weakness Source Identifier",
        headers: &["Weakness Source Identifier"],
    },
    Field {
        name: "Asset Identifier",
        headers: &["Asset Identifier"],
    },
    Field {
        name: "Resources Required",
        headers: &["Resources Required"],
    },
    Field {
        name: "Milestone Changes",
        headers: &["Milestone Changes"],
    },
    Field {
        name: "Vendor Dependency",
        headers: &["Vendor Dependency"],
    },
    Field {
        name: "Last Vendor Check-in Date",
        headers: &["Last Vendor Check-in Date"],
    },
    Field {
        name: "Vendor Dependent Product Name",
        headers: &["Vendor Dependent Product Name"],
    },
    Field {
        name: "Risk Adjustment",
        headers: &["Risk Adjustment"],
    },
    Field {
        name: "False Positive",
        headers: &["False Positive"],
    },
    Field {
        name: "Operational Requirement",
        headers: &["Operational Requirement"],
    },
    Field {
        name: "Deviation Rationale",
        headers: &["Deviation Rationale"],
    },
    Field {
        name: "Supporting Documents",
        headers: &["Supporting Documents"],
    },
    Field {
        name: "Auto-Approve",
        headers: &["Auto-Approve"],
    },
];

/// The columns of the Test results sheet of a package's workbook, as `review import` reads
/// them back (the sheet, or a CSV of it): csfkit's headers and the names assessors give them.
pub(crate) const REVIEW: &[Field] = &[
    Field {
        name: "control_id",
        headers: &["Control ID", "Control", "CSF ID", "Subcategory", "Requirement"],
    },
    Field {
        name: "method",
        headers: &["Method", "Assessment Method", "Test Method"],
    },
    Field {
        name: "sample",
        headers: &["Sample", "Sample Size", "Sampled", "Population Sampled"],
    },
    Field {
        name: "result",
        headers: &["Result", "Outcome", "Assessment Result", "Test Result"],
    },
    Field {
        name: "finding",
        headers: &["Finding", "Findings", "Observation", "Observations"],
    },
    Field {
        name: "risk",
        headers: &["Risk", "Risk Rating", "Risk Level"],
    },
    Field {
        name: "assessor",
        headers: &["Assessor", "Assessed By", "Reviewer", "Tester"],
    },
    Field {
        name: "date",
        headers: &[
            "Date",
            "Assessed On",
            "Assessment Date",
            "Date Assessed",
            "Tested On",
        ],
    },
];
