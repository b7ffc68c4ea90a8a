//! `csfkit providers`, `csfkit mapping import`, `csfkit mapping export`: the responsibility
//! matrices, shipped or brought by the user (csfkit layout, FedRAMP CRM, CSA CCM).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use crate::catalogue::{Catalogue, ProviderMeta};
use crate::cli::Ctx;
use crate::embedded::DEFAULT_FRAMEWORK;
use crate::error::{Error, Location, Problem, Result};
use crate::import::header::header_key;
use crate::import::ids::{Legacy, Resolver};
use crate::import::reader::RawTable;
use crate::mapping::{self, Answers, ccm_answer, ccm_key, fedramp_answer, sp800_53_key};
use crate::model::ownership::{Cell, Ownership, Service, join_services};
use crate::output::{Listing, OutputArgs};
use crate::util::sha256_hex;

/// Arguments of `csfkit providers`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit providers\n  csfkit providers --format json\n\n\
CSV/JSON columns: id, name, services, cells, layout, origin, source, source_sha256, loaded_at."
)]
pub struct ProvidersArgs {
    #[command(flatten)]
    out: OutputArgs,
}

/// `csfkit mapping ...`
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Import a provider's responsibility matrix (csfkit layout, FedRAMP CRM or CSA CCM workbook).
    #[command(
        after_help = "Examples:\n  csfkit mapping import acme.csv --provider acme\n  \
csfkit mapping import crm.xlsx --provider govcloud --layout fedramp-crm --sheet \"Moderate CRM Worksheet\" --service saas\n  \
csfkit mapping import CCMv4.0.5.xlsx --provider examplecsp --layout csa-ccm\n  \
csfkit mapping import acme.xlsx --provider acme --dry-run\n\n\
Layouts:\n  csfkit       control_id, service_model, ownership, basis, citation, provider_responsibility,\n               \
customer_responsibility (CSV or any spreadsheet); what `mapping export` writes.\n  \
fedramp-crm  FedRAMP Rev 5 CIS/CRM workbook, `<Baseline> CRM Worksheet` sheets (Control ID | Can Be\n               \
Inherited from CSP | Specific Inheritance and Customer Agency/CSP Responsibilities); needs --service.\n  \
csa-ccm      CSA Cloud Controls Matrix v4 workbook, sheet CCM (Control ID and IaaS/PaaS/SaaS ownership).\n\
FedRAMP and CCM answers are projected onto CSF 2.0 through the informative references of the NIST\n\
export: inherited if every answered referenced control is Yes/CSP-owned, customer if every one is\n\
No/CSC-owned, shared otherwise, undetermined (reported) if none is answered.\n\
Nothing is written unless the whole file is valid."
    )]
    Import(ImportArgs),
    /// Write a provider's matrix in the csfkit layout (CSV); `mapping import` reads it back.
    #[command(
        after_help = "Examples:\n  csfkit mapping export --provider datacrunch > datacrunch.csv\n  \
csfkit mapping export --provider acme --out acme.csv"
    )]
    Export(ExportArgs),
}

/// Matrix file layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layout {
    /// The csfkit matrix layout.
    Csfkit,
    /// FedRAMP Rev 5 CRM workbook.
    FedrampCrm,
    /// CSA Cloud Controls Matrix v4 workbook.
    CsaCcm,
}

impl Layout {
    fn as_str(self) -> &'static str {
        match self {
            Layout::Csfkit => "csfkit",
            Layout::FedrampCrm => "fedramp-crm",
            Layout::CsaCcm => "csa-ccm",
        }
    }
}

/// Arguments of `csfkit mapping import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The matrix file.
    pub file: PathBuf,
    /// Provider identifier to store it under (lower-case letters, digits, `-`).
    #[arg(long)]
    pub provider: String,
    /// Display name (default: the identifier).
    #[arg(long)]
    pub name: Option<String>,
    /// File layout (default: detected from the headers).
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Sheet to read (spreadsheets).
    #[arg(long)]
    pub sheet: Option<String>,
    /// The service model the matrix describes, for layouts without service-model columns (FedRAMP CRM).
    #[arg(long, value_enum)]
    pub service: Option<Service>,
    /// Validate and report, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `csfkit mapping export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The provider to export.
    #[arg(long)]
    pub provider: String,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `csfkit providers`.
pub fn providers(ctx: &Ctx, args: &ProvidersArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let mut l = Listing::new(&[
        "id",
        "name",
        "services",
        "cells",
        "layout",
        "origin",
        "source",
        "source_sha256",
        "loaded_at",
    ])
    .numeric(&["cells"])
    .hide_in_table(&["source_sha256", "loaded_at"]);
    for p in cat.providers()? {
        l.push(vec![
            p.id,
            p.name,
            join_services(&p.services),
            p.cells.to_string(),
            p.layout,
            p.origin,
            p.source,
            p.source_sha256,
            p.loaded_at,
        ]);
    }
    l.print(&args.out)?;
    Ok(0)
}

/// Runs `csfkit mapping ...`.
pub fn run(ctx: &Ctx, cmd: &MappingCommand) -> Result<u8> {
    match cmd {
        MappingCommand::Import(a) => import(ctx, a),
        MappingCommand::Export(a) => export(ctx, a),
    }
}

fn export(ctx: &Ctx, args: &ExportArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let p = cat.provider(&args.provider)?;
    let cells = cat.cells(&p.id, &Service::ALL)?;
    match &args.out {
        Some(path) => {
            let mut buf = Vec::new();
            mapping::write_csfkit(&cells, &mut buf)?;
            std::fs::write(path, buf).map_err(|e| Error::CantCreate {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            ctx.msg.note(format!(
                "wrote {} cells of `{}` to {}",
                cells.len(),
                p.id,
                path.display()
            ));
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            mapping::write_csfkit(&cells, &mut out)?;
            out.flush()?;
        }
    }
    Ok(0)
}

fn valid_provider_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    if !valid_provider_id(&args.provider) {
        return Err(Error::Usage(format!(
            "--provider `{}`: use lower-case letters, digits and `-` (e.g. `acme-cloud`); put the display name in --name",
            args.provider
        )));
    }
    let bytes = crate::util::fs::read_regular(&args.file).map_err(|e| Error::InputMissing {
        path: args.file.clone(),
        source: e,
    })?;
    let tables = crate::import::reader::read_tables(&args.file)?;
    let layout = match args.layout {
        Some(l) => l,
        None => detect_layout(&tables).ok_or_else(|| {
            Error::Data(format!(
                "{}: cannot tell the layout from the headers; pass --layout csfkit|fedramp-crm|csa-ccm",
                args.file.display()
            ))
        })?,
    };
    let mut cat = ctx.open()?;
    let (cells, sheet) = match layout {
        Layout::Csfkit => import_csfkit(&cat, &tables, args.sheet.as_deref())?,
        Layout::FedrampCrm => {
            let service = args.service.ok_or_else(|| {
                Error::Usage(
                    "a FedRAMP CRM describes one service model: pass --service (bare-metal, iaas, paas, saas or model)"
                        .into(),
                )
            })?;
            import_fedramp(&cat, &tables, args.sheet.as_deref(), service)?
        }
        Layout::CsaCcm => import_ccm(&cat, &tables, args.sheet.as_deref())?,
    };
    let mut services: Vec<Service> = cells.iter().map(|c| c.service).collect();
    services.sort();
    services.dedup();
    report(ctx, &cat, &cells, &services)?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = ProviderMeta {
        id: args.provider.clone(),
        name: args.name.clone().unwrap_or_else(|| args.provider.clone()),
        services: services.clone(),
        source: match &sheet {
            Some(s) => format!("{file_name} (sheet {s})"),
            None => file_name,
        },
        source_sha256: sha256_hex(&bytes),
        layout: layout.as_str().to_string(),
    };
    if args.dry_run {
        ctx.msg
            .note(format!("dry run: provider `{}` was not changed", meta.id));
        return Ok(0);
    }
    let existed = cat.providers()?.iter().any(|p| p.id == meta.id);
    cat.replace_provider(&meta, &cells)?;
    ctx.msg.note(format!(
        "{} provider `{}`: {} cells for {}",
        if existed { "replaced" } else { "imported" },
        meta.id,
        cells.len(),
        join_services(&services)
    ));
    Ok(0)
}

fn detect_layout(tables: &[RawTable]) -> Option<Layout> {
    for t in tables {
        if t.find_header(&mapping::CSFKIT_HEADER).is_some() {
            return Some(Layout::Csfkit);
        }
    }
    for t in tables {
        if t.find_header(&["Control ID", "Can Be Inherited from CSP"])
            .is_some()
        {
            return Some(Layout::FedrampCrm);
        }
    }
    tables
        .iter()
        .any(|t| ccm_header(t).is_some())
        .then_some(Layout::CsaCcm)
}

fn pick<'a>(
    tables: &'a [RawTable],
    sheet: Option<&str>,
    fits: impl Fn(&RawTable) -> bool,
    what: &str,
) -> Result<&'a RawTable> {
    if let Some(name) = sheet {
        return tables
            .iter()
            .find(|t| {
                t.sheet
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(name.trim()))
            })
            .ok_or_else(|| {
                Error::Data(format!(
                    "no sheet `{name}`; sheets: {}",
                    tables
                        .iter()
                        .filter_map(|t| t.sheet.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
    }
    let fitting: Vec<&RawTable> = tables.iter().filter(|t| fits(t)).collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::Data(format!(
            "{}: no sheet has the {what} header",
            tables.first().map_or("", |t| t.file.as_str())
        ))),
        many => Err(Error::Usage(format!(
            "several sheets hold a {what}: {}; choose one with --sheet",
            many.iter()
                .filter_map(|t| t.sheet.clone())
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn import_csfkit(
    cat: &Catalogue,
    tables: &[RawTable],
    sheet: Option<&str>,
) -> Result<(Vec<Cell>, Option<String>)> {
    let t = pick(
        tables,
        sheet,
        |t| t.find_header(&mapping::CSFKIT_HEADER).is_some(),
        "csfkit matrix",
    )?;
    let resolver = Resolver::load(cat, DEFAULT_FRAMEWORK)?;
    let resolve = |s: &str| {
        resolver
            .subcategories_for(s, Legacy::Refuse(" (a matrix needs CSF 2.0 subcategories)"))
            .map(|found| found.ids.into_iter().next().unwrap_or_default())
    };
    let cells = mapping::parse_csfkit(t, &resolve).map_err(|problems| Error::Invalid {
        file: t.file.clone(),
        problems,
    })?;
    Ok((cells, t.sheet.clone()))
}

/// (column of Control ID, header row index, column of the answer, column of the text)
fn fedramp_header(t: &RawTable) -> Option<(usize, usize, usize, Option<usize>)> {
    let (h, cols) = t.find_header(&["Control ID", "Can Be Inherited from CSP"])?;
    let text = t.rows[h]
        .1
        .iter()
        .position(|c| header_key(c).starts_with("specificinheritance"));
    Some((h, cols[0], cols[1], text))
}

fn import_fedramp(
    cat: &Catalogue,
    tables: &[RawTable],
    sheet: Option<&str>,
    service: Service,
) -> Result<(Vec<Cell>, Option<String>)> {
    // Prefer the worksheet that was actually filled in when several baselines are present.
    let answered = |t: &RawTable| {
        fedramp_header(t).is_some_and(|(h, _, a, _)| {
            t.rows[h + 1..]
                .iter()
                .any(|(_, r)| r.get(a).is_some_and(|v| !v.trim().is_empty()))
        })
    };
    let t = if sheet.is_none() && tables.iter().filter(|t| answered(t)).count() == 1 {
        tables.iter().find(|t| answered(t)).unwrap_or(&tables[0])
    } else {
        pick(tables, sheet, |t| fedramp_header(t).is_some(), "FedRAMP CRM")?
    };
    let Some((h, id_col, ans_col, text_col)) = fedramp_header(t) else {
        return Err(Error::Data(format!(
            "{}{}: no header row with `Control ID` and `Can Be Inherited from CSP`",
            t.file,
            t.sheet
                .as_deref()
                .map(|s| format!(", sheet `{s}`"))
                .unwrap_or_default()
        )));
    };
    let mut answers = Answers::default();
    let mut problems = Vec::new();
    let header = &t.rows[h].1;
    for (row_no, row) in &t.rows[h + 1..] {
        let id = row.get(id_col).map(|s| s.trim()).unwrap_or("");
        if id.is_empty() {
            continue;
        }
        let loc = |col: usize| Location {
            file: t.file.clone(),
            sheet: t.sheet.clone(),
            row: Some(*row_no),
            column: header.get(col).cloned(),
        };
        let Some(key) = sp800_53_key(id) else {
            problems.push(Problem {
                location: loc(id_col),
                value: Some(id.to_string()),
                message: "expected an SP 800-53 control such as AC-2, AC-2(a), AC-2(1) or AC-2(1)(a)".into(),
            });
            continue;
        };
        answers.seen.insert(key.clone());
        let raw = row.get(ans_col).map(|s| s.as_str()).unwrap_or("");
        match fedramp_answer(raw) {
            Ok(Some(a)) => answers.parts.entry(key.clone()).or_default().push(a),
            Ok(None) => {}
            Err(m) => problems.push(Problem {
                location: loc(ans_col),
                value: Some(raw.trim().to_string()),
                message: m,
            }),
        }
        if let Some(tc) = text_col {
            let text = row.get(tc).map(|s| s.trim()).unwrap_or("");
            if !text.is_empty() {
                let v = answers.texts.entry(key).or_default();
                if !v.iter().any(|x| x == text) {
                    v.push(text.to_string());
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: t.file.clone(),
            problems,
        });
    }
    let refs = references(cat, "SP 800-53 Rev 5.2.0", sp800_53_key)?;
    let source = format!("FedRAMP CRM ({})", t.sheet.clone().unwrap_or_default());
    Ok((
        mapping::project(&refs, &answers, service, &source),
        t.sheet.clone(),
    ))
}

/// (header row index, Control ID column, [(service, column)])
/// Header row, control column, and the column of each service model.
type CcmHeader = (usize, usize, Vec<(Service, usize)>);

fn ccm_header(t: &RawTable) -> Option<CcmHeader> {
    for (i, (_, cells)) in t.rows.iter().enumerate().take(30) {
        let Some(id_col) = cells.iter().position(|c| header_key(c) == "controlid") else {
            continue;
        };
        // IaaS / PaaS / SaaS sit in the header row or in a sub-header row below it.
        for j in [i, i + 1] {
            let Some((_, row)) = t.rows.get(j) else { continue };
            let col = |name: &str| row.iter().position(|c| header_key(c) == name);
            if let (Some(a), Some(b), Some(c)) = (col("iaas"), col("paas"), col("saas")) {
                return Some((
                    j,
                    id_col,
                    vec![(Service::Iaas, a), (Service::Paas, b), (Service::Saas, c)],
                ));
            }
        }
    }
    None
}

fn import_ccm(
    cat: &Catalogue,
    tables: &[RawTable],
    sheet: Option<&str>,
) -> Result<(Vec<Cell>, Option<String>)> {
    let t = match sheet {
        Some(_) => pick(tables, sheet, |t| ccm_header(t).is_some(), "CCM")?,
        None => tables
            .iter()
            .find(|t| t.sheet.as_deref() == Some("CCM") && ccm_header(t).is_some())
            .map_or_else(|| pick(tables, None, |t| ccm_header(t).is_some(), "CCM"), Ok)?,
    };
    let Some((h, id_col, service_cols)) = ccm_header(t) else {
        return Err(Error::Data(format!(
            "{}: no CCM header (`Control ID` with IaaS, PaaS and SaaS columns)",
            t.file
        )));
    };
    let header = &t.rows[h].1;
    let mut per_service: BTreeMap<Service, Answers> = BTreeMap::new();
    let mut problems = Vec::new();
    for (row_no, row) in &t.rows[h + 1..] {
        let id = row.get(id_col).map(|s| s.trim()).unwrap_or("");
        if id.is_empty() {
            continue;
        }
        let Some(key) = ccm_key(id) else {
            problems.push(Problem {
                location: Location {
                    file: t.file.clone(),
                    sheet: t.sheet.clone(),
                    row: Some(*row_no),
                    column: Some("Control ID".into()),
                },
                value: Some(id.to_string()),
                message: "expected a CCM control ID such as IAM-01".into(),
            });
            continue;
        };
        for (service, col) in &service_cols {
            let answers = per_service.entry(*service).or_default();
            answers.seen.insert(key.clone());
            let raw = row.get(*col).map(|s| s.as_str()).unwrap_or("");
            match ccm_answer(raw) {
                Ok(Some(a)) => answers.parts.entry(key.clone()).or_default().push(a),
                Ok(None) => {}
                Err(m) => problems.push(Problem {
                    location: Location {
                        file: t.file.clone(),
                        sheet: t.sheet.clone(),
                        row: Some(*row_no),
                        column: header.get(*col).cloned(),
                    },
                    value: Some(raw.trim().to_string()),
                    message: m,
                }),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: t.file.clone(),
            problems,
        });
    }
    let refs = references(cat, "CCMv4.0", ccm_key)?;
    let mut cells = Vec::new();
    for (service, answers) in &per_service {
        cells.extend(mapping::project(&refs, answers, *service, "CSA CCM"));
    }
    // Catalogue order, then service order, like every matrix.
    let order: BTreeMap<&str, usize> = refs
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.as_str(), i))
        .collect();
    cells.sort_by_key(|c| (order.get(c.control_id.as_str()).copied(), c.service));
    Ok((cells, t.sheet.clone()))
}

/// Each active CSF 2.0 subcategory (catalogue order) with its normalised references of `source`.
fn references(
    cat: &Catalogue,
    source: &str,
    key: fn(&str) -> Option<String>,
) -> Result<Vec<(String, Vec<String>)>> {
    Ok(cat
        .references_by_source(DEFAULT_FRAMEWORK, source)?
        .into_iter()
        .map(|(c, refs)| {
            let mut keys: Vec<String> = refs.iter().filter_map(|r| key(r)).collect();
            keys.dedup();
            (c, keys)
        })
        .collect())
}

/// Prints what was mapped: counts per ownership value and service model, and what is missing.
fn report(ctx: &Ctx, cat: &Catalogue, cells: &[Cell], services: &[Service]) -> Result<()> {
    let all = Resolver::load(cat, DEFAULT_FRAMEWORK)?.subcategories().to_vec();
    for s in services {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.service == *s).collect();
        let count = |o: Ownership| mine.iter().filter(|c| c.ownership == o).count();
        ctx.msg.note(format!(
            "{s}: {} controls: {} inherited, {} shared, {} customer, {} undetermined",
            mine.len(),
            count(Ownership::Inherited),
            count(Ownership::Shared),
            count(Ownership::Customer),
            count(Ownership::Undetermined)
        ));
        let undetermined: Vec<&str> = mine
            .iter()
            .filter(|c| c.ownership == Ownership::Undetermined)
            .map(|c| c.control_id.as_str())
            .collect();
        if !undetermined.is_empty() {
            ctx.msg.warn(format!(
                "{s}: undetermined (no referenced control answered): {}",
                undetermined.join(", ")
            ));
        }
        let missing: Vec<&str> = all
            .iter()
            .filter(|id| !mine.iter().any(|c| &c.control_id == *id))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            ctx.msg.warn(format!(
                "{s}: {} of {} subcategories have no row (shown as undetermined): {}",
                missing.len(),
                all.len(),
                missing.join(", ")
            ));
        }
    }
    Ok(())
}
