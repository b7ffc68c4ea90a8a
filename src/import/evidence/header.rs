//! The header row of an evidence tracker: found by the names of its columns, each column mapped
//! to a field by the tracker's layout ([`crate::import::layout`]) or by `--map HEADER=field`;
//! the other columns are kept as extra attributes.

use crate::error::ValueError;
use crate::import::layout::{EvidenceLayout, TARGETS, header_key};
use crate::import::reader::{Cell, column_letters};
use crate::model::evidence::FIELDS;

/// Field indexes (in [`FIELDS`] order).
pub(super) const CONTROL: usize = 0;
pub(super) const TITLE: usize = 1;
pub(super) const COLLECTED: usize = 5;
pub(super) const VALID: usize = 6;
pub(super) const LOCATION: usize = 7;

/// The column `--errors-out` adds; ignored when the file is imported again.
pub(crate) const ERRORS_COLUMN: &str = "csfkit_errors";

/// How the columns of the header row map to fields.
#[derive(Debug, Clone)]
pub(crate) struct HeaderMap {
    /// The header row's number as the user sees it.
    pub row: usize,
    /// Header text per column.
    pub headers: Vec<String>,
    /// Column of each field.
    pub columns: [Option<usize>; 9],
    /// The column listing the subcategories a mapped row is offered for ([`TARGETS`]), if any.
    pub targets: Option<usize>,
    /// Columns kept as extra attributes: (column, name).
    pub extras: Vec<(usize, String)>,
}

impl HeaderMap {
    /// Builds the map for a header row, applying `--map HEADER=field` overrides, then `layout`'s
    /// names. Errors name what is missing.
    pub(crate) fn build(
        row: usize,
        cells: &[Cell],
        overrides: &[(String, String)],
        layout: &EvidenceLayout,
    ) -> Result<HeaderMap, ValueError> {
        let headers: Vec<String> = cells.iter().map(|c| c.text().trim().to_string()).collect();
        let mut columns = [None; 9];
        let mut targets = None;
        let mut taken = vec![false; headers.len()];
        for (header, field) in overrides {
            let f = FIELDS.iter().position(|x| x == field);
            if f.is_none() && field != TARGETS {
                return Err(ValueError::new(
                    format!("{header}={field}"),
                    format!(
                        "--map {header}={field}: `{field}` is not a field; expected one of {}, {TARGETS}",
                        FIELDS.join(", ")
                    ),
                ));
            }
            let c = headers
                .iter()
                .position(|h| h == header)
                .or_else(|| headers.iter().position(|h| header_key(h) == header_key(header)))
                .ok_or_else(|| {
                    ValueError::new(
                        format!("{header}={field}"),
                        format!(
                            "--map {header}={field}: no column `{header}` in the header row (row {row}); the columns are: {}",
                            headers.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
            match f {
                Some(f) => columns[f] = Some(c),
                None => targets = Some(c),
            }
            taken[c] = true;
        }
        for (c, h) in headers.iter().enumerate() {
            if taken[c] {
                continue;
            }
            if let Some(f) = layout.field_for(h) {
                if columns[f].is_none() {
                    columns[f] = Some(c);
                    taken[c] = true;
                }
            } else if targets.is_none() && layout.is_targets(h) {
                targets = Some(c);
                taken[c] = true;
            }
        }
        let mut extras = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            if !taken[c] && !h.is_empty() && h != ERRORS_COLUMN {
                extras.push((c, h.clone()));
            }
        }
        let missing: Vec<&str> = [CONTROL, TITLE]
            .iter()
            .filter(|f| columns[**f].is_none())
            .map(|f| FIELDS[*f])
            .collect();
        if !missing.is_empty() {
            return Err(ValueError::new(
                headers.join(" | "),
                format!(
                    "row {row}: no column for {} (headers found: {}); name the column (Control ID, Evidence Title, ...) or map it with --map \"HEADER=field\"",
                    missing.join(" and "),
                    headers
                        .iter()
                        .filter(|h| !h.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(HeaderMap {
            row,
            headers,
            columns,
            targets,
            extras,
        })
    }

    /// Whether `cells` name a control and a title in `layout`: the header row.
    pub(crate) fn is_header(cells: &[Cell], layout: &EvidenceLayout) -> bool {
        let fields: Vec<usize> = cells.iter().filter_map(|c| layout.field_for(&c.text())).collect();
        fields.contains(&CONTROL) && fields.contains(&TITLE)
    }

    /// Lines describing the mapping, for the import report.
    pub(crate) fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (f, c) in self.columns.iter().enumerate() {
            if let Some(c) = c {
                out.push(format!(
                    "column {} `{}` -> {}",
                    column_letters(*c),
                    self.headers[*c],
                    FIELDS[f]
                ));
            }
        }
        if let Some(c) = self.targets {
            out.push(format!(
                "column {} `{}` -> {TARGETS} (the CSF 2.0 subcategories a mapped row is offered for)",
                column_letters(c),
                self.headers[c]
            ));
        }
        for (c, h) in &self.extras {
            out.push(format!(
                "column {} `{h}` -> kept as an extra attribute",
                column_letters(*c)
            ));
        }
        out
    }

    /// The header of a field's column, when the field has one.
    pub(super) fn header_of(&self, field: usize) -> Option<String> {
        self.columns[field].map(|c| self.headers[c].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::layout::DEFAULT_EVIDENCE_LAYOUT;

    #[test]
    fn headers_map_by_synonym_and_override() {
        let cells: Vec<Cell> = ["CSF ID", "Artifact", "Expiration Date", "Link", "Reviewer", ""]
            .iter()
            .map(|s| Cell::Text(s.to_string()))
            .collect();
        let l = DEFAULT_EVIDENCE_LAYOUT;
        let h = HeaderMap::build(3, &cells, &[], l).unwrap();
        assert_eq!(h.columns[CONTROL], Some(0));
        assert_eq!(h.columns[TITLE], Some(1));
        assert_eq!(h.columns[VALID], Some(2));
        assert_eq!(h.columns[LOCATION], Some(3));
        assert_eq!(h.extras, vec![(4, "Reviewer".to_string())]);
        let h = HeaderMap::build(3, &cells, &[("Reviewer".into(), "owner".into())], l).unwrap();
        assert_eq!(h.columns[4], Some(4));
        assert!(
            HeaderMap::build(3, &cells[1..], &[], l)
                .unwrap_err()
                .message
                .contains("control_id")
        );
        assert!(HeaderMap::build(3, &cells, &[("Nope".into(), "owner".into())], l).is_err());
        assert!(HeaderMap::is_header(&cells, l) && !HeaderMap::is_header(&cells[1..], l));
    }
}
