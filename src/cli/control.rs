//! `csfkit controls` (listing) and `csfkit control ID` (one control in full).

use std::collections::BTreeMap;

use crate::catalogue::{ControlDetail, ControlFilter};
use crate::cli::{Ctx, columns, control_cell};
use crate::error::{Error, Result};
use crate::ids;
use crate::import::resolve::{Resolution, Resolver};
use crate::model::crosswalk::{RefFramework, Shape, shape};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::output::{Format, Listing, OutputArgs};

/// Arguments of `csfkit controls`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = columns::help(
        "Examples:\n  csfkit controls\n  csfkit controls --function PR --format csv\n  \
csfkit controls --category gv.oc\n  csfkit controls --search encrypt\n  \
csfkit controls --framework nist-csf-1.1",
        columns::CONTROLS
    )
)]
pub(crate) struct ListArgs {
    /// Framework to list (see `csfkit frameworks`).
    #[arg(long, default_value = DEFAULT_FRAMEWORK)]
    pub framework: String,
    /// Only this function, e.g. GV.
    #[arg(long)]
    pub function: Option<String>,
    /// Only this category, e.g. GV.OC.
    #[arg(long)]
    pub category: Option<String>,
    /// Only controls whose ID, text, category or function name, or implementation examples contain TEXT (any case).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit control`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = columns::help(
        "Examples:\n  csfkit control GV.OC-01\n  csfkit control gv.oc-1\n  \
csfkit control PR.AC-1            a CSF 1.1 ID: shows its CSF 2.0 successors\n  \
csfkit control PR.AA --format json\n  csfkit control ID.AM-1 --framework nist-csf-1.1\n  \
csfkit control PR.AA-06 --provider govcloud     the cells, and the CRM rows behind them\n  \
csfkit control AC-2               the CSF 2.0 subcategories citing SP 800-53 AC-2\n  \
csfkit control 5.15 --framework iso27001        the same for ISO/IEC 27001 Annex A 5.15\n\n\
Another framework's control (SP 800-53 such as AC-2 or AC-2(1), ISO/IEC 27001 Annex A such as\n\
A.5.15, CCM such as IAM-02) lists the CSF 2.0 subcategories whose NIST informative references\n\
cite it, with their text (`csfkit crosswalk` prints the whole table).\n\n\
With --provider P (a CSF 2.0 subcategory): the provider's cell per service model as `csfkit\n\
matrix` shows it, and for a cell projected from a FedRAMP CRM or a CSA CCM workbook each\n\
referenced control with its answer and the workbook row it came from (sheet, row, ID and answer\n\
as written, the row's responsibility text). JSON adds `responsibility` to the record; CSV lists\n\
one line per row (a cell without rows: one line):",
        columns::CONTROL_SOURCES
    )
)]
pub(crate) struct ShowArgs {
    /// The control ID (any case, padding optional; CSF 1.1 IDs are resolved to CSF 2.0).
    pub id: String,
    /// Framework to look in (see `csfkit frameworks`); or sp800-53, iso27001, ccm to list the CSF
    /// 2.0 subcategories citing that framework's control.
    #[arg(long, default_value = DEFAULT_FRAMEWORK)]
    pub framework: String,
    /// Output format (table is the readable layout).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write CSV cells exactly (no ' before a cell that starts with = + - @ TAB or CR).
    #[arg(long)]
    pub raw_csv: bool,
    /// Also show this provider's cells of the subcategory, with the answers and workbook rows
    /// behind a projected cell (see `csfkit providers`).
    #[arg(long, value_name = "P")]
    pub provider: Option<String>,
}

fn level_filter(
    resolver: &crate::import::resolve::Resolver,
    input: Option<&str>,
    want: ids::Level,
    what: &str,
) -> Result<Option<String>> {
    let Some(input) = input else { return Ok(None) };
    let parsed = ids::parse(input).map_err(|e| Error::Usage(format!("--{what} `{input}`: {e}")))?;
    if parsed.level() != want {
        return Err(Error::Usage(format!(
            "--{what} `{input}`: expected a {what} such as `{}`",
            if want == ids::Level::Function {
                "GV"
            } else {
                "GV.OC"
            }
        )));
    }
    match resolver.resolve(input).map_err(|e| Error::Data(e.message))? {
        Resolution::Active(id) => Ok(Some(id)),
        Resolution::Legacy { old, successors } => Err(Error::Data(format!(
            "--{what} `{old}` is a CSF 1.1 {what}; in {} it became {}",
            resolver.framework(),
            successors.join(", ")
        ))),
    }
}

/// Runs `csfkit controls`.
pub(super) fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let resolver = Resolver::load(&cat, &args.framework)?;
    let filter = ControlFilter {
        framework: args.framework.clone(),
        function: level_filter(
            &resolver,
            args.function.as_deref(),
            ids::Level::Function,
            "function",
        )?,
        category: level_filter(
            &resolver,
            args.category.as_deref(),
            ids::Level::Category,
            "category",
        )?,
        search: args.search.clone(),
    };
    let rows = cat.controls(&filter)?;
    let mut l = Listing::of(columns::CONTROLS);
    for r in rows {
        l.push(vec![r.id, r.function, r.category, r.text]);
    }
    if l.rows.is_empty() {
        ctx.msg.note("no controls match");
    }
    l.print(&args.out)?;
    Ok(0)
}

/// Runs `csfkit control`.
pub(super) fn show(ctx: &Ctx, args: &ShowArgs) -> Result<u8> {
    let cat = ctx.open()?;
    // Another framework's control (by --framework, or by its shape): the subcategories citing it.
    let forced = args
        .framework
        .parse::<RefFramework>()
        .ok()
        .filter(|f| RefFramework::REFERENCED.contains(f));
    let default = args.framework == DEFAULT_FRAMEWORK;
    match (forced, shape(&crate::ids::clean(&args.id))) {
        (Some(_), _) | (None, Shape::Of(_)) if forced.is_some() || default => {
            let out = OutputArgs {
                format: args.format,
                raw_csv: args.raw_csv,
            };
            return crate::cli::crosswalk::cited_by(ctx, &cat, &args.id, forced, &out);
        }
        (None, Shape::Ambiguous) if default => {
            return Err(Error::Usage(format!(
                "`{}` could be ISO/IEC 27001:2022 Annex A control A.{0}; write A.{0} or pass --framework iso27001",
                args.id.trim()
            )));
        }
        _ => {}
    }
    let resolver = Resolver::load(&cat, &args.framework)?;
    let resolution = resolver.resolve(&args.id).map_err(|e| Error::Data(e.message))?;
    let detail = match &resolution {
        Resolution::Active(id) => cat.control_detail(&args.framework, id)?,
        Resolution::Legacy { old, successors } => {
            ctx.msg.note(format!(
                "`{old}` is a CSF 1.1 identifier; its CSF 2.0 successor{}: {}",
                if successors.len() == 1 { " is" } else { "s are" },
                successors.join(", ")
            ));
            match cat.control_detail("nist-csf-1.1", old)? {
                Some(d) => Some(d),
                None => cat.control_detail(
                    &args.framework,
                    &ids::parse(old).map(|p| p.csf2()).unwrap_or_default(),
                )?,
            }
            .map(|mut d| {
                if d.successors.is_empty() {
                    d.successors = successors
                        .iter()
                        .map(|s| crate::catalogue::Linked {
                            id: s.clone(),
                            relation: String::new(),
                            text: None,
                        })
                        .collect();
                }
                d
            })
        }
    };
    let Some(detail) = detail else {
        return Err(Error::Data(format!("`{}` is not in {}", args.id, args.framework)));
    };
    let cells = match &args.provider {
        None => None,
        Some(p) => {
            let subcategory = matches!(resolution, Resolution::Active(_))
                && args.framework == DEFAULT_FRAMEWORK
                && detail.level == "subcategory";
            if !subcategory {
                return Err(Error::Usage(format!(
                    "--provider shows a provider's cells of a {DEFAULT_FRAMEWORK} subcategory; `{}` is not one",
                    args.id
                )));
            }
            Some(control_cell::load(&cat, p, &detail.id)?)
        }
    };
    let mut out: Vec<u8> = Vec::new();
    match (args.format, &cells) {
        (Format::Json, _) => {
            let mut v = detail_json(&detail);
            if let (Some(c), Some(map)) = (&cells, v.as_object_mut()) {
                map.insert("responsibility".into(), c.json());
            }
            serde_json::to_writer_pretty(&mut out, &v)?;
            out.push(b'\n');
        }
        (Format::Csv, Some(c)) => c.listing().write_as(Format::Csv, args.raw_csv, &mut out)?,
        (Format::Csv, None) => detail_listing(&detail).write_as(Format::Csv, args.raw_csv, &mut out)?,
        (Format::Table, _) => {
            // For people: control characters in imported texts are shown escaped.
            out.extend_from_slice(crate::output::terminal_text(&text(&detail)).as_bytes());
            if let Some(c) = &cells {
                out.extend_from_slice(crate::output::terminal_text(&c.text()?).as_bytes());
            }
        }
    }
    crate::output::stdout_bytes(&out)?;
    Ok(0)
}

fn detail_json(d: &ControlDetail) -> serde_json::Value {
    use serde_json::json;
    let pair = |p: &Option<(String, String)>| p.as_ref().map(|(id, t)| json!({"id": id, "name": t}));
    let mut refs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (s, r) in &d.references {
        refs.entry(s.as_str()).or_default().push(r.as_str());
    }
    json!({
        "framework": d.framework,
        "id": d.id,
        "level": d.level,
        "text": d.text,
        "withdrawn": d.withdrawn,
        "function": pair(&d.function),
        "category": pair(&d.category),
        "examples": d.examples.iter().map(|(l, t)| json!({"label": l, "text": t})).collect::<Vec<_>>(),
        "references": d.references.iter().map(|(s, r)| json!({"source": s, "ref": r})).collect::<Vec<_>>(),
        "predecessors": d.predecessors,
        "successors": d.successors,
    })
}

/// One row per fact, so the whole record fits a spreadsheet: field, value.
fn detail_listing(d: &ControlDetail) -> Listing {
    let mut l = Listing::of(columns::FIELD_VALUE);
    let mut add = |f: &str, v: String| l.push(vec![f.to_string(), v]);
    add("framework", d.framework.clone());
    add("id", d.id.clone());
    add("level", d.level.clone());
    add("text", d.text.clone());
    if let Some((id, _)) = &d.function {
        add("function", id.clone());
    }
    if let Some((id, _)) = &d.category {
        add("category", id.clone());
    }
    for (lab, t) in &d.examples {
        add("example", format!("{lab}: {t}"));
    }
    for (s, r) in &d.references {
        add("reference", format!("{s}: {r}"));
    }
    for p in &d.predecessors {
        add("csf_1_1_predecessor", p.id.clone());
    }
    for s in &d.successors {
        add("csf_2_0_successor", s.id.clone());
    }
    l
}

/// One control as text for people.
fn text(d: &ControlDetail) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({})", d.id, d.framework_title);
    let _ = writeln!(out);
    if let Some((id, name)) = &d.function {
        let _ = writeln!(out, "Function   {id}  {name}");
    }
    if let Some((id, name)) = &d.category {
        let _ = writeln!(out, "Category   {id}  {name}");
    }
    if let Some(w) = &d.withdrawn {
        let _ = writeln!(out, "Withdrawn  {w}");
    }
    let _ = writeln!(out);
    if !d.text.is_empty() {
        let _ = writeln!(out, "{}", d.text);
        let _ = writeln!(out);
    }
    if !d.examples.is_empty() {
        let _ = writeln!(out, "Implementation examples");
        for (l, t) in &d.examples {
            let _ = writeln!(out, "  {l}: {t}");
        }
        let _ = writeln!(out);
    }
    if !d.references.is_empty() {
        let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (s, r) in &d.references {
            by_source.entry(s.as_str()).or_default().push(r.as_str());
        }
        let _ = writeln!(out, "Informative references ({})", d.references.len());
        for (s, rs) in by_source {
            let _ = writeln!(out, "  {s}: {}", rs.join("; "));
        }
        let _ = writeln!(out);
    }
    let linked = |out: &mut String, title: &str, items: &[crate::catalogue::Linked]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(out, "{title}");
        for i in items {
            // `reference` is the plain crosswalk line; only withdrawals are worth a tag.
            let tags: Vec<&str> = i
                .relation
                .split(", ")
                .filter(|r| !r.is_empty() && *r != "reference")
                .collect();
            let rel = if tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", tags.join(", ").replace('_', " "))
            };
            let _ = match &i.text {
                Some(t) => writeln!(out, "  {}{rel}  {t}", i.id),
                None => writeln!(out, "  {}{rel}", i.id),
            };
        }
        let _ = writeln!(out);
    };
    linked(&mut out, "CSF 1.1 predecessors", &d.predecessors);
    linked(&mut out, "CSF 2.0 successors", &d.successors);
    out
}
