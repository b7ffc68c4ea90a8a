//! Answers per referenced control (SP 800-53 in a FedRAMP CRM, CCM IDs in a CCM workbook)
//! projected onto the CSF 2.0 subcategories whose informative references cite them.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::ownership::{Answer, Cell, CellSource, Ownership, Service, Tally};

/// One row of a source as read: where it is and what it says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SourceRow {
    /// Sheet name (empty for CSV).
    pub sheet: String,
    /// Row number as the spreadsheet shows it.
    pub row: usize,
    /// The control ID as written.
    pub written_id: String,
    /// The answer as written (empty when blank).
    pub written_answer: String,
    /// The responsibility text of the row (empty when the source has none).
    pub text: String,
}

/// The answers of one source, by control key, with the text that came with them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answers {
    /// Answered parts of each control key (blank answers are left out).
    pub parts: BTreeMap<String, Vec<Answer>>,
    /// Responsibility texts per control key, in file order.
    pub texts: BTreeMap<String, Vec<String>>,
    /// Every control key seen, answered or not.
    pub seen: BTreeSet<String>,
    /// The rows of each control key, in file order (answered or blank).
    pub rows: BTreeMap<String, Vec<SourceRow>>,
}

/// A projection onto CSF 2.0: one cell per subcategory, and the rows of the source behind
/// each cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Projection {
    /// The cells, in catalogue order.
    pub cells: Vec<Cell>,
    /// Per cell, each referenced control with its answer and the rows it came from.
    pub sources: Vec<CellSource>,
}

/// Projects answers onto subcategories. `refs` maps each CSF 2.0 subcategory (in catalogue
/// order) to the control keys it references. A subcategory is `inherited` if every answered
/// referenced control is Yes, `customer` if every one is No, `shared` otherwise, and
/// `undetermined` if none is answered ([`Tally::ownership`]). Each cell keeps its tally (its
/// distinct referenced controls by answer), and the rows behind it go to `sources`.
pub(crate) fn project(
    refs: &[(String, Vec<String>)],
    answers: &Answers,
    service: Service,
    source: &str,
) -> Projection {
    let mut out = Projection::default();
    for (control, all_keys) in refs {
        let mut keys: Vec<&String> = Vec::new();
        for k in all_keys {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let mut tally = Tally::default();
        let mut answered: Vec<(&str, Answer)> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        for k in &keys {
            let answer = answers.parts.get(*k).and_then(|p| Answer::combine(p));
            tally.add(answer);
            if let Some(a) = answer {
                answered.push((k.as_str(), a));
            }
            if let Some(t) = answers.texts.get(*k) {
                for x in t {
                    let line = format!("{k}: {x}");
                    if !texts.contains(&line) {
                        texts.push(line);
                    }
                }
            }
            let source_of = |r: Option<&SourceRow>| CellSource {
                control_id: control.clone(),
                service,
                reference: (*k).clone(),
                answer,
                sheet: r.map(|r| r.sheet.clone()).unwrap_or_default(),
                row: r.map(|r| r.row),
                written_id: r.map(|r| r.written_id.clone()).unwrap_or_default(),
                written_answer: r.map(|r| r.written_answer.clone()).unwrap_or_default(),
                text: r.map(|r| r.text.clone()).unwrap_or_default(),
            };
            match answers.rows.get(*k) {
                Some(rows) if !rows.is_empty() => {
                    out.sources.extend(rows.iter().map(|r| source_of(Some(r))));
                }
                _ => out.sources.push(source_of(None)),
            }
        }
        let ownership = tally.ownership();
        let trace = if answered.is_empty() {
            format!(
                "{source}: none of the {} referenced controls is answered ({})",
                keys.len(),
                keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            )
        } else {
            format!(
                "{source}: {}",
                answered
                    .iter()
                    .map(|(k, a)| format!("{k} {}", a.label()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let provider = match ownership {
            Ownership::Inherited => {
                "The provider implements every referenced control for the customer.".to_string()
            }
            Ownership::Customer => {
                "The provider offers no inheritance for the referenced controls.".to_string()
            }
            Ownership::Shared => {
                "The provider implements part of the referenced controls; see the citation.".to_string()
            }
            Ownership::Undetermined => "Not stated by the source.".to_string(),
        };
        out.cells.push(Cell {
            control_id: control.clone(),
            service,
            ownership,
            basis: "stated".into(),
            citation: trace,
            provider_responsibility: provider,
            customer_responsibility: texts.join(" | "),
            tally: Some(tally),
        });
    }
    out
}
