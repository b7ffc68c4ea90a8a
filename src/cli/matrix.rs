//! `csfkit matrix`: every CSF 2.0 subcategory with its ownership per service model, the
//! effective ownership, responsibilities, basis and override marker.

use crate::cli::scope::ScopeArgs;
use crate::cli::{Ctx, columns, values};
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
CSV/JSON columns: control_id, title, function, category, one column per service model in\n\
scope (bare-metal, iaas, paas, saas, model: the ownership in force), effective, status\n\
(implementation status; for an unassessed inherited control `provider-attested` while a provider\n\
attestation is in force today for every service model, else `inherited, no attestation`), status_note,\n\
overridden (the service models whose cell is overridden), basis, provider_responsibility,\n\
customer_responsibility, citation, then five tally columns per service model in scope, e.g.\n\
iaas_answers_yes, iaas_answers_partial, iaas_answers_no, iaas_answers_unanswered, iaas_leaning\n\
(likewise bare_metal_, paas_, saas_, model_). When service models differ, texts read\n\
`[iaas] ... | [model] ...`.\n\n\
A cell projected from a FedRAMP CRM or a CSA CCM workbook has a tally: its subcategory's\n\
referenced controls by the provider's answer (yes = Yes/CSP-owned, partial = Partial/Shared,\n\
no = No/CSC-owned or third-party, unanswered = no row or a blank answer) and its leaning:\n\
provider-led when yes > partial + no, customer-led when no > yes + partial, else balanced;\n\
empty when nothing is answered and for cells a matrix states itself. The table shows it in the\n\
cell, numbers yes/partial/no: `shared (customer-led, 0/3/5)`, `shared (balanced, 2/1/1,\n\
3 unanswered)`, `undetermined (4 unanswered)`. `csfkit control ID --provider P` lists the\n\
answers and workbook rows behind a cell.\n\
In the table an overridden cell is marked with `*`."
)]
pub(crate) struct Args {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Only controls whose effective ownership is this.
    #[arg(long, value_parser = values::ownership())]
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

fn service_index(s: Service) -> usize {
    Service::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Runs `csfkit matrix`.
pub(super) fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let cat = ctx.open()?;
    let scope = args.scope.resolve(&cat)?;
    let mut m = matrix::build(&cat, &scope.provider, &scope.services)?;
    // An unassessed inherited control is provider-attested only while an attestation is in force.
    crate::view::claims::Claims::attestations_of(&cat)?.attach(&mut m, crate::util::today()?);
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
        .chain(
            scope
                .services
                .iter()
                .flat_map(|s| columns::MATRIX_TALLY[service_index(*s)]),
        )
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
            // The table shows the tally in the cell; CSV and JSON in their own columns.
            row.push(if mark {
                c.shown(true)
            } else {
                c.ownership.to_string()
            });
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
        for c in &r.cells {
            row.extend(crate::export::files::tally_fields(c.tally));
        }
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
