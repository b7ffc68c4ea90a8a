//! The audit report: cover, summary with chart, control matrix, gaps and the evidence appendix,
//! built from a [`Coverage`] and written through a streaming [`crate::pdf::Writer`]: the appendix rows
//! are fed one at a time (straight from the catalogue), so a report of 100,000 evidence items
//! needs no more memory than one of ten. Layout and fonts are `pdf`'s business.

use std::io::Write;

use crate::error::{Error, Result};
use crate::export::dossier::Dossiers;
use crate::export::format::REPORT;
use crate::export::job::{Cover, Job, Output, Pass, Written};
use crate::export::package::Staging;
use crate::model::evidence::{EvidenceItem, freshness};
use crate::model::ownership::{Ownership, Service};
use crate::pdf::{
    Align, BarChart, Block, CellLink, Column, Finished, Meta, Orientation, PdfError, Table, Writer,
};
use crate::view::coverage::{Coverage, FunctionSummary, needs_customer_evidence};
use crate::view::poam::{PlanState, PoamRow};

fn col(header: &str, width: f32) -> Column {
    Column {
        header: header.to_string(),
        width,
        align: Align::Left,
        link: CellLink::None,
        mono: false,
    }
}

fn num(header: &str, width: f32) -> Column {
    Column {
        header: header.to_string(),
        width,
        align: Align::Right,
        link: CellLink::None,
        mono: false,
    }
}

/// A column whose cells link to the dossier of the control they name.
fn id_col(header: &str, width: f32) -> Column {
    Column {
        link: CellLink::Dest(crate::export::dossier::DOSSIER.into()),
        ..col(header, width)
    }
}

fn short(o: Ownership) -> &'static str {
    match o {
        Ownership::Inherited => "inherited",
        Ownership::Shared => "shared",
        Ownership::Customer => "customer",
        Ownership::Undetermined => "undetermined",
    }
}

fn service_label(s: Service) -> &'static str {
    match s {
        Service::BareMetal => "Bare metal",
        Service::Iaas => "IaaS",
        Service::Paas => "PaaS",
        Service::Saas => "SaaS",
        Service::Model => "Model",
    }
}

/// Title, author, subject and date of the PDF.
fn meta(cov: &Coverage, cover: &Cover) -> Meta {
    let services: Vec<&str> = cov.matrix.services.iter().map(|s| service_label(*s)).collect();
    Meta {
        title: cover.title.clone(),
        author: cover.organization.clone(),
        subject: format!(
            "NIST CSF 2.0 shared responsibility and evidence, {} ({}), as of {}",
            cov.matrix.provider.name,
            services.join(", "),
            cov.as_of
        ),
        created: chrono::DateTime::parse_from_rfc3339(&cover.generated_at)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default(),
        paper: cover.paper,
    }
}

/// Everything before the evidence appendix: cover, summary, matrix, customer responsibilities
/// and gaps.
fn front(
    cov: &Coverage,
    cover: &Cover,
    poam: &[PoamRow],
    (reviews, profile): (&[crate::model::review::Review], &[Block]),
    dossiers: &Dossiers,
) -> Vec<Block> {
    let mut body = summary(cov);
    body.extend(control_matrix(cov));
    body.extend(customer_responsibilities(cov));
    body.extend(gaps(cov, poam));
    body.extend(crate::export::claims::report_sections(cov));
    // The profile's Current vs Target section (empty without outcomes or Tiers).
    body.extend(profile.iter().cloned());
    body.extend(crate::export::dossier::statement_of_applicability(cov));
    body.extend(crate::export::dossier::dossiers(cov, poam, reviews, dossiers));
    let mut blocks = cover_page(cov, cover);
    blocks.extend(crate::export::dossier::contents(&body));
    blocks.extend(body);
    blocks
}

/// The cover: title, the facts of the package, what ownership means.
fn cover_page(cov: &Coverage, cover: &Cover) -> Vec<Block> {
    let m = &cov.matrix;
    let services: Vec<&str> = m.services.iter().map(|s| service_label(*s)).collect();
    vec![
        Block::Title(cover.title.clone()),
        Block::KeyValues(vec![
            (
                "Organisation".into(),
                if cover.organization.is_empty() {
                    "(not given; export --organization NAME)".into()
                } else {
                    cover.organization.clone()
                },
            ),
            (
                "System".into(),
                if cover.system.is_empty() { "(no scope recorded)".into() } else { cover.system.clone() },
            ),
            ("Provider".into(), format!("{} ({})", m.provider.name, m.provider.id)),
            ("Service models".into(), services.join(", ")),
            ("As of".into(), format!("{} (the catalogue as it stood at the end of that day, UTC)", cov.as_of)),
            ("Generated at".into(), cover.generated_at.clone()),
            ("Evidence is stale after".into(), format!("{} days", cov.stale_days)),
            ("Framework".into(), cover.frameworks.join("; ")),
            ("Responsibility matrix".into(), format!("{} ({})", m.provider.name, m.provider.source)),
            ("Catalogue digest".into(), format!("SHA-256 {}", cover.digest)),
        ]
        .into_iter()
        .chain(crate::export::dossier::cover_facts(cov, cover))
        .collect(),
        ),
        Block::Paragraph(
            "Statuses are the organisation's self-assessment unless an assessor's result is shown. \
             Evidence mapped from another framework's ID is a claim for the assessor to judge."
                .into(),
        ),
        Block::Paragraph(
            "Ownership says who must carry out each NIST CSF 2.0 subcategory for the service models in scope: \
             inherited (the provider does it and attests to it), shared (both sides have a part) or customer \
             (the customer alone). Inherited controls are kept apart from customer coverage: provider-attested \
             where a provider attestation recorded in the catalogue is in force at the as-of date, otherwise \
             an inheritance gap (its own section). Evidence mapped from another framework's ID is marked as \
             such wherever it is counted. Every file of this package is listed with its SHA-256 in \
             manifest.json; `csfkit verify` checks them."
                .into(),
        ),
        Block::PageBreak,
    ]
}

/// The summary: controls per function and effective ownership (and shared cells by leaning),
/// evidence coverage as a chart and a table, what mapped evidence adds, the count of gaps.
fn summary(cov: &Coverage) -> Vec<Block> {
    let m = &cov.matrix;
    let mut blocks = vec![Block::Heading(
        "Summary: controls per function and effective ownership".into(),
    )];
    let by_fn = cov.by_function();
    let total = FunctionSummary::total("Total", &by_fn);
    let rows: Vec<Vec<String>> = by_fn
        .iter()
        .map(|f| {
            let o = &f.ownership;
            vec![
                f.function.clone(),
                o.inherited.to_string(),
                o.shared.to_string(),
                o.customer.to_string(),
                o.undetermined.to_string(),
                o.total().to_string(),
            ]
        })
        .chain([vec![
            total.function.clone(),
            total.ownership.inherited.to_string(),
            total.ownership.shared.to_string(),
            total.ownership.customer.to_string(),
            total.ownership.undetermined.to_string(),
            m.rows.len().to_string(),
        ]])
        .collect();
    blocks.push(Block::Table(Table {
        columns: vec![
            col("Function", 2.0),
            num("Inherited", 1.0),
            num("Shared", 1.0),
            num("Customer", 1.0),
            num("Undetermined", 1.2),
            num("Total", 1.0),
        ],
        rows,
        font_size: 9.0,
    }));
    if tallied(m) {
        blocks.extend(leaning_summary(&by_fn, &total));
    }
    blocks.push(Block::Heading(
        "Evidence coverage of customer and shared controls".into(),
    ));
    blocks.push(Block::BarChart(BarChart {
        caption: format!(
            "Controls the customer must evidence, per function, at {}",
            cov.as_of
        ),
        series: vec![
            ("current, direct".into(), [46, 139, 87]),
            ("current, mapped only".into(), [120, 190, 220]),
            ("only expired or stale".into(), [230, 159, 0]),
            ("no evidence".into(), [200, 55, 55]),
        ],
        bars: by_fn
            .iter()
            .map(|f| {
                let e = &f.evidence;
                (
                    f.function.clone(),
                    vec![
                        e.current_direct as u64,
                        e.current_mapped_only as u64,
                        e.outdated as u64,
                        e.none as u64,
                    ],
                )
            })
            .collect(),
    }));
    let rows: Vec<Vec<String>> = by_fn
        .iter()
        .chain([&total])
        .map(|f| {
            let e = &f.evidence;
            vec![
                f.function.clone(),
                e.current_direct.to_string(),
                e.current_mapped_only.to_string(),
                e.outdated.to_string(),
                e.none.to_string(),
                f.inherited_attested.to_string(),
                f.inheritance_gaps.to_string(),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        columns: vec![
            col("Function", 1.6),
            num("Current, direct", 1.2),
            num("Current, mapped only", 1.4),
            num("Only expired or stale", 1.4),
            num("No evidence", 1.1),
            num("Inherited, attested", 1.3),
            num("Inheritance gaps", 1.3),
        ],
        rows,
        font_size: 9.0,
    }));
    blocks.push(Block::Paragraph(
        "Current, direct: current evidence keyed by the control's own CSF ID. Current, mapped only: \
         current evidence, all of it mapped from another framework's ID through NIST's informative \
         references, a claim for the assessor to judge. Inherited controls are counted apart: attested \
         when a provider attestation is in force for every service model in scope, else an inheritance gap."
            .into(),
    ));
    let gaps = cov.gaps().count();
    if let Some(p) = mapped_paragraph(cov) {
        blocks.push(Block::Paragraph(p));
    }
    blocks.push(Block::Paragraph(format!(
        "{gaps} of {} controls are gaps (customer or shared, without current evidence or not implemented); \
         {} inheritance gaps (inherited, no provider attestation in force); {} evidence items counted{}.",
        m.rows.len(),
        cov.inheritance_gaps().count(),
        cov.evidence_items,
        not_counted(cov)
    )));

    blocks
}

/// The control matrix: ownership per service model (a projected cell with its tally),
/// effective ownership, status, evidence and freshness.
fn control_matrix(cov: &Coverage) -> Vec<Block> {
    let m = &cov.matrix;
    let mut blocks = Vec::new();
    // The wide tables (matrix, responsibilities, gaps) are set on landscape pages.
    blocks.push(Block::Orientation(Orientation::Landscape));
    blocks.push(Block::Heading("Control matrix".into()));
    blocks.push(Block::Paragraph(
        "Ownership per service model and effective (the common value, else shared). * marks a cell \
         overridden for this catalogue, with its reason in control-matrix.csv. An inherited or shared \
         cell names the provider attestation in force (att. #n, see Provider attestations) or says \
         none. Evidence state: current (keyed by the control's own CSF ID), current, mapped only \
         (every current item mapped from another framework's ID), expired or stale, none; for an \
         inherited control provider-attested or inherited, no attestation (an inheritance gap)."
            .into(),
    ));
    // A projected matrix: the tally goes under the ownership, in a wider column.
    let tallied = tallied(m);
    if tallied {
        blocks.push(Block::Paragraph(
            "Projected cells (FedRAMP CRM, CSA CCM) show the leaning and the yes/partial/no answers of \
             the referenced controls, +n unanswered: p-led provider-led, bal balanced, c-led customer-led."
                .into(),
        ));
    }
    // With a tally, the ownership columns are wide enough for `undetermined` on one line up
    // to three service models (a CCM); the subcategory text gives way.
    let (title_w, service_w) = if tallied {
        ((6.0 - 1.5 * m.services.len() as f32).max(2.0), 1.5)
    } else {
        (5.0, 1.3)
    };
    let mut columns = vec![id_col("ID", 1.3), col("Subcategory", title_w)];
    for s in &m.services {
        columns.push(col(service_label(*s), service_w));
    }
    columns.extend([
        col("Effective", service_w),
        col("Status", 1.6),
        num("Evidence", 1.4),
        col("Evidence state", 1.8),
    ]);
    let rows = m
        .rows
        .iter()
        .zip(&cov.controls)
        .map(|(r, c)| {
            let mut row = vec![r.control_id.clone(), r.title.clone()];
            for cell in &r.cells {
                let star = if cell.r#override.is_some() { "*" } else { "" };
                let mut text = match &cell.tally {
                    Some(t) => format!("{}{star}\n({})", short(cell.ownership), t.describe_short()),
                    None => format!("{}{star}", short(cell.ownership)),
                };
                if matches!(cell.ownership, Ownership::Inherited | Ownership::Shared) {
                    text.push_str(&match &cell.attestation {
                        Some(a) => format!("\natt. #{}", a.seq),
                        None => "\nno att.".to_string(),
                    });
                }
                row.push(text);
            }
            row.push(short(r.effective).into());
            // A blank status would read as "nothing to report"; say it was never assessed.
            let status = r.status();
            row.push(if status.is_empty() {
                "not assessed".into()
            } else {
                status
            });
            row.push(c.evidence.to_string());
            row.push(state_words(c.state_text(r)).to_string());
            row
        })
        .collect();
    blocks.push(Block::Table(Table {
        columns,
        rows,
        font_size: 7.5,
    }));

    blocks
}

/// The gaps, each with the due date and owner of the plan in force.
fn gaps(cov: &Coverage, poam: &[PoamRow]) -> Vec<Block> {
    let mut blocks = Vec::new();
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading("Gaps".into()));
    // One POA&M row per gap, in the same order: the plan's due date and owner beside the gap.
    let gap_rows: Vec<Vec<String>> = cov
        .gaps()
        .zip(poam)
        .map(|((r, c), p)| {
            vec![
                r.control_id.clone(),
                r.title.clone(),
                short(r.effective).into(),
                c.gaps.join("; "),
                match p.state {
                    PlanState::Unplanned if p.due.is_none() => "no plan".into(),
                    PlanState::Unplanned => "plan closed, gap remains".into(),
                    PlanState::RiskAccepted => "risk accepted".into(),
                    PlanState::Overdue => {
                        format!("{} OVERDUE", p.due.map(|d| d.to_string()).unwrap_or_default())
                    }
                    PlanState::Planned => p.due.map(|d| d.to_string()).unwrap_or_default(),
                },
                p.point_of_contact.clone(),
            ]
        })
        .collect();
    if gap_rows.is_empty() {
        blocks.push(Block::Paragraph(
            "No gaps: every customer and shared control has current evidence and is implemented.".into(),
        ));
    } else {
        let n = crate::view::poam::counts(poam);
        blocks.push(Block::Paragraph(format!(
            "{} gaps: {} with a remediation plan on schedule, {} overdue, {} with the risk accepted, {} without a plan. \
             Due and owner come from the plan in force (csfkit plan); poam.csv and the POA&M sheet of \
             audit-workbook.xlsx carry the milestones.",
            gap_rows.len(),
            n.planned,
            n.overdue,
            n.risk_accepted,
            n.unplanned
        )));
        blocks.push(Block::Table(Table {
            columns: vec![
                id_col("ID", 1.2),
                col("Subcategory", 5.6),
                col("Ownership", 1.3),
                col("Why", 2.8),
                col("Due", 1.8),
                col("Owner", 1.8),
            ],
            rows: gap_rows,
            font_size: 7.5,
        }));
    }

    // The sections after the gaps are portrait again.
    blocks.push(Block::Orientation(Orientation::Portrait));
    blocks
}

/// True when some cell of the matrix has a tally (it was projected from a CRM or a CCM).
fn tallied(m: &crate::view::matrix::Matrix) -> bool {
    m.rows.iter().any(|r| r.cells.iter().any(|c| c.tally.is_some()))
}

/// The summary's count of shared cells by leaning, per function and in total.
fn leaning_summary(by_fn: &[FunctionSummary], total: &FunctionSummary) -> Vec<Block> {
    let rows = by_fn
        .iter()
        .chain([total])
        .map(|f| {
            let l = &f.shared_cells;
            vec![
                f.function.clone(),
                l.provider_led.to_string(),
                l.balanced.to_string(),
                l.customer_led.to_string(),
                l.untallied.to_string(),
                (l.tallied() + l.untallied).to_string(),
            ]
        })
        .collect();
    vec![
        Block::Paragraph(
            "Shared cells by leaning: a cell is one control on one service model; a projected cell \
             leans to the provider when its referenced controls answered Yes outnumber those \
             answered Partial and No together, to the customer when those answered No outnumber \
             the others, and is balanced otherwise (the control matrix shows each cell's counts)."
                .into(),
        ),
        Block::Table(Table {
            columns: vec![
                col("Function", 2.0),
                num("Provider-led", 1.2),
                num("Balanced", 1.0),
                num("Customer-led", 1.2),
                num("Not projected", 1.2),
                num("Shared cells", 1.1),
            ],
            rows,
            font_size: 9.0,
        }),
    ]
}

/// The customer responsibility section: for every control the customer carries alone or
/// shares, what the customer must do (per service model where the texts differ), the basis and
/// the citation, so the matrix can be read on paper as a customer responsibility matrix.
fn customer_responsibilities(cov: &Coverage) -> Vec<Block> {
    let m = &cov.matrix;
    let rows: Vec<Vec<String>> = m
        .rows
        .iter()
        .filter(|r| {
            matches!(
                r.effective,
                Ownership::Customer | Ownership::Shared | Ownership::Undetermined
            )
        })
        .map(|r| {
            vec![
                r.control_id.clone(),
                short(r.effective).into(),
                r.merged(|x| &x.customer_responsibility),
                r.merged(|x| &x.basis),
                r.merged(|x| &x.citation),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::PageBreak,
        Block::Heading("Customer responsibilities".into()),
        Block::Paragraph(format!(
            "What the customer must do for each control it carries alone or shares with {}: one \
             sentence per control, and where the service models' texts differ, what each says in \
             brackets ([iaas: ... | paas, model: ...]; texts with little in common are given whole, \
             [iaas] ... | [model] ...). control-matrix.csv has each model's text whole. Basis: stated \
             means the citation quotes the provider's published page; derived means the citation \
             names the clause of csfkit's decision rule (mappings/RULES.md) that gives the cell. \
             {} of {} controls.",
            m.provider.name,
            rows.len(),
            m.rows.len()
        )),
    ];
    if !rows.is_empty() {
        blocks.push(Block::Table(Table {
            columns: vec![
                col("ID", 1.0),
                col("Ownership", 1.1),
                col("What the customer must do", 7.6),
                col("Basis", 0.9),
                col("Citation", 4.0),
            ],
            rows,
            font_size: 7.5,
        }));
    }
    blocks
}

fn appendix_columns() -> Vec<Column> {
    // Weights in points of A4 landscape's 762-point text width at 7.5 pt; the table is also
    // fitted to the widest words its rows can hold ([`appendix_fit`]): a six-digit ID, every
    // control ID, an ISO date and `current` on one line, the dates one above the other, the
    // whole SHA-256 on one line in the monospaced face, the source batch as its number (the
    // legend above the table names each batch's file).
    vec![
        num("ID", 36.0),
        Column {
            link: CellLink::Anchor(crate::export::dossier::APPENDIX.into()),
            ..id_col("Control", 44.0)
        },
        col("Title", 102.0),
        col("Collected, valid until", 46.0),
        col("Fresh", 38.0),
        col("Owner", 62.0),
        col("Location", 108.0),
        Column {
            mono: true,
            ..col("SHA-256", 297.0)
        },
        num("Batch", 29.0),
    ]
}

/// Rows the appendix's columns must fit without breaking a word (not drawn): every control ID
/// of the matrix, and the widest ID, dates, freshness, digest and batch an item can have.
fn appendix_fit(cov: &Coverage) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = cov
        .matrix
        .rows
        .iter()
        .map(|r| vec![String::new(), r.control_id.clone()])
        .collect();
    rows.push(vec![
        "999999".into(),
        String::new(),
        String::new(),
        "2026-12-31".into(),
        "current".into(),
        String::new(),
        String::new(),
        "f".repeat(64),
        "#9999".into(),
    ]);
    rows
}

/// A control's state as the report's matrix shows it (words that wrap).
fn state_words(state: &str) -> &str {
    match state {
        "current-mapped-only" => "current, mapped only",
        "expired-or-stale" => "expired or stale",
        "inherited-no-attestation" => "inherited, no attestation",
        other => other,
    }
}

/// The rows read but not counted, for the summary's last sentence (empty when none).
fn not_counted(cov: &Coverage) -> String {
    let mut parts = Vec::new();
    if cov.placeholders > 0 {
        parts.push(format!(
            "{} placeholder row(s) (no collection date and no location) listed in the appendix",
            cov.placeholders
        ));
    }
    if cov.not_offered > 0 {
        parts.push(format!(
            "{} row(s) retargeted to other subcategories (csfkit evidence retarget)",
            cov.not_offered
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; not counted: {}", parts.join(", "))
    }
}

/// What the coverage owes to evidence mapped from other frameworks' IDs, if any.
fn mapped_paragraph(cov: &Coverage) -> Option<String> {
    if cov.no_mapped {
        return Some(format!(
            "Coverage counts evidence keyed by its CSF ID only (--no-mapped): {} evidence rows mapped from \
             SP 800-53, ISO/IEC 27001 or CCM IDs are listed in the appendix but not counted.",
            cov.mapped_left_out
        ));
    }
    if cov.mapped_items == 0 {
        return None;
    }
    let only = cov
        .controls
        .iter()
        .filter(|c| {
            c.current > 0 && c.current_direct == 0 && needs_customer_evidence(&cov.matrix.rows[c.row])
        })
        .count();
    let current = cov
        .controls
        .iter()
        .filter(|c| c.current > 0 && needs_customer_evidence(&cov.matrix.rows[c.row]))
        .count();
    Some(format!(
        "{} of {} evidence items were mapped from another framework's ID (SP 800-53, ISO/IEC 27001 or \
         CCM) onto the CSF 2.0 subcategories whose NIST informative references cite it; the appendix \
         names the ID each came from. {only} controls have current evidence only through such mapping \
         ({current} customer and shared controls have current evidence in all). NIST's references are \
         informative: a mapped item is a claim for the assessor to judge, not proof. An export with \
         --no-mapped counts direct evidence only.",
        cov.mapped_items, cov.evidence_items
    ))
}

/// One appendix row; `packaged` is where its file is in the package (`Ok`), or why a file that
/// should be there is not (`Err`).
fn appendix_row(e: &EvidenceItem, cov: &Coverage, packaged: Option<Result<&str, &str>>) -> Vec<String> {
    let mut location = e.location.clone();
    if e.location_kind == "missing" {
        location.push_str(" [file missing at import]");
    }
    match packaged {
        Some(Ok(path)) => location.push_str(&format!(" [in the package: {path}]")),
        Some(Err(why)) => location.push_str(&format!(" [not in the package: {why}]")),
        None => {}
    }
    // A row mapped from another framework's ID says so under its title, with how far it
    // spreads (NIST's fan-out, or the subcategories it was offered or retargeted for).
    let title = match &e.mapped {
        Some(m) => {
            let targets = cov.claims.targets_short(e);
            let spread = targets
                .strip_prefix(&format!("{}: ", m.id))
                .map(|t| format!(" {t}"))
                .unwrap_or_default();
            format!(
                "{}\n[mapped from {} {}]{spread}",
                e.title,
                m.framework.short_label(),
                m.id
            )
        }
        None => e.title.clone(),
    };
    let fresh = match cov.claims.counted(e) {
        crate::view::claims::Counted::NotOffered(_) => "not counted".to_string(),
        _ => freshness(e, cov.as_of, cov.stale_days).as_str().to_string(),
    };
    let dates = match (e.collected_on, e.valid_until) {
        (Some(c), Some(v)) => format!("{c}\n{v}"),
        (Some(c), None) => c.to_string(),
        (None, Some(v)) => format!("-\n{v}"),
        (None, None) => String::new(),
    };
    vec![
        e.id.to_string(),
        e.control_id.clone(),
        title,
        dates,
        fresh,
        e.owner.clone(),
        location,
        e.file_sha256.clone().unwrap_or_default(),
        format!("#{}", e.batch_id),
    ]
}

/// The report being written: [`Report::start`] writes everything up to the evidence appendix,
/// [`Report::evidence`] adds one appendix row, [`Report::finish`] completes the file.
pub(crate) struct Report<'c, W: Write> {
    w: Writer<W>,
    cov: &'c Coverage,
}

impl<'c, W: Write> Report<'c, W> {
    /// Writes the cover, summary, matrix and gaps (with `poam`, one row per gap, for the plans),
    /// and opens the evidence appendix.
    ///
    /// # Errors
    /// If the output cannot be written.
    pub(crate) fn start(
        out: W,
        cov: &'c Coverage,
        cover: &Cover,
        poam: &[PoamRow],
        // The assessor's results and the profile's Current vs Target section.
        (reviews, profile): (&[crate::model::review::Review], &[Block]),
        dossiers: &Dossiers,
        batches: &[String],
    ) -> Result<Self, PdfError> {
        let mut w = Writer::new(out, &meta(cov, cover))?;
        w.blocks(&front(cov, cover, poam, (reviews, profile), dossiers))?;
        if cov.listed() == 0 {
            w.blocks(&[
                Block::Heading("Evidence appendix".into()),
                Block::Paragraph("No evidence has been imported.".into()),
            ])?;
        } else {
            w.blocks(&[
                Block::Orientation(Orientation::Landscape),
                Block::Heading("Evidence appendix".into()),
                Block::Paragraph(
                    "Every evidence item, in CSF order. Title: a mapped row names the ID it was mapped \
                     from. Collected, valid until: one date above the other. SHA-256: the digest of the \
                     file when it was imported (empty for a URL or a record without a file). Batch: the \
                     evidence import it came from, below; the source sheet and row of each item are in \
                     evidence-index.csv."
                        .into(),
                ),
                Block::Paragraph(batches.join("\n")),
            ])?;
            w.table_begin(None, &appendix_columns(), 7.5, &appendix_fit(cov))?;
        }
        Ok(Report { w, cov })
    }

    /// Adds one evidence item to the appendix (in the order they should appear).
    ///
    /// # Errors
    /// If the output cannot be written.
    pub(crate) fn evidence(
        &mut self,
        e: &EvidenceItem,
        packaged: Option<Result<&str, &str>>,
    ) -> Result<(), PdfError> {
        self.w.table_row(&appendix_row(e, self.cov, packaged))
    }

    /// Finishes the PDF.
    ///
    /// # Errors
    /// If the output cannot be written.
    pub(crate) fn finish(self) -> Result<Finished<W>, PdfError> {
        self.w.finish()
    }
}

/// `--formats pdf`: `report.pdf`, written after the shared pass with its evidence appendix fed
/// row by row from the catalogue (a pass of its own).
pub(crate) struct PdfOutput;

impl Output for PdfOutput {
    fn finish(
        self: Box<Self>,
        job: &Job<'_>,
        pass: &Pass,
        staging: &mut Staging,
        written: &mut Written,
    ) -> Result<()> {
        let failed = |e: PdfError| match e {
            PdfError::Io(e) => Error::io("writing report.pdf", e),
            other => Error::Failed(format!("writing report.pdf: {other}")),
        };
        let dossiers = Dossiers::collect(job.cat, job.cov, &pass.files)?;
        let file = staging.create(REPORT)?;
        let batches: Vec<String> = job
            .cat
            .batches()?
            .iter()
            .map(|b| {
                format!(
                    "#{}: {} (SHA-256 {}), imported {}",
                    b.id, b.source_file, b.source_sha256, b.imported_at
                )
            })
            .collect();
        // The Current vs Target section of the profile in use (`export::profile`), if any.
        let profile = crate::export::profile::report_section(job.cat)?;
        let mut report = Report::start(
            file,
            job.cov,
            job.cover,
            job.poam,
            (job.reviews, &profile),
            &dossiers,
            &batches,
        )
        .map_err(failed)?;
        job.cat.each_evidence(|e| {
            report
                .evidence(
                    &e,
                    pass.files
                        .packaged(&e)
                        .map(Ok)
                        .or_else(|| pass.files.not_packaged(&e).map(Err)),
                )
                .map_err(failed)
        })?;
        let done = report.finish().map_err(failed)?;
        if !done.missing_chars.is_empty() {
            let list: Vec<String> = done
                .missing_chars
                .iter()
                .map(|c| format!("{c} (U+{:04X})", *c as u32))
                .collect();
            written.warnings.push(format!(
                "report.pdf: the embedded font (DejaVu Sans) cannot show {}; they appear as ? in the PDF and exactly in the CSV files",
                list.join(", ")
            ));
        }
        written.pages = Some(done.pages);
        staging.close(done.out)
    }
}
