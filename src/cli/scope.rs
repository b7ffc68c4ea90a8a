//! `csfkit scope set|show`: what is being assessed (system, provider, service models), and the
//! `--provider/--services` options other commands take instead of the scope.

use clap::Subcommand;

use crate::catalogue::Catalogue;
use crate::cli::{Ctx, columns, whoami};
use crate::error::{Error, Result};
use crate::model::ownership::{join_services, parse_services};
use crate::output::{Listing, OutputArgs};
use crate::view::Scope;

/// `csfkit scope ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ScopeCommand {
    /// Record the system being assessed, its provider and the service models it uses.
    #[command(
        after_help = "Examples:\n  csfkit scope set --system \"Payments API\" --provider datacrunch --services iaas,model\n  \
csfkit scope set --system Portal --provider digitalocean --services paas,saas --by \"J. Doe\"\n\n\
Service models: bare-metal, iaas, paas, saas, model. When several are in use, a control's\n\
effective ownership is the common value if all agree, else shared."
    )]
    Set(SetArgs),
    /// Show the recorded scope.
    #[command(
        after_help = columns::help(
        "Examples:\n  csfkit scope show\n  csfkit scope show --format json",
        columns::SCOPE
    )
    )]
    Show(ShowArgs),
}

/// Arguments of `csfkit scope set`.
#[derive(Debug, clap::Args)]
pub(crate) struct SetArgs {
    /// Name of the system being assessed.
    #[arg(long)]
    pub system: String,
    /// Provider (see `csfkit providers`).
    #[arg(long)]
    pub provider: String,
    /// Service models in use, comma-separated (e.g. iaas,model).
    #[arg(long)]
    pub services: String,
    /// Who sets it (default: the OS user).
    #[arg(long)]
    pub by: Option<String>,
}

/// Arguments of `csfkit scope show`.
#[derive(Debug, clap::Args)]
pub(crate) struct ShowArgs {
    #[command(flatten)]
    out: OutputArgs,
}

/// `--provider`/`--services` for commands that need a scope.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ScopeArgs {
    /// Provider to use instead of the scope's (see `csfkit providers`).
    #[arg(long)]
    pub provider: Option<String>,
    /// Service models to use instead of the scope's, comma-separated (default with --provider:
    /// all the provider covers).
    #[arg(long)]
    pub services: Option<String>,
}

impl ScopeArgs {
    /// The options if given, else the recorded scope, else a usage error saying what to do.
    pub(crate) fn resolve(&self, cat: &Catalogue) -> Result<Scope> {
        let scope = cat.scope()?;
        let (system, provider_id) = match (&self.provider, &scope) {
            (Some(p), _) => (None, p.clone()),
            (None, Some(s)) => (Some(s.system.clone()), s.provider.clone()),
            (None, None) => {
                if let (Some(at), Some(p)) = (cat.scope_set_later()?, cat.as_of()) {
                    return Err(Error::Usage(format!(
                        "no scope as of {}: the scope was set at {at}, after that date, so the catalogue as it stood then had none; pass --provider (and --services)",
                        p.date()
                    )));
                }
                return Err(Error::Usage(
                    "no scope: pass --provider (and --services), or record one with \
                     `csfkit scope set --system NAME --provider P --services iaas`"
                        .into(),
                ));
            }
        };
        let provider = cat.provider(&provider_id)?;
        let services = match (&self.services, &self.provider, &scope) {
            (Some(s), _, _) => parse_services(s).map_err(|e| Error::Usage(e.message))?,
            (None, Some(_), _) => provider.services.clone(),
            (None, None, Some(s)) => s.services.clone(),
            (None, None, None) => provider.services.clone(),
        };
        Ok(Scope {
            system,
            provider,
            services,
        })
    }
}

/// Runs `csfkit scope ...`.
pub(super) fn run(ctx: &Ctx, cmd: &ScopeCommand) -> Result<u8> {
    match cmd {
        ScopeCommand::Set(a) => set(ctx, a),
        ScopeCommand::Show(a) => show(ctx, a),
    }
}

fn set(ctx: &Ctx, args: &SetArgs) -> Result<u8> {
    let mut cat = ctx.open()?;
    let system = args.system.trim();
    if system.is_empty() {
        return Err(Error::Usage(
            "--system must name the system being assessed".into(),
        ));
    }
    let provider = cat.provider(&args.provider)?;
    let services = parse_services(&args.services).map_err(|e| Error::Usage(e.message))?;
    for s in &services {
        if !provider.services.contains(s) {
            return Err(Error::NoServiceMatrix {
                provider: provider.id.clone(),
                service: s.to_string(),
                covers: join_services(&provider.services),
            });
        }
    }
    cat.set_scope(system, &provider.id, &services, &whoami(args.by.as_deref()))?;
    ctx.msg.note(format!(
        "scope: `{system}` on {} ({})",
        provider.name,
        join_services(&services)
    ));
    Ok(0)
}

fn show(ctx: &Ctx, args: &ShowArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let Some(s) = cat.scope()? else {
        return Err(Error::Failed(
            "no scope recorded; set one with `csfkit scope set --system NAME --provider P --services iaas`"
                .into(),
        ));
    };
    let mut l = Listing::of(columns::SCOPE);
    l.push(vec![
        s.system,
        s.provider,
        join_services(&s.services),
        s.set_by,
        s.set_at,
    ]);
    l.print(&args.out)?;
    Ok(0)
}
