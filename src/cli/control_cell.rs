//! `csfkit control ID --provider P`: the provider's cells of one subcategory, and for a cell
//! projected from a FedRAMP CRM or a CSA CCM workbook each referenced control with its answer
//! and the row of the workbook it came from, so an assessor can follow one cell down to the
//! provider's own words.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::catalogue::{Catalogue, ProviderRow};
use crate::cli::columns;
use crate::error::{Error, Result};
use crate::export::files::tally_fields;
use crate::model::ownership::{Answer, CellSource};
use crate::output::{Format, Listing};
use crate::view::matrix::{ServiceCell, build};

/// One control's cells of a provider, each with the source rows behind it.
pub(super) struct ControlCells {
    /// The provider.
    pub provider: ProviderRow,
    /// The subcategory.
    pub control_id: String,
    /// Per service model the provider covers: the cell and its source rows (none when the
    /// cell was not projected, or was imported from the csfkit layout, which has no rows).
    pub cells: Vec<(ServiceCell, Vec<CellSource>)>,
}

/// Loads the cells of `control_id` (an active CSF 2.0 subcategory) for `provider`.
pub(super) fn load(cat: &Catalogue, provider: &str, control_id: &str) -> Result<ControlCells> {
    let provider = cat.provider(provider)?;
    let matrix = build(cat, &provider, &provider.services)?;
    let row = matrix
        .rows
        .into_iter()
        .find(|r| r.control_id == control_id)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--provider shows a subcategory's cells; `{control_id}` is not a CSF 2.0 subcategory"
            ))
        })?;
    let mut sources = cat.cell_sources(&provider.id, control_id)?;
    let cells = row
        .cells
        .into_iter()
        .map(|c| {
            let (mine, rest): (Vec<CellSource>, Vec<CellSource>) =
                sources.drain(..).partition(|s| s.service == c.service);
            sources = rest;
            (c, mine)
        })
        .collect();
    Ok(ControlCells {
        provider,
        control_id: control_id.to_string(),
        cells,
    })
}

fn answer(s: &CellSource) -> &'static str {
    s.answer.map_or("unanswered", Answer::as_str)
}

impl ControlCells {
    /// One row per source row (a cell without any: one row, reference columns empty).
    pub(super) fn listing(&self) -> Listing {
        let mut l = Listing::of(columns::CONTROL_SOURCES);
        for (cell, sources) in &self.cells {
            let lead = |l: &mut Listing, s: Option<&CellSource>| {
                let mut row = vec![
                    self.control_id.clone(),
                    self.provider.id.clone(),
                    cell.service.to_string(),
                    cell.ownership.to_string(),
                    cell.matrix.to_string(),
                ];
                row.extend(tally_fields(cell.tally));
                row.extend(match s {
                    Some(s) => [
                        s.reference.clone(),
                        answer(s).to_string(),
                        s.sheet.clone(),
                        s.row.map(|n| n.to_string()).unwrap_or_default(),
                        s.written_id.clone(),
                        s.written_answer.clone(),
                        s.text.clone(),
                    ],
                    None => Default::default(),
                });
                l.push(row);
            };
            if sources.is_empty() {
                lead(&mut l, None);
            }
            for s in sources {
                lead(&mut l, Some(s));
            }
        }
        l
    }

    /// The cells and their sources as JSON (added to the control's record).
    pub(super) fn json(&self) -> Value {
        let cells: Vec<Value> = self
            .cells
            .iter()
            .map(|(c, sources)| {
                let [yes, partial, no, unanswered, _] = tally_fields(c.tally).map(|v| v.parse::<u64>().ok());
                json!({
                    "service": c.service,
                    "ownership": c.ownership,
                    "matrix": c.matrix,
                    "basis": c.basis,
                    "citation": c.citation,
                    "provider_responsibility": c.provider_responsibility,
                    "customer_responsibility": c.customer_responsibility,
                    "answers_yes": yes,
                    "answers_partial": partial,
                    "answers_no": no,
                    "answers_unanswered": unanswered,
                    "leaning": c.tally.and_then(|t| t.leaning()).map_or("", |l| l.as_str()),
                    "override": c.r#override,
                    "sources": sources.iter().map(|s| json!({
                        "reference": s.reference,
                        "answer": answer(s),
                        "sheet": s.sheet,
                        "row": s.row,
                        "written_id": s.written_id,
                        "written_answer": s.written_answer,
                        "text": s.text,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "provider": self.provider.id,
            "name": self.provider.name,
            "layout": self.provider.layout,
            "source": self.provider.source,
            "cells": cells,
        })
    }

    /// The cells as text for people: per service model the cell as the matrix table shows it,
    /// its override, and a table of the referenced controls and rows behind it.
    pub(super) fn text(&self) -> Result<String> {
        let p = &self.provider;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Responsibility  {} ({}), {} matrix from {}",
            p.name, p.id, p.layout, p.source
        );
        let all = self.listing();
        let mut at = 0;
        for (c, sources) in &self.cells {
            let _ = writeln!(out, "  {}  {}", c.service, c.shown(true));
            if let Some(o) = &c.r#override {
                let _ = writeln!(
                    out,
                    "        * overridden (matrix: {}) by {} at {}: {}",
                    c.matrix, o.by, o.at, o.reason
                );
            }
            let n = sources.len().max(1);
            if sources.is_empty() {
                let _ = writeln!(out, "        basis {}: {}", c.basis, c.citation);
                if c.tally.is_none() && p.layout != "csfkit" {
                    let _ = writeln!(
                        out,
                        "        no tally: the matrix was imported before csfkit kept one; import the workbook again"
                    );
                }
            } else {
                let mut l = Listing::of(columns::CONTROL_SOURCES);
                l.rows = all.rows[at..at + n].to_vec();
                let mut table = Vec::new();
                l.write_as(Format::Table, false, &mut table)?;
                for line in String::from_utf8_lossy(&table).lines() {
                    let _ = writeln!(out, "        {line}");
                }
            }
            at += n;
        }
        Ok(out)
    }
}
