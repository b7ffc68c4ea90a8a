//! The command line: argument types, help text, and dispatch to one module per subcommand.
//!
//! This module chooses what to run and talks to people; it holds no SQL (that is
//! `catalogue`), parses no files (that is `import`) and writes none itself (that is `export`).

mod assess;
mod attestation;
mod check;
mod columns;
mod completions;
mod control;
mod control_cell;
mod crosswalk;
mod evidence;
mod export;
mod frameworks;
mod init;
mod mapping;
mod matrix;
mod oscal;
mod ownership;
mod plan;
mod profile;
mod review;
mod scope;
mod status;
mod template;
mod values;
mod verify;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::output::Messages;

#[cfg(test)]
/// Exit codes, shown in `--help` and docs/reference.md.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0   success
  1   failure not listed below (also a failed verification or check)
  2   usage error
  65  bad input data (nothing was changed)
  66  input file missing or unreadable
  73  output cannot be created
  74  I/O error
  75  catalogue busy (locked by another writer past the timeout)
  130 interrupted by SIGINT (143 SIGTERM, 129 SIGHUP: 128 + the signal); what was staged
      is removed";

const TOP_HELP: &str = "\
Examples:
  csfkit controls --function PR               list the Protect subcategories
  csfkit control gv.oc-1                      one control in full (IDs are forgiving)
  csfkit control PR.AC-1                      a CSF 1.1 ID shows its CSF 2.0 successors
  csfkit controls --format csv > csf.csv      the catalogue for a spreadsheet
  csfkit framework import csf2.xlsx           load a newer NIST export

The catalogue is a SQLite file (--db, CSFKIT_DB, default ./csfkit.db), created on first use
with the embedded NIST CSF 2.0 and 1.1 catalogues.

Exit codes:
  0   success
  1   failure not listed below (also a failed verification or check)
  2   usage error
  65  bad input data (nothing was changed)
  66  input file missing or unreadable
  73  output cannot be created
  74  I/O error
  75  catalogue busy (locked by another writer past the timeout)
  130 interrupted by SIGINT (143 SIGTERM, 129 SIGHUP: 128 + the signal); what was staged
      is removed";

/// csfkit: the NIST Cybersecurity Framework catalogue, shared-responsibility ownership,
/// evidence and audit-ready exports, for compliance officers.
#[derive(Debug, Parser)]
#[command(name = "csfkit", version, about, after_help = TOP_HELP, max_term_width = 100)]
pub(crate) struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct GlobalArgs {
    /// The catalogue file (created on first use).
    #[arg(
        long,
        global = true,
        env = "CSFKIT_DB",
        default_value = "csfkit.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,
    /// The profile to read and write (default: the one `csfkit profile use` chose, else
    /// `default`).
    #[arg(long, global = true, env = "CSFKIT_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create the catalogue and load the embedded frameworks (safe to run again).
    Init(init::Args),
    /// List the loaded frameworks with version, source and counts.
    Frameworks(frameworks::ListArgs),
    /// Import or compare framework catalogues.
    #[command(subcommand)]
    Framework(frameworks::FrameworkCommand),
    /// List subcategories with their function and category.
    Controls(control::ListArgs),
    /// Show one control in full: text, examples, references, CSF 1.1/2.0 links.
    Control(control::ShowArgs),
    /// The CSF 2.0 subcategories citing each SP 800-53, ISO 27001, CCM or CSF 1.1 control.
    Crosswalk(crosswalk::Args),
    /// List the providers whose responsibility matrices are loaded.
    Providers(mapping::ProvidersArgs),
    /// Import or export a provider's responsibility matrix.
    #[command(subcommand)]
    Mapping(mapping::MappingCommand),
    /// Record or show what is being assessed: system, provider, service models.
    #[command(subcommand)]
    Scope(scope::ScopeCommand),
    /// Every control's ownership per service model, effective ownership and responsibilities.
    Matrix(matrix::Args),
    /// Override a control's ownership with a recorded reason; show the history.
    #[command(subcommand)]
    Ownership(ownership::OwnershipCommand),
    /// Record a control's implementation status; `assess history`, `assess import FILE`.
    Assess(assess::Args),
    /// Record how and when a gap will be closed; `plan list`, `plan import FILE`.
    Plan(plan::Args),
    /// Record an assessor's results from a package's workbook (Test results); list them.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Organizational Profiles (NIST SP 1301): create, list, show, use; outcomes and Tiers.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Record the provider attestations behind inherited controls (SOC 2, ISO 27001); list them.
    #[command(subcommand)]
    Attestation(attestation::AttestationCommand),
    /// Import evidence from spreadsheets; list it, show one row, list import batches.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// Write an import template (evidence tracker as xlsx or csv).
    #[command(subcommand)]
    Template(template::TemplateCommand),
    /// Write the audit package: PDF report, CSV matrix, evidence index, gaps, hash manifest.
    Export(export::ExportArgs),
    /// Write OSCAL 1.2.1 documents: catalog, component definition, assessment results.
    #[command(subcommand)]
    Oscal(oscal::OscalCommand),
    /// Evidence coverage of the scope in the terminal; `--fail-on-gaps` for pipelines.
    Status(status::StatusArgs),
    /// Check every file of an audit package against its manifest (exit 1 if any differs).
    Verify(verify::VerifyArgs),
    /// Check the catalogue: SQLite integrity and the hash chains of its history.
    Check(check::CheckArgs),
    /// Write a consistent, checked copy of the catalogue (never overwrites).
    Backup(check::BackupArgs),
    /// Print a shell completion script.
    Completions(completions::Args),
}

/// What every command gets: the global options and the message sink.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// Global options.
    pub global: GlobalArgs,
    /// Messages on stderr.
    pub msg: Messages,
}

impl Ctx {
    /// Opens the catalogue, creating it on first use, and says so on stderr; reads and writes
    /// the profile in use (`--profile`, else the one `profile use` chose, else `default`).
    pub(crate) fn open(&self) -> Result<Catalogue> {
        let mut cat = self.open_any_profile()?;
        self.use_profile(&mut cat)?;
        Ok(cat)
    }

    /// Opens the catalogue like [`Ctx::open`] on the default profile, whatever `--profile`
    /// says (the `profile` commands, which name the profile themselves).
    pub(crate) fn open_any_profile(&self) -> Result<Catalogue> {
        let opened = Catalogue::open(&self.global.db, &crate::embedded::defaults())?;
        Ok(self.opened(opened))
    }

    /// Turns to the profile in use: `--profile` (or `CSFKIT_PROFILE`), else the one
    /// `profile use` chose; an unknown name is refused, naming the profiles there are.
    pub(crate) fn use_profile(&self, cat: &mut Catalogue) -> Result<()> {
        let name = match &self.global.profile {
            Some(n) => Some(n.clone()),
            None => cat.profile_chosen()?,
        };
        if let Some(n) = name {
            let p = cat.profile_named(&n)?;
            cat.use_profile(p.id);
        }
        Ok(())
    }

    /// Opens an existing catalogue (migrating it if needed), never creating one: `check` and
    /// `backup` on a mistyped path say there is no catalogue there (exit 66).
    pub(crate) fn open_existing(&self) -> Result<Catalogue> {
        let opened = Catalogue::open_existing(&self.global.db, &crate::embedded::defaults())?;
        Ok(self.opened(opened))
    }

    fn opened(&self, (cat, report): (Catalogue, crate::catalogue::OpenReport)) -> Catalogue {
        if report.created {
            self.msg.note(format!(
                "created catalogue `{}` with {}",
                self.global.db.display(),
                report.loaded.join(", ")
            ));
        } else if !report.loaded.is_empty() {
            self.msg.note(format!(
                "updated the embedded data in `{}`: {}",
                self.global.db.display(),
                report.loaded.join(", ")
            ));
        }
        cat
    }
}

/// Who is acting: `--by` if given, else the OS user, else `unknown`.
pub(crate) fn whoami(by: Option<&str>) -> String {
    if let Some(b) = by.map(str::trim).filter(|b| !b.is_empty()) {
        return b.to_string();
    }
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(|| {
            // No login variables (cron, containers): ask the system.
            std::process::Command::new("id")
                .arg("-un")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// `--framework` of the imports: a framework whose IDs csfkit maps onto CSF 2.0.
pub(crate) fn ref_framework(s: &str) -> std::result::Result<crate::model::crosswalk::RefFramework, String> {
    s.parse().map_err(|e: crate::error::ValueError| e.message)
}

/// A date option such as `--due`: YYYY-MM-DD exactly (`util::parse_date_arg`).
pub(crate) fn date(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    crate::util::parse_date_arg(s)
}

/// `--as-of`: a date from 1900-01-01 to 2999-12-31, what every output can write
/// (`util::parse_as_of`).
pub(crate) fn as_of_date(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    crate::util::parse_as_of(s)
}

/// The point in time a command that takes `--as-of` reads the catalogue at: the end of the
/// date given (or of `CSFKIT_TODAY`), leaving out what was recorded after it; without either,
/// the catalogue as it is now, judged at today's date.
pub(crate) fn point_in_time(given: Option<chrono::NaiveDate>) -> Result<crate::catalogue::AsOf> {
    use crate::catalogue::AsOf;
    let fixed = match given {
        Some(d) => Some(d),
        None => crate::util::fixed_today()?,
    };
    Ok(match fixed {
        Some(d) => AsOf::end_of(d),
        None => AsOf::now(crate::util::today()?),
    })
}

/// Opens the catalogue for a command that only reads, standing at `point` (see
/// [`point_in_time`]).
pub(crate) fn open_at(ctx: &Ctx, point: crate::catalogue::AsOf) -> Result<Catalogue> {
    let mut cat = ctx.open()?;
    cat.stand_at(point);
    Ok(cat)
}

/// `--stale-days`: a whole number of days, 0 or more.
pub(crate) fn stale_days(s: &str) -> std::result::Result<i64, String> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|d| *d >= 0)
        .ok_or_else(|| "expected a whole number of days, 0 or more".to_string())
}

/// `--manifest-sha256`: 64 hexadecimal digits (any case), given back in lower case.
pub(crate) fn sha256_hex(s: &str) -> std::result::Result<String, String> {
    let h = s.trim();
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(h.to_ascii_lowercase())
    } else {
        Err("expected 64 hexadecimal digits (the SHA-256 `csfkit export` printed)".into())
    }
}

/// `--delimiter` of the imports: `,` `;` `|`, or a tab written `tab`, `\t` or as itself.
pub(crate) fn delimiter(s: &str) -> std::result::Result<u8, String> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "|" => Ok(b'|'),
        "\t" | "\\t" => Ok(b'\t'),
        _ if s.eq_ignore_ascii_case("tab") => Ok(b'\t'),
        _ => Err(format!(
            "`{}` is not a delimiter csfkit reads; expected `,` `;` `|` or `tab`",
            crate::output::terminal_text(s)
        )),
    }
}

/// Runs a parsed command line.
pub(crate) fn dispatch(cli: Cli) -> Result<u8> {
    let ctx = Ctx {
        msg: Messages::new(cli.global.quiet),
        global: cli.global,
    };
    match cli.command {
        Command::Init(a) => init::run(&ctx, &a),
        Command::Frameworks(a) => frameworks::list(&ctx, &a),
        Command::Framework(c) => frameworks::run(&ctx, c),
        Command::Controls(a) => control::list(&ctx, &a),
        Command::Control(a) => control::show(&ctx, &a),
        Command::Crosswalk(a) => crosswalk::run(&ctx, &a),
        Command::Providers(a) => mapping::providers(&ctx, &a),
        Command::Mapping(c) => mapping::run(&ctx, &c),
        Command::Scope(c) => scope::run(&ctx, &c),
        Command::Matrix(a) => matrix::run(&ctx, &a),
        Command::Ownership(c) => ownership::run(&ctx, &c),
        Command::Assess(a) => assess::run(&ctx, &a),
        Command::Plan(a) => plan::run(&ctx, &a),
        Command::Review(c) => review::run(&ctx, &c),
        Command::Profile(c) => profile::run(&ctx, &c),
        Command::Attestation(c) => attestation::run(&ctx, &c),
        Command::Evidence(c) => evidence::run(&ctx, &c),
        Command::Template(c) => template::run(&ctx, &c),
        Command::Export(a) => export::export(&ctx, &a),
        Command::Oscal(c) => oscal::run(&ctx, &c),
        Command::Status(a) => status::run(&ctx, &a),
        Command::Verify(a) => verify::run(&ctx, &a),
        Command::Check(a) => check::check(&ctx, &a),
        Command::Backup(a) => check::backup(&ctx, &a),
        Command::Completions(a) => completions::run(&a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_documents_exit_codes() {
        assert!(TOP_HELP.ends_with(EXIT_CODES_HELP));
    }
}
