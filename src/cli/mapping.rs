//! `csfkit providers`, `csfkit mapping import`, `csfkit mapping export`: the responsibility
//! matrices, shipped or brought by the user (csfkit layout, FedRAMP CRM, CSA CCM).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use crate::catalogue::{Catalogue, ProviderMeta};
use crate::cli::{Ctx, columns, values};
use crate::error::{Error, Location, Result};
use crate::export::files;
use crate::import::matrix::{Layout, detect_layout, import_ccm, import_csfkit, import_fedramp};
use crate::import::oscal;
use crate::import::resolve::Resolver;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::{Cell, Leaning, Ownership, Service, join_services};
use crate::output::{Listing, OutputArgs};
use crate::util::sha256_hex;

/// Arguments of `csfkit providers`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = columns::help(
        "Examples:\n  csfkit providers\n  csfkit providers --format json",
        columns::PROVIDERS
    )
)]
pub(crate) struct ProvidersArgs {
    #[command(flatten)]
    out: OutputArgs,
}

/// `csfkit mapping ...`
#[derive(Debug, Subcommand)]
pub(crate) enum MappingCommand {
    /// Import a provider's responsibility matrix (csfkit layout, FedRAMP CRM or CSA CCM workbook,
    /// OSCAL component definition).
    #[command(
        after_help = "Examples:\n  csfkit mapping import acme.csv --provider acme\n  \
csfkit mapping import crm.xlsx --provider govcloud --layout fedramp-crm --sheet \"Moderate CRM Worksheet\" --service saas\n  \
csfkit mapping import CCMv4.0.5.xlsx --provider examplecsp --layout csa-ccm\n  \
csfkit mapping import acme.xlsx --provider acme --dry-run\n  \
csfkit mapping import component-definition.json --provider acme --layout oscal-component\n\n\
Layouts:\n  csfkit       control_id, service_model, ownership, basis, citation, provider_responsibility,\n               \
customer_responsibility (CSV or any spreadsheet); what `mapping export` writes.\n               \
Optionally followed by a projected cell's tally: answers_yes, answers_partial,\n               \
answers_no, answers_unanswered, leaning (blank for a cell that is not a projection).\n  \
fedramp-crm  FedRAMP Rev 5 CIS/CRM workbook, `<Baseline> CRM Worksheet` sheets (Control ID | Can Be\n               \
Inherited from CSP | Specific Inheritance and Customer Agency/CSP Responsibilities); needs --service.\n  \
csa-ccm      CSA Cloud Controls Matrix v4 workbook, sheet CCM (Control ID and IaaS/PaaS/SaaS ownership).\n  \
oscal-component\n               \
OSCAL component definition (JSON, detected): one component per service model\n               \
(csfkit's service-model property, else IaaS, PaaS, SaaS, bare metal or model\n               \
endpoints in its title, else --service); control-id a CSF 2.0 subcategory\n               \
(gv.oc-01); ownership from csfkit's ownership property, else FedRAMP's\n               \
control-origination (sp-corporate, sp-system, inherited: inherited;\n               \
customer-configured, customer-provided: customer; both sides: shared).\n\
FedRAMP and CCM answers are projected onto CSF 2.0 through the informative references of the NIST\n\
export: inherited if every answered referenced control is Yes/CSP-owned, customer if every one is\n\
No/CSC-owned, shared otherwise, undetermined (reported) if none is answered. Each projected cell\n\
keeps its tally (the referenced controls by answer) and leaning: see `csfkit matrix --help`.\n\
Nothing is written unless the whole file is valid."
    )]
    Import(ImportArgs),
    /// Write a provider's matrix in the csfkit layout (CSV); `mapping import` reads it back.
    #[command(
        after_help = "Examples:\n  csfkit mapping export --provider datacrunch > datacrunch.csv\n  \
csfkit mapping export --provider acme --out acme.csv\n\n\
The tally columns (answers_yes, answers_partial, answers_no, answers_unanswered, leaning) follow\n\
the seven csfkit columns only when some cell was projected from a FedRAMP CRM or a CSA CCM; the\n\
workbook rows behind a projected cell (`csfkit control ID --provider P`) are not exported."
    )]
    Export(ExportArgs),
}

/// Arguments of `csfkit mapping import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The matrix file.
    pub file: PathBuf,
    /// Provider identifier to store it under (lower-case letters, digits, `-`).
    #[arg(long)]
    pub provider: String,
    /// Display name (default: the identifier).
    #[arg(long)]
    pub name: Option<String>,
    /// File layout (default: detected from the headers).
    #[arg(long, value_parser = values::matrix_layout())]
    pub layout: Option<Layout>,
    /// Sheet to read (spreadsheets).
    #[arg(long)]
    pub sheet: Option<String>,
    /// CSV/TSV only: the field delimiter, `,` `;` `|` or `tab` (default: the one the first
    /// lines use most outside quoted fields).
    #[arg(long, value_name = "CHAR", value_parser = crate::cli::delimiter)]
    pub delimiter: Option<u8>,
    /// The service model the matrix describes, for layouts without service-model columns (FedRAMP
    /// CRM), and for OSCAL components whose property and title name none.
    #[arg(long, value_parser = values::service())]
    pub service: Option<Service>,
    /// Validate and report, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `csfkit mapping export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The provider to export.
    #[arg(long)]
    pub provider: String,
    /// Write to FILE instead of stdout (an existing file is replaced only if it is an earlier
    /// matrix export).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write cells exactly: no ' before text that starts with = + - @ TAB or CR (`mapping
    /// import` removes the ' again either way).
    #[arg(long)]
    pub raw_csv: bool,
}

/// Runs `csfkit providers`.
pub(super) fn providers(ctx: &Ctx, args: &ProvidersArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let mut l = Listing::of(columns::PROVIDERS);
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
pub(super) fn run(ctx: &Ctx, cmd: &MappingCommand) -> Result<u8> {
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
            files::replace_check(path, &is_matrix_file, "a matrix file that")?;
            let mut buf = Vec::new();
            files::write_matrix(&cells, args.raw_csv, &mut buf)?;
            files::write_new(path, &buf)?;
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
            files::write_matrix(&cells, args.raw_csv, &mut out)?;
            out.flush().map_err(crate::output::out_err)?;
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
    // Bad data in the file as a whole.
    let in_file = |message: &str| Error::BadInput {
        at: Location::in_file(args.file.display().to_string()),
        message: message.to_string(),
    };
    let json = oscal::looks_like_json(&bytes);
    // OSCAL's XML and YAML forms: named as such, not as a spreadsheet without headers.
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    if !json
        && (args.layout == Some(Layout::OscalComponent)
            || head.contains("<component-definition")
            || head.contains("component-definition:"))
    {
        return Err(in_file(
            "not OSCAL JSON; csfkit reads OSCAL component definitions in their JSON form only: convert XML or YAML to JSON (NIST's oscal-cli does) and import that",
        ));
    }
    let oscal_file = match args.layout {
        Some(l) => l == Layout::OscalComponent,
        None => json && oscal::is_component_definition(&bytes),
    };
    if args.layout.is_none() && json && !oscal_file {
        return Err(in_file(
            "a JSON file that is not an OSCAL component definition (no `component-definition` object); matrices are read from CSV or spreadsheets, or from OSCAL component definitions",
        ));
    }
    if oscal_file && args.sheet.is_some() {
        return Err(Error::Usage(
            "--sheet is for spreadsheets; an OSCAL component definition has none".into(),
        ));
    }
    if oscal_file && args.delimiter.is_some() {
        return Err(Error::Usage(
            "--delimiter is for CSV and TSV files; an OSCAL component definition is JSON: leave --delimiter out".into(),
        ));
    }
    let tables = if oscal_file {
        Vec::new()
    } else {
        crate::import::reader::read_tables(&args.file, args.delimiter)?
    };
    let layout = match args.layout {
        Some(l) => l,
        None if oscal_file => Layout::OscalComponent,
        None => detect_layout(&tables).ok_or_else(|| {
            in_file("cannot tell the layout from the headers; pass --layout csfkit|fedramp-crm|csa-ccm|oscal-component")
        })?,
    };
    let mut cat = ctx.open()?;
    let imported = match layout {
        Layout::OscalComponent => {
            let read = oscal::import_component(&cat, &args.file.display().to_string(), &bytes, args.service)?;
            for n in &read.notes {
                ctx.msg.warn(n);
            }
            crate::import::matrix::Imported {
                cells: read.cells,
                sources: Vec::new(),
                sheet: None,
            }
        }
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
    let (cells, sheet) = (&imported.cells, &imported.sheet);
    if cells.is_empty() {
        return Err(in_file(&format!(
            "no cell to import (a header and no rows?); provider `{}` was not changed",
            args.provider
        )));
    }
    let mut services: Vec<Service> = cells.iter().map(|c| c.service).collect();
    services.sort();
    services.dedup();
    report(ctx, &cat, cells, &services)?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = ProviderMeta {
        id: args.provider.clone(),
        name: args.name.clone().unwrap_or_else(|| args.provider.clone()),
        services: services.clone(),
        source: match sheet {
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
    cat.replace_provider(&meta, cells, &imported.sources)?;
    ctx.msg.note(format!(
        "{} provider `{}`: {} cells for {}",
        if existed { "replaced" } else { "imported" },
        meta.id,
        cells.len(),
        join_services(&services)
    ));
    Ok(0)
}

/// Prints what was mapped: counts per ownership value and service model, and what is missing.
fn report(ctx: &Ctx, cat: &Catalogue, cells: &[Cell], services: &[Service]) -> Result<()> {
    let all = Resolver::load(cat, DEFAULT_FRAMEWORK)?.subcategories().to_vec();
    for s in services {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.service == *s).collect();
        let count = |o: Ownership| mine.iter().filter(|c| c.ownership == o).count();
        // A projected matrix: the shared cells by the leaning of their referenced controls.
        let leaning = |l: Leaning| {
            mine.iter()
                .filter(|c| c.ownership == Ownership::Shared)
                .filter(|c| c.tally.and_then(|t| t.leaning()) == Some(l))
                .count()
        };
        let shared = if mine.iter().any(|c| c.tally.is_some()) {
            format!(
                " ({} provider-led, {} balanced, {} customer-led)",
                leaning(Leaning::ProviderLed),
                leaning(Leaning::Balanced),
                leaning(Leaning::CustomerLed)
            )
        } else {
            String::new()
        };
        ctx.msg.note(format!(
            "{s}: {} controls: {} inherited, {} shared{shared}, {} customer, {} undetermined",
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

/// True when the file at `path` is a matrix in the csfkit layout (an earlier `mapping export`,
/// with or without the tally columns).
fn is_matrix_file(path: &std::path::Path) -> bool {
    use crate::model::ownership::{CSFKIT_HEADER, CSFKIT_TALLY_HEADER};
    let plain = CSFKIT_HEADER.iter().copied();
    let tallied = CSFKIT_HEADER.iter().chain(&CSFKIT_TALLY_HEADER).copied();
    crate::import::reader::read_tables(path, None).is_ok_and(|tables| {
        tables.len() == 1
            && tables[0].rows.first().is_some_and(|(_, r)| {
                r.iter().map(String::as_str).eq(plain) || r.iter().map(String::as_str).eq(tallied)
            })
    })
}
