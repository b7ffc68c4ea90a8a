//! The report's navigation and per-control sections (issue 27): the contents (a link per
//! section), the Statement of Applicability (the not-applicable controls with their
//! justification, who and when), and a dossier per control of the scope: the requirement,
//! ownership, basis and the customer's responsibility, the provider attestation behind the
//! provider's part, the status with its justification, who and when, the plan in force of a gap,
//! and its first evidence items with their full SHA-256 and a link to the packaged file or URL
//! (every item is in the evidence appendix, which the dossier links to). An inherited control
//! gets a short block.
//!
//! The PDF outline has an entry per section and per dossier; the matrix's and the gaps' control
//! IDs link to the dossier (destination `c-ID`), the dossier's to the control's first row in the
//! appendix (`a-ID`).

use std::collections::HashMap;

use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::export::evidence_files::EvidenceFiles;
use crate::model::evidence::{EvidenceItem, freshness};
use crate::model::ownership::Ownership;
use crate::pdf::{Align, Block, CellLink, Column, Table};
use crate::view::coverage::Coverage;
use crate::view::poam::PoamRow;

/// The prefix of a dossier's destination (`c-PR.AA-01`).
pub(crate) const DOSSIER: &str = "c-";
/// The prefix of a control's first row in the evidence appendix (`a-PR.AA-01`).
pub(crate) const APPENDIX: &str = "a-";
/// The evidence items a dossier shows; the appendix lists them all.
pub(crate) const SHOWN: usize = 5;
/// The heading of the dossiers' section.
const HEADING: &str = "Control dossiers";

/// The first [`SHOWN`] evidence items of each control (in the appendix's order) with where each
/// file is in the package, and how many the control has: memory bounded whatever the evidence.
#[derive(Default)]
pub(crate) struct Dossiers {
    items: HashMap<String, (Vec<(EvidenceItem, String)>, usize)>,
}

impl Dossiers {
    /// Streams the evidence once.
    pub(crate) fn collect(cat: &Catalogue, cov: &Coverage, files: &EvidenceFiles) -> Result<Dossiers> {
        let mut d = Dossiers::default();
        let in_scope: std::collections::HashSet<&str> =
            cov.matrix.rows.iter().map(|r| r.control_id.as_str()).collect();
        cat.each_evidence(|e| {
            crate::export::package::check_interrupted()?;
            if !in_scope.contains(e.control_id.as_str()) {
                return Ok(());
            }
            let entry = d.items.entry(e.control_id.clone()).or_default();
            entry.1 += 1;
            if entry.0.len() < SHOWN {
                let place = location(&e, files);
                entry.0.push((e, place));
            }
            Ok(())
        })?;
        Ok(d)
    }
}

/// Where an item's file or page is: the packaged path or the URL (which the report links), else
/// the recorded location and why its file is not in the package.
fn location(e: &EvidenceItem, files: &EvidenceFiles) -> String {
    if let Some(p) = files.packaged(e) {
        return p.to_string();
    }
    if let Some(why) = files.not_packaged(e) {
        return format!("{} (not in the package: {why})", e.location);
    }
    match e.location_kind.as_str() {
        "missing" => format!("{} (file missing at import)", e.location),
        _ => e.location.clone(),
    }
}

/// The cover's last facts: who prepared the package and its scope.
pub(crate) fn cover_facts(cov: &Coverage, cover: &crate::export::job::Cover) -> Vec<(String, String)> {
    let m = &cov.matrix;
    let services: Vec<String> = m.services.iter().map(ToString::to_string).collect();
    let or = |s: &str, none: &str| {
        if s.is_empty() {
            none.to_string()
        } else {
            s.to_string()
        }
    };
    vec![
        (
            "Prepared by".into(),
            format!(
                "{}, with csfkit {}",
                or(&cover.organization, "(not given)"),
                cover.version
            ),
        ),
        (
            "Scope".into(),
            format!(
                "{} on {} ({}): {} controls, {} evidence items counted",
                or(&cover.system, "(no system recorded)"),
                m.provider.name,
                services.join(", "),
                m.rows.len(),
                cov.evidence_items
            ),
        ),
    ]
}

fn col(header: &str, width: f32, link: CellLink) -> Column {
    Column {
        header: header.into(),
        width,
        align: Align::Left,
        link,
        mono: false,
    }
}

/// The contents: one row per section heading of `body` and the evidence appendix, each a link
/// to its section.
pub(crate) fn contents(body: &[Block]) -> Vec<Block> {
    let mut rows: Vec<Vec<String>> = body
        .iter()
        .filter_map(|b| match b {
            Block::Heading(h) => Some(vec![h.clone()]),
            _ => None,
        })
        .collect();
    rows.push(vec!["Evidence appendix".into()]);
    vec![
        Block::Heading("Contents".into()),
        Block::Paragraph(
            "Each line links to its section; the PDF outline (bookmarks) has the same sections and a \
             dossier per control. Control IDs in the matrix and the gaps link to the control's \
             dossier, a dossier's to the control's rows in the evidence appendix."
                .into(),
        ),
        Block::Table(Table {
            columns: vec![col("Section", 1.0, CellLink::Dest("s-".into()))],
            rows,
            font_size: 9.0,
        }),
        Block::PageBreak,
    ]
}

/// The Statement of Applicability: every status record in force that says not-applicable.
pub(crate) fn statement_of_applicability(cov: &Coverage) -> Vec<Block> {
    let rows: Vec<Vec<String>> = cov
        .matrix
        .rows
        .iter()
        .flat_map(|r| {
            r.assessments
                .iter()
                .filter(|a| a.status == "not-applicable")
                .map(|a| {
                    vec![
                        r.control_id.clone(),
                        r.title.clone(),
                        a.service.clone().unwrap_or_else(|| "all in scope".into()),
                        a.note.clone(),
                        a.by.clone(),
                        a.at.clone(),
                    ]
                })
        })
        .collect();
    let mut blocks = vec![
        Block::PageBreak,
        Block::Heading("Statement of Applicability".into()),
    ];
    if rows.is_empty() {
        blocks.push(Block::Paragraph(
            "No control is recorded as not applicable: every control of the scope applies.".into(),
        ));
        return blocks;
    }
    blocks.push(Block::Paragraph(format!(
        "{} not-applicable records in force, each with the justification recorded with it \
         (csfkit assess ID --status not-applicable --note ...), who recorded it and when. Every \
         other control of the scope applies.",
        rows.len()
    )));
    blocks.push(Block::Table(Table {
        columns: vec![
            col("ID", 1.2, CellLink::Dest(DOSSIER.into())),
            col("Subcategory", 3.0, CellLink::None),
            col("Service model", 1.1, CellLink::None),
            col("Justification", 3.4, CellLink::None),
            col("By", 1.3, CellLink::None),
            col("At", 1.9, CellLink::None),
        ],
        rows,
        font_size: 7.5,
    }));
    blocks
}

/// The dossiers, one per control of the scope in the matrix's order.
pub(crate) fn dossiers(
    cov: &Coverage,
    poam: &[PoamRow],
    reviews: &[crate::model::review::Review],
    d: &Dossiers,
) -> Vec<Block> {
    let poam: HashMap<&str, &PoamRow> = poam.iter().map(|p| (p.control_id.as_str(), p)).collect();
    let reviews = crate::view::review::in_force(reviews);
    let mut blocks = vec![
        Block::PageBreak,
        Block::Heading(HEADING.into()),
        Block::Paragraph(format!(
            "One section per control of the scope: what it requires, who carries it and on what \
             basis, the provider attestation behind the provider's part, the status with its \
             justification, who recorded it and when, the assessor's result when one is recorded, the plan in force for a gap, and the first \
             {SHOWN} evidence items (every item is in the evidence appendix; the control's ID in \
             the evidence table links there). Inherited controls get a short block."
        )),
    ];
    for (r, c) in cov.matrix.rows.iter().zip(&cov.controls) {
        blocks.push(Block::Subheading {
            text: format!("{} — {}", r.control_id, r.title),
            dest: Some(format!("{DOSSIER}{}", r.control_id)),
        });
        let cells: Vec<String> = r
            .cells
            .iter()
            .map(|x| {
                let star = if x.r#override.is_some() {
                    " (overridden)"
                } else {
                    ""
                };
                format!("{}: {}{star}", x.service, x.ownership)
            })
            .collect();
        let status = r.status();
        let mut kv: Vec<(String, String)> = vec![
            ("Requirement".into(), r.title.clone()),
            (
                "Ownership".into(),
                format!("{} ({})", r.effective, cells.join(", ")),
            ),
        ];
        let inherited = r.effective == Ownership::Inherited;
        if inherited {
            kv.push(("Provider's part".into(), r.merged(|x| &x.provider_responsibility)));
        } else {
            kv.push((
                "Basis".into(),
                format!("{}; {}", r.merged(|x| &x.basis), r.merged(|x| &x.citation)),
            ));
            kv.push((
                "Customer's responsibility".into(),
                r.merged(|x| &x.customer_responsibility),
            ));
        }
        let attestation = r.attestation_text();
        if !attestation.is_empty() {
            kv.push(("Provider attestation".into(), attestation));
        }
        if let Some(why) = &c.inheritance_gap {
            kv.push(("Inheritance gap".into(), why.clone()));
        }
        kv.push((
            "Status (self-assessed)".into(),
            if status.is_empty() {
                "not assessed".into()
            } else {
                status
            },
        ));
        if let Some(rv) = reviews.get(r.control_id.as_str()) {
            kv.push(("Assessor's result".into(), crate::view::review::summary(rv)));
        }
        for a in &r.assessments {
            kv.push(("Assessed".into(), a.describe()));
        }
        kv.push((
            "Evidence".into(),
            format!("{} counted; {}", c.evidence, c.state_text(r)),
        ));
        if !c.gaps.is_empty() {
            kv.push(("Gap".into(), c.gaps.join("; ")));
        }
        if let Some(p) = poam.get(r.control_id.as_str()) {
            let due = p.due.map(|d| d.to_string()).unwrap_or_default();
            kv.push(("Plan".into(), plan_text(p, &due)));
        }
        blocks.push(Block::KeyValues(kv));
        if !inherited {
            blocks.extend(evidence_table(cov, d, &r.control_id));
        }
    }
    blocks
}

/// A plan in one value: state, action, milestones, due date, owner, its risk rating (and the
/// first one, when it changed), note.
fn plan_text(p: &PoamRow, due: &str) -> String {
    let mut parts = vec![p.status.clone()];
    let risk = match (p.risk, p.original_risk) {
        (Some(r), Some(o)) if o != r => format!("{} (first rated {})", r.as_str(), o.as_str()),
        (Some(r), _) => r.as_str().to_string(),
        (None, _) => String::new(),
    };
    for (k, v) in [
        ("action", &p.remediation_plan),
        ("milestones", &p.milestones),
        ("due", &due.to_string()),
        ("owner", &p.point_of_contact),
        ("risk", &risk),
        ("note", &p.comments),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}: {v}"));
        }
    }
    parts.join("; ")
}

/// The first evidence items of `control`, or a line saying it has none.
fn evidence_table(cov: &Coverage, d: &Dossiers, control: &str) -> Vec<Block> {
    let Some((items, total)) = d.items.get(control) else {
        return vec![Block::Paragraph("No evidence recorded.".into())];
    };
    let rows = items
        .iter()
        .map(|(e, place)| {
            let origin = match &e.mapped {
                Some(m) => format!("mapped from {} {}", m.framework.short_label(), m.id),
                None => "direct".into(),
            };
            let mut text = e.title.clone();
            if !e.description.is_empty() {
                text.push('\n');
                text.push_str(&e.description);
            }
            let dates = [
                (!e.evidence_type.is_empty()).then(|| e.evidence_type.clone()),
                e.collected_on.map(|x| format!("collected {x}")),
                e.valid_until.map(|x| format!("valid until {x}")),
                Some(freshness(e, cov.as_of, cov.stale_days).as_str().to_string()),
                Some(origin),
            ];
            text.push('\n');
            text.push_str(&dates.into_iter().flatten().collect::<Vec<_>>().join(", "));
            if let Some(sha) = &e.file_sha256 {
                text.push_str("\nSHA-256 ");
                text.push_str(sha);
            }
            vec![control.to_string(), e.id.to_string(), text, place.clone()]
        })
        .collect();
    let mut blocks = vec![Block::Table(Table {
        columns: vec![
            col("Appendix", 1.0, CellLink::Dest(APPENDIX.into())),
            Column {
                align: Align::Right,
                ..col("#", 0.55, CellLink::None)
            },
            col(
                "Evidence: title, description, type, dates, freshness, origin, SHA-256",
                6.6,
                CellLink::None,
            ),
            col("Packaged file or URL", 2.6, CellLink::Uri),
        ],
        rows,
        font_size: 7.5,
    })];
    if *total > items.len() {
        blocks.push(Block::Paragraph(format!(
            "{} more evidence items of {control} in the evidence appendix.",
            total - items.len()
        )));
    }
    blocks
}
