//! `csfkit matrix`: every CSF 2.0 subcategory with its ownership per service model, the
//! effective ownership, responsibilities, basis and override marker.

use crate::cli::scope::ScopeArgs;
use crate::cli::{Ctx, columns};
use crate::error::{Error, Result};
use crate::model::ownership::{Ownership, Service};
use crate::output::{Column, Format, Listing, OutputArgs};
use crate::view::matrix;

/// Arguments of `csfkit matrix`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit matrix --provider datacrunch --services iaas\n  \
csfkit matrix --provider datacrunch --services iaas,model --format csv > matrix.csv\n  \
csfkit matrix --owner customer --function PR        (uses the recorded scope)\n\n\
CSV/JSON columns: control_id, title, function, category, one column per service model in scope\n\
(bare-metal, iaas, paas, saas, model: the ownership in force), effective, status (implementation\n\
status; `provider-attested` for an unassessed inherited control), status_note, overridden (the service\n\
models whose cell is overridden), basis, provider_responsibility, customer_responsibility,\n\
citation. When service models differ, texts read `[iaas] ... | [model] ...`.\n\
In the table an overridden cell is marked with `*`."
)]
pub struct Args {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Only controls whose effective ownership is this.
    #[arg(long, value_enum)]
    owner: Option<Ownership>,
    /// Only this function, e.g. GV.
    #[arg(long)]
    function: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

fn service_column(s: Service) -> &'static str {
    s.as_str()
}

/// Runs `csfkit matrix`.
pub fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let cat = ctx.open()?;
    let scope = args.scope.resolve(&cat)?;
    let m = matrix::build(&cat, &scope.provider, &scope.services)?;
    let function = match &args.function {
        Some(f) => {
            let p = crate::ids::parse(f).map_err(|e| Error::Usage(format!("--function `{f}`: {e}")))?;
            Some(p.function)
        }
        None => None,
    };
    let columns: Vec<Column> = columns::MATRIX_LEAD
        .iter()
        .copied()
        .chain(scope.services.iter().map(|s| Column::text(service_column(*s))))
        .chain(columns::MATRIX_TAIL.iter().copied())
        .collect();
    let mut l = Listing::of(&columns);
    let mark = args.out.format == Format::Table;
    let mut undetermined = 0;
    for r in &m.rows {
        if args.owner.is_some_and(|o| o != r.effective) {
            continue;
        }
        if function.as_ref().is_some_and(|f| *f != r.function) {
            continue;
        }
        if r.effective == Ownership::Undetermined {
            undetermined += 1;
        }
        let mut row = vec![
            r.control_id.clone(),
            r.title.clone(),
            r.function.clone(),
            r.category.clone(),
        ];
        for c in &r.cells {
            let star = if mark && c.r#override.is_some() { "*" } else { "" };
            row.push(format!("{}{star}", c.ownership));
        }
        row.push(r.effective.to_string());
        row.push(r.status());
        row.push(r.status_note());
        row.push(
            r.cells
                .iter()
                .filter(|c| c.r#override.is_some())
                .map(|c| c.service.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
        row.push(r.joined(|c| &c.basis));
        row.push(r.joined(|c| &c.provider_responsibility));
        row.push(r.joined(|c| &c.customer_responsibility));
        row.push(r.joined(|c| &c.citation));
        l.push(row);
    }
    l.print(&args.out)?;
    let shown = l.rows.len();
    ctx.msg.note(format!(
        "{shown} controls; provider {} ({}){}",
        m.provider.id,
        crate::model::ownership::join_services(&m.services),
        if undetermined > 0 {
            format!("; {undetermined} undetermined (the matrix does not answer them)")
        } else {
            String::new()
        }
    ));
    Ok(0)
}
