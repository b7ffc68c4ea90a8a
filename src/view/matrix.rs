//! The control matrix of a scope: every CSF 2.0 subcategory with its ownership per service
//! model (overrides applied), the effective ownership, and the responsibility texts.
//!
//! Built from catalogue queries, independent of any output format; `csfkit matrix` prints it
//! and the export renders it.

use std::collections::HashMap;

use serde::Serialize;

use crate::catalogue::{AssessmentRow, Catalogue, ControlFilter, OverrideRow, ProviderRow};
use crate::error::{Error, Result};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::{Ownership, Service, Tally};

/// One service model's cell in a matrix row.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ServiceCell {
    /// Service model.
    pub service: Service,
    /// Ownership in force (override applied).
    pub ownership: Ownership,
    /// The matrix value before any override.
    pub matrix: Ownership,
    /// `stated` or `derived` (for the matrix value).
    pub basis: String,
    /// Provider's words or source trace.
    pub citation: String,
    /// What the provider does.
    pub provider_responsibility: String,
    /// What the customer does.
    pub customer_responsibility: String,
    /// The override in force, if any.
    pub r#override: Option<OverrideRow>,
    /// The tally of the matrix cell when it was projected from a FedRAMP CRM or a CCM
    /// workbook (an override changes the ownership, not how the referenced controls were
    /// answered). Left out of the serialised cell when None, so a matrix without tallies
    /// serialises (and digests) as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tally: Option<Tally>,
    /// The provider attestation in force behind an inherited or shared cell at the as-of date
    /// (set by [`crate::view::claims::Claims::attach`]); not part of the serialised cell (the
    /// digest covers the attestation records themselves).
    #[serde(skip)]
    pub attestation: Option<crate::view::claims::AttestationRef>,
}

impl ServiceCell {
    /// The cell as tables show it: the ownership in force (`*` after it when overridden and
    /// `star`), then the tally in parentheses when there is one: `shared (customer-led,
    /// 0/3/5)`, `shared (balanced, 1/2/1, 2 unanswered)`, `undetermined (4 unanswered)`.
    pub(crate) fn shown(&self, star: bool) -> String {
        let mark = if star && self.r#override.is_some() {
            "*"
        } else {
            ""
        };
        match &self.tally {
            Some(t) => format!("{}{mark} ({})", self.ownership, t.describe()),
            None => format!("{}{mark}", self.ownership),
        }
    }
}

/// One control of the matrix.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MatrixRow {
    /// CSF 2.0 subcategory ID.
    pub control_id: String,
    /// Its official text.
    pub title: String,
    /// Function code.
    pub function: String,
    /// Category ID.
    pub category: String,
    /// One cell per service model in scope, in canonical order.
    pub cells: Vec<ServiceCell>,
    /// Common value if all service models agree, else shared.
    pub effective: Ownership,
    /// Implementation status records in force (whole control first, then per service model).
    pub assessments: Vec<AssessmentRow>,
}

impl MatrixRow {
    /// The implementation status as shown: the records in force; for an inherited control
    /// nobody assessed, `provider-attested` when an attestation is in force for every service
    /// model in scope ([`MatrixRow::attested`]), else `inherited, no attestation`; else empty.
    pub(crate) fn status(&self) -> String {
        if self.assessments.is_empty() {
            if self.effective == Ownership::Inherited {
                return if self.attested() {
                    "provider-attested".into()
                } else {
                    "inherited, no attestation".into()
                };
            }
            return String::new();
        }
        crate::catalogue::assessment_summary(&self.assessments)
    }

    /// True when every cell has a provider attestation in force (see
    /// [`crate::view::claims::Claims::attach`]).
    pub(crate) fn attested(&self) -> bool {
        !self.cells.is_empty() && self.cells.iter().all(|c| c.attestation.is_some())
    }

    /// The attestation in force behind each inherited and shared cell, in words: one text when
    /// the cells agree, else `[iaas] ... | [model] ...`; `none in force` for such a cell without
    /// one; empty when no cell is inherited or shared.
    pub(crate) fn attestation_text(&self) -> String {
        let texts: Vec<(Service, String)> = self
            .cells
            .iter()
            .filter(|c| matches!(c.ownership, Ownership::Inherited | Ownership::Shared))
            .map(|c| {
                (
                    c.service,
                    c.attestation
                        .as_ref()
                        .map_or_else(|| "none in force".to_string(), |a| a.label.clone()),
                )
            })
            .collect();
        if texts.is_empty() {
            return String::new();
        }
        if texts.len() == self.cells.len() && texts.windows(2).all(|w| w[0].1 == w[1].1) {
            return texts[0].1.clone();
        }
        texts
            .iter()
            .map(|(s, t)| format!("[{s}] {t}"))
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// The notes of the records in force (N/A justifications among them).
    pub(crate) fn status_note(&self) -> String {
        self.assessments
            .iter()
            .filter(|a| !a.note.is_empty())
            .map(|a| match &a.service {
                Some(s) => format!("[{s}] {}", a.note),
                None => a.note.clone(),
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// A per-cell text as one sentence for a reader (the PDF, `index.html`): see
    /// [`merge_texts`]. The CSV files keep [`MatrixRow::joined`], one whole text per model.
    pub(crate) fn merged(&self, f: impl Fn(&ServiceCell) -> &str) -> String {
        let texts: Vec<(String, &str)> = self.cells.iter().map(|c| (c.service.to_string(), f(c))).collect();
        merge_texts(&texts)
    }

    /// Joins a per-cell text: one text when all cells agree, else `[iaas] ... | [model] ...`.
    pub(crate) fn joined(&self, f: impl Fn(&ServiceCell) -> &str) -> String {
        let texts: Vec<&str> = self.cells.iter().map(&f).collect();
        if texts.windows(2).all(|w| w[0] == w[1]) {
            return texts.first().copied().unwrap_or("").to_string();
        }
        self.cells
            .iter()
            .map(|c| format!("[{}] {}", c.service, f(c)))
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// A matrix for one provider and a set of service models.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Matrix {
    /// The provider.
    pub provider: ProviderRow,
    /// Service models in scope.
    pub services: Vec<Service>,
    /// One row per active CSF 2.0 subcategory, in catalogue order.
    pub rows: Vec<MatrixRow>,
}

/// Builds the matrix for `provider` and `services` (which must be offered by the provider).
pub(crate) fn build(cat: &Catalogue, provider: &ProviderRow, services: &[Service]) -> Result<Matrix> {
    for s in services {
        if !provider.services.contains(s) {
            return Err(Error::NoServiceMatrix {
                provider: provider.id.clone(),
                service: s.to_string(),
                covers: crate::model::ownership::join_services(&provider.services),
            });
        }
    }
    let controls = cat.controls(&ControlFilter {
        framework: DEFAULT_FRAMEWORK.to_string(),
        ..ControlFilter::default()
    })?;
    let mut by_cell: HashMap<(String, Service), crate::model::ownership::Cell> = cat
        .cells(&provider.id, services)?
        .into_iter()
        .map(|c| ((c.control_id.clone(), c.service), c))
        .collect();
    let mut overrides = cat.current_overrides(&provider.id)?;
    let mut assessments = cat.current_assessments()?;
    let mut rows = Vec::with_capacity(controls.len());
    for c in controls {
        let mut cells = Vec::with_capacity(services.len());
        for s in services {
            let key = (c.id.clone(), *s);
            let base = by_cell.remove(&key);
            let ov = overrides.remove(&key);
            let matrix = base.as_ref().map_or(Ownership::Undetermined, |b| b.ownership);
            let ownership = ov
                .as_ref()
                .and_then(|o| o.owner.as_deref())
                .and_then(|o| o.parse().ok())
                .unwrap_or(matrix);
            let text = |f: fn(&crate::model::ownership::Cell) -> &String| {
                base.as_ref().map(f).cloned().unwrap_or_default()
            };
            cells.push(ServiceCell {
                service: *s,
                ownership,
                matrix,
                basis: text(|b| &b.basis),
                citation: text(|b| &b.citation),
                provider_responsibility: text(|b| &b.provider_responsibility),
                customer_responsibility: text(|b| &b.customer_responsibility),
                tally: base.as_ref().and_then(|b| b.tally),
                r#override: ov,
                attestation: None,
            });
        }
        let values: Vec<Ownership> = cells.iter().map(|c| c.ownership).collect();
        let assessed = assessments.remove(&c.id).unwrap_or_default();
        rows.push(MatrixRow {
            control_id: c.id,
            title: c.text,
            function: c.function,
            category: c.category,
            effective: Ownership::effective(&values),
            assessments: assessed,
            cells,
        });
    }
    Ok(Matrix {
        provider: provider.clone(),
        services: services.to_vec(),
        rows,
    })
}

/// One sentence from the texts of several service models (label, text), for a reader:
/// - all the same: the text;
/// - sharing their first and last words: those words once, and between them, in brackets, what
///   each model's text says there, models with the same words together:
///   `Define what risk the [iaas: virtual machines | paas, model: endpoints] may carry`;
/// - else each distinct text once, after the models that have it:
///   `[iaas, paas] Harden the OS | [model] Rotate the keys`.
///
/// The shared words must be at least half of the shortest text, so a sentence never reads as
/// a riddle; an empty text is listed as `(none)`.
pub(crate) fn merge_texts(texts: &[(String, &str)]) -> String {
    // The distinct texts, in order of first appearance, with the models that have them.
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for (label, text) in texts {
        match groups.iter_mut().find(|g| g.1 == *text) {
            Some(g) => g.0.push(label),
            None => groups.push((vec![label], text)),
        }
    }
    match groups.as_slice() {
        [] => return String::new(),
        [(_, only)] => return (*only).to_string(),
        _ => {}
    }
    let words: Vec<Vec<&str>> = groups.iter().map(|g| g.1.split(' ').collect()).collect();
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let prefix = (0..shortest)
        .take_while(|&i| words.iter().all(|w| w[i] == words[0][i]))
        .count();
    let suffix = (0..shortest - prefix)
        .take_while(|&i| {
            let at = words[0].len() - 1 - i;
            words.iter().all(|w| w[w.len() - 1 - i] == words[0][at])
        })
        .count();
    let middles: Vec<String> = words
        .iter()
        .map(|w| w[prefix..w.len() - suffix].join(" "))
        .collect();
    let shared = prefix + suffix;
    if shared == 0 || shared * 2 < shortest || middles.iter().any(String::is_empty) {
        return groups
            .iter()
            .map(|(labels, text)| {
                let text = if text.is_empty() { "(none)" } else { text };
                format!("[{}] {text}", labels.join(", "))
            })
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let alternatives = groups
        .iter()
        .zip(&middles)
        .map(|((labels, _), middle)| format!("{}: {middle}", labels.join(", ")))
        .collect::<Vec<_>>()
        .join(" | ");
    let first = &words[0];
    let mut out = first[..prefix].join(" ");
    if !out.is_empty() {
        out.push(' ');
    }
    out.push('[');
    out.push_str(&alternatives);
    out.push(']');
    if suffix > 0 {
        let tail = first[first.len() - suffix..].join(" ");
        // Punctuation right after the brackets keeps to them.
        if !tail.starts_with([',', '.', ';', ':']) {
            out.push(' ');
        }
        out.push_str(&tail);
    }
    out
}

#[cfg(test)]
mod merge_tests {
    use super::merge_texts;

    fn t(pairs: &[(&str, &str)]) -> String {
        let texts: Vec<(String, &str)> = pairs.iter().map(|(l, t)| (l.to_string(), *t)).collect();
        merge_texts(&texts)
    }

    #[test]
    fn the_same_text_once() {
        assert_eq!(
            t(&[("iaas", "Patch the OS"), ("model", "Patch the OS")]),
            "Patch the OS"
        );
        assert_eq!(t(&[]), "");
    }

    #[test]
    fn only_the_words_that_differ_per_model() {
        let merged = t(&[
            (
                "bare-metal",
                "Decide what cyber risk the bare-metal servers and clusters may carry",
            ),
            (
                "iaas",
                "Decide what cyber risk the virtual machine instances and storage may carry",
            ),
            (
                "paas",
                "Decide what cyber risk the serverless containers may carry",
            ),
            (
                "saas",
                "Decide what cyber risk the cloud dashboard, billing and IAM may carry",
            ),
            (
                "model",
                "Decide what cyber risk the serverless containers may carry",
            ),
        ]);
        assert_eq!(
            merged,
            "Decide what cyber risk the [bare-metal: bare-metal servers and clusters | iaas: virtual \
             machine instances and storage | paas, model: serverless containers | saas: cloud \
             dashboard, billing and IAM] may carry"
        );
        // A difference at the very end.
        assert_eq!(
            t(&[
                ("iaas", "Encrypt the volumes."),
                ("model", "Encrypt the prompts.")
            ]),
            "Encrypt the [iaas: volumes. | model: prompts.]"
        );
    }

    #[test]
    fn texts_with_little_in_common_are_listed_whole() {
        assert_eq!(
            t(&[
                ("iaas", "Harden the guest OS"),
                ("paas", "Harden the guest OS"),
                ("model", "Rotate the API keys")
            ]),
            "[iaas, paas] Harden the guest OS | [model] Rotate the API keys"
        );
        assert_eq!(
            t(&[("iaas", "stated"), ("model", "derived")]),
            "[iaas] stated | [model] derived"
        );
        // One text a prefix of the other: nothing between the shared words for one of them.
        assert_eq!(
            t(&[("iaas", "Back up data"), ("model", "Back up data daily")]),
            "[iaas] Back up data | [model] Back up data daily"
        );
        assert_eq!(t(&[("iaas", ""), ("model", "x")]), "[iaas] (none) | [model] x");
    }
}
