//! NIST's Organizational Profile template (CSF 2.0, SP 1301) as a file layout both `profile
//! import` reads and `profile export` writes: the sheet and its columns, in the template's order,
//! each with the key csfkit stores it under.

/// The template's sheet.
pub(crate) const SHEET: &str = "Current and Target Profile";

/// The template's columns in order: (key, header as NIST writes it).
pub(crate) const TEMPLATE: [(&str, &str); 19] = [
    ("outcome", "CSF Outcome (Function, Category, or Subcategory)"),
    ("description", "CSF Outcome Description"),
    ("included", "Included in Profile?"),
    ("rationale", "Rationale"),
    ("current_priority", "Current Priority"),
    ("current_status", "Current Status"),
    ("current_policies", "Current Policies, Processes, and Procedures"),
    ("current_practices", "Current Internal Practices"),
    ("current_roles", "Current Roles and Responsibilities"),
    ("current_references", "Current Selected Informative References"),
    ("current_evidence", "Current Artifacts and Evidence"),
    ("target_priority", "Target Priority"),
    ("target_tier", "Target CSF Tier"),
    ("target_policies", "Target Policies, Processes, and Procedures"),
    ("target_practices", "Target Internal Practices"),
    ("target_roles", "Target Roles and Responsibilities"),
    ("target_references", "Target Selected Informative References"),
    ("notes", "Notes"),
    ("considerations", "Considerations"),
];

/// The keys of the template's columns an outcome record keeps in its `fields` (the others have
/// columns of their own, or, like the description, come from the framework).
pub(crate) const EXTRA_FIELDS: [&str; 11] = [
    "current_priority",
    "current_status",
    "current_policies",
    "current_practices",
    "current_roles",
    "current_references",
    "current_evidence",
    "target_policies",
    "target_roles",
    "target_references",
    "considerations",
];

/// An `Included in Profile?` cell: yes/no in the usual spellings; empty is None; anything else
/// is an error message.
pub(crate) fn parse_included(s: &str) -> Result<Option<bool>, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "x" | "included" | "1" => Ok(Some(true)),
        "no" | "n" | "false" | "excluded" | "not included" | "0" => Ok(Some(false)),
        _ => Err(format!(
            "`{}` is not yes or no; write Yes, No, or leave it empty",
            s.trim()
        )),
    }
}

/// How an export writes `included`.
pub(crate) fn included_text(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "",
    }
}

/// The candidates for a CSF ID in an outcome cell, most specific first: the cell itself, an ID in
/// parentheses (`GOVERN (GV)`, `Organizational Context (GV.OC)`), the first word before a colon
/// or space (`GV.OC-01: The organizational mission ...`).
pub(crate) fn id_candidates(cell: &str) -> Vec<String> {
    let cell = cell.trim();
    let mut out = vec![cell.to_string()];
    if let (Some(a), Some(b)) = (cell.rfind('('), cell.rfind(')')) {
        if a < b {
            out.push(cell[a + 1..b].trim().to_string());
        }
    }
    if let Some(first) = cell.split([':', ' ', '\u{a0}']).next() {
        out.push(first.trim().to_string());
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_in_the_template_spellings() {
        assert_eq!(id_candidates("GOVERN (GV)")[1], "GV");
        assert_eq!(id_candidates("GV.OC-01: The mission")[1], "GV.OC-01");
        assert_eq!(id_candidates("PR.AA-01"), ["PR.AA-01"]);
    }

    #[test]
    fn included_reads_yes_and_no() {
        assert_eq!(parse_included("Yes"), Ok(Some(true)));
        assert_eq!(parse_included(" no "), Ok(Some(false)));
        assert_eq!(parse_included(""), Ok(None));
        assert!(parse_included("maybe").unwrap_err().contains("`maybe`"));
    }
}
