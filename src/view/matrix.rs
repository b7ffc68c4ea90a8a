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
