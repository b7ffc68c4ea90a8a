//! `csfkit assess`: record the implementation status of a control (one at a time or from a
//! spreadsheet), and show the append-only history.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Subcommand;

use crate::catalogue::{Catalogue, NewAssessment};
use crate::cli::{Ctx, whoami};
use crate::embedded::DEFAULT_FRAMEWORK;
use crate::error::{Error, Location, Problem, Result};
use crate::import::header::header_key;
use crate::import::ids::{Legacy, Resolver};
use crate::model::assessment::Status;
use crate::model::ownership::Service;
use crate::output::{Listing, OutputArgs};

const HELP: &str = "Examples:
  csfkit assess PR.AA-01 --status implemented --note \"SSO with MFA for all staff\"
  csfkit assess PR.DS-11 --status partial --service iaas --note \"Nightly snapshots; restore test pending\"
  csfkit assess DE.CM-02 --status not-applicable --note \"No premises: the provider runs the facilities\"
  csfkit assess history PR.AA-01
  csfkit assess import assessment.xlsx

Statuses: implemented, partial, planned, alternative, not-applicable (the FedRAMP spellings
Implemented, Partially Implemented, Planned, Alternative Implementation and N/A are accepted).
not-applicable needs a --note: it is the Statement of Applicability justification.
Every change is appended with who (--by, else the OS user) and when; nothing is overwritten.";

/// Arguments of `csfkit assess`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, after_help = HELP)]
pub struct Args {
    #[command(subcommand)]
    command: Option<AssessCommand>,
    /// The control (CSF 2.0 subcategory).
    id: Option<String>,
    /// Implementation status.
    #[arg(long)]
    status: Option<String>,
    /// Note; required for not-applicable (the justification).
    #[arg(long)]
    note: Option<String>,
    /// Who assesses (default: the OS user).
    #[arg(long)]
    by: Option<String>,
    /// Record the status for one service model only.
    #[arg(long, value_enum)]
    service: Option<Service>,
}

/// `csfkit assess history|import`
#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// Show every assessment record, oldest first.
    #[command(
        after_help = "Examples:\n  csfkit assess history\n  csfkit assess history PR.AA-01 --format csv\n\n\
CSV/JSON columns: seq, control_id, service, status, note, system, by, at, source."
    )]
    History(HistoryArgs),
    /// Record statuses from a spreadsheet or CSV (columns: control_id, status, note, by).
    #[command(
        after_help = "Examples:\n  csfkit assess import assessment.xlsx\n  csfkit assess import status.csv --dry-run\n\n\
Headers are found by name among the first rows (Control ID / Control / CSF ID / Subcategory ->\n\
control_id; Status / Implementation Status -> status; Note / Notes / Justification / Comments ->\n\
note; By / Assessed By / Assessor -> by; Service / Service Model -> service). Every row is\n\
validated and every problem reported with its row; if any row is invalid nothing is recorded\n\
(exit 65)."
    )]
    Import(ImportArgs),
}

/// Arguments of `csfkit assess history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only this control.
    id: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit assess import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The spreadsheet or CSV file.
    file: PathBuf,
    /// Sheet to read (default: the first with the columns).
    #[arg(long)]
    sheet: Option<String>,
    /// Who assesses, for rows without a `by` (default: the OS user).
    #[arg(long)]
    by: Option<String>,
    /// Validate and report, record nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs `csfkit assess`.
pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    match &args.command {
        Some(AssessCommand::History(a)) => history(ctx, a),
        Some(AssessCommand::Import(a)) => import(ctx, a),
        None => record(ctx, args),
    }
}

fn system_in_scope(cat: &Catalogue) -> Result<String> {
    Ok(cat.scope()?.map(|s| s.system).unwrap_or_default())
}

fn record(ctx: &Ctx, args: &Args) -> Result<u8> {
    let (Some(id), Some(status)) = (&args.id, &args.status) else {
        return Err(Error::Usage(
            "usage: csfkit assess ID --status STATUS [--note TEXT] (or `csfkit assess history`, `csfkit assess import FILE`)".into(),
        ));
    };
    let status: Status = status.parse().map_err(Error::Usage)?;
    let note = args.note.clone().unwrap_or_default().trim().to_string();
    if status == Status::NotApplicable && note.is_empty() {
        return Err(Error::Data(
            "not-applicable needs a justification: pass --note \"why this control does not apply\" (it is the Statement of Applicability entry)".into(),
        ));
    }
    let mut cat = ctx.open()?;
    let (control, legacy) = Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?;
    if let Some(n) = legacy {
        ctx.msg.warn(n);
    }
    let by = whoami(args.by.as_deref());
    let system = system_in_scope(&cat)?;
    cat.record_assessments(
        &system,
        "cli",
        &[NewAssessment {
            control_id: control.clone(),
            service: args.service,
            status,
            note,
            by: by.clone(),
        }],
    )?;
    ctx.msg.note(format!(
        "{control}{}: {status} (by {by})",
        args.service.map(|s| format!(" / {s}")).unwrap_or_default()
    ));
    Ok(0)
}

fn history(ctx: &Ctx, args: &HistoryArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let control = match &args.id {
        Some(id) => Some(Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
        None => None,
    };
    let mut l = Listing::new(&[
        "seq",
        "control_id",
        "service",
        "status",
        "note",
        "system",
        "by",
        "at",
        "source",
    ])
    .numeric(&["seq"]);
    for r in cat.assessment_history(control.as_deref())? {
        l.push(vec![
            r.seq.to_string(),
            r.control_id,
            r.service.unwrap_or_default(),
            r.status,
            r.note,
            r.system,
            r.by,
            r.at,
            r.source,
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg.note("no assessment recorded");
    }
    l.print(&args.out)?;
    Ok(0)
}

/// Header synonyms of the assessment import, compared ignoring case, spaces and punctuation.
const FIELDS: &[(&str, &[&str])] = &[
    (
        "control_id",
        &[
            "controlid",
            "control",
            "csfid",
            "subcategory",
            "requirement",
            "id",
        ],
    ),
    ("status", &["status", "implementationstatus", "implementation"]),
    ("note", &["note", "notes", "justification", "comment", "comments"]),
    ("by", &["by", "assessedby", "assessor", "owner"]),
    ("service", &["service", "servicemodel"]),
];

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let bytes = crate::util::fs::read_regular(&args.file).map_err(|e| Error::InputMissing {
        path: args.file.clone(),
        source: e,
    })?;
    let tables = crate::import::reader::read_tables(&args.file)?;
    // The header row: the first row (of the chosen sheet) naming a control and a status column.
    let mut found = None;
    for t in &tables {
        if let Some(s) = &args.sheet {
            if !t.sheet.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(s)) {
                continue;
            }
        }
        for (i, (_, cells)) in t.rows.iter().enumerate().take(30) {
            let mut cols: HashMap<&str, usize> = HashMap::new();
            for (c, h) in cells.iter().enumerate() {
                let k = header_key(h);
                if let Some((f, _)) = FIELDS.iter().find(|(_, syn)| syn.contains(&k.as_str())) {
                    cols.entry(f).or_insert(c);
                }
            }
            if cols.contains_key("control_id") && cols.contains_key("status") {
                found = Some((t, i, cols));
                break;
            }
        }
        if found.is_some() {
            break;
        }
    }
    let Some((t, h, cols)) = found else {
        return Err(Error::Data(format!(
            "{}: no header row with a control column (Control ID, Control, CSF ID, Subcategory) and a status column (Status, Implementation Status){}",
            args.file.display(),
            args.sheet
                .as_ref()
                .map(|s| format!(" in sheet `{s}`"))
                .unwrap_or_default()
        )));
    };
    let mut cat = ctx.open()?;
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let header = &t.rows[h].1;
    let default_by = whoami(args.by.as_deref());
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut seen: HashMap<(String, Option<Service>), usize> = HashMap::new();
    for (row_no, row) in &t.rows[h + 1..] {
        let get = |f: &str| {
            cols.get(f)
                .and_then(|c| row.get(*c))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        if FIELDS.iter().all(|(f, _)| get(f).is_empty()) {
            continue;
        }
        let mut bad = |f: &str, value: &str, message: String| {
            problems.push(Problem {
                location: Location {
                    file: t.file.clone(),
                    sheet: t.sheet.clone(),
                    row: Some(*row_no),
                    column: cols.get(f).and_then(|c| header.get(*c)).cloned(),
                },
                value: Some(value.to_string()),
                message,
            });
        };
        let control = match resolver.subcategories_for(get("control_id"), Legacy::Refuse("")) {
            Ok(found) => found.ids.into_iter().next(),
            Err(m) => {
                bad("control_id", get("control_id"), m);
                None
            }
        };
        let status = match get("status").parse::<Status>() {
            Ok(s) => Some(s),
            Err(m) => {
                bad("status", get("status"), m);
                None
            }
        };
        let service = if get("service").is_empty() {
            None
        } else {
            match get("service").parse::<Service>() {
                Ok(s) => Some(s),
                Err(m) => {
                    bad("service", get("service"), m);
                    None
                }
            }
        };
        if status == Some(Status::NotApplicable) && get("note").is_empty() {
            bad(
                "note",
                "",
                "not-applicable needs a justification in the note column".into(),
            );
            continue;
        }
        if let (Some(c), Some(s)) = (control, status) {
            if let Some(first) = seen.insert((c.clone(), service), *row_no) {
                bad(
                    "control_id",
                    get("control_id"),
                    format!("{c} is already assessed on row {first}"),
                );
                continue;
            }
            records.push(NewAssessment {
                control_id: c,
                service,
                status: s,
                note: get("note").to_string(),
                by: if get("by").is_empty() {
                    default_by.clone()
                } else {
                    get("by").to_string()
                },
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: t.file.clone(),
            problems,
        });
    }
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = format!("import {name} ({})", crate::util::sha256_hex(&bytes));
    ctx.msg
        .note(format!("{name}: {} assessment rows valid", records.len()));
    if args.dry_run {
        ctx.msg.note("dry run: nothing was recorded");
        return Ok(0);
    }
    let system = system_in_scope(&cat)?;
    cat.record_assessments(&system, &source, &records)?;
    ctx.msg.note(format!("recorded {} assessments", records.len()));
    Ok(0)
}
