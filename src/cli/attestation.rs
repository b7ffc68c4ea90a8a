//! `csfkit attestation add|list`: the provider attestations (a SOC 2 Type II report, an ISO/IEC
//! 27001 certificate) behind the controls inherited from a provider, append-only and chained
//! like the other logs. An inherited control is provider-attested only while one covers its
//! service model.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;

use crate::cli::{Ctx, columns, whoami};
use crate::error::{Error, Result};
use crate::model::attestation::{NewAttestation, Standing, parse_period};
use crate::model::ownership::{join_services, parse_services};
use crate::output::{Listing, OutputArgs};

/// `csfkit attestation ...`
#[derive(Debug, Subcommand)]
pub(crate) enum AttestationCommand {
    /// Record a provider attestation: what it is, who issued it, the period it covers, its file
    /// (hashed) or URL.
    #[command(
        after_help = "Examples:\n  csfkit attestation add --provider datacrunch --type \"SOC 2 Type II\" \\\n      \
--period 2025-10-01..2026-09-30 --issuer \"Example Audit LLP\" --file reports/soc2-2026.pdf \\\n      \
--services iaas,model --bridge-until 2026-12-31\n  \
csfkit attestation add --provider digitalocean --type \"ISO/IEC 27001 certificate\" \\\n      \
--period 2025-03-01..2028-02-29 --issuer \"Example Cert GmbH\" --url https://trust.example.com/iso27001\n\n\
An attestation is in force from the first day of its period to the last day of its period or of\n\
its bridge letter (--bridge-until), whichever is later. Inherited and shared cells of its\n\
provider and service models (--services, default: every service model the provider's matrix\n\
covers) name the one in force at the as-of date; an inherited control with none is an\n\
inheritance gap (status, export), never a customer gap. A file is read only if it is a regular\n\
file, and hashed (SHA-256); an export copies it under attestations/ when it still has that\n\
hash. A URL is recorded as written, never fetched. Who (--by, else the OS user) and when are\n\
recorded, append-only and chained like the other logs (`csfkit check`)."
    )]
    Add(AddArgs),
    /// List the recorded attestations, with where each stands at a date.
    #[command(
        after_help = columns::help(
            "Examples:\n  csfkit attestation list\n  csfkit attestation list --provider datacrunch --as-of 2026-11-24 --format csv",
            columns::ATTESTATION_LIST
        )
    )]
    List(ListArgs),
}

/// Arguments of `csfkit attestation add`.
#[derive(Debug, clap::Args)]
pub(crate) struct AddArgs {
    /// The provider it attests for (see `csfkit providers`).
    #[arg(long)]
    pub provider: String,
    /// What it is: `SOC 2 Type II`, `ISO/IEC 27001 certificate`, ...
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: String,
    /// The period it covers, START..END (e.g. 2025-10-01..2026-09-30).
    #[arg(long, value_name = "START..END", value_parser = period)]
    pub period: (NaiveDate, NaiveDate),
    /// Who issued it (the audit firm, the certification body).
    #[arg(long)]
    pub issuer: String,
    /// The report or certificate as a file: read only if it is a regular file, hashed.
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "url",
        conflicts_with = "url"
    )]
    pub file: Option<PathBuf>,
    /// Where it is published: recorded as written, never fetched.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The service models it covers, comma-separated (default: every one the provider's matrix
    /// covers).
    #[arg(long)]
    pub services: Option<String>,
    /// The last day a bridge letter carries it past its period.
    #[arg(long, value_name = "DATE", value_parser = crate::cli::date)]
    pub bridge_until: Option<NaiveDate>,
    /// A note: its scope, exceptions, the complementary user entity controls it names.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Who records it (default: the OS user).
    #[arg(long)]
    pub by: Option<String>,
}

/// Arguments of `csfkit attestation list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// Only this provider's.
    #[arg(long)]
    provider: Option<String>,
    /// Judge where each stands at this date (default: today, or CSFKIT_TODAY).
    #[arg(long, value_name = "DATE", value_parser = crate::cli::as_of_date)]
    as_of: Option<NaiveDate>,
    #[command(flatten)]
    out: OutputArgs,
}

fn period(s: &str) -> std::result::Result<(NaiveDate, NaiveDate), String> {
    parse_period(s)
}

/// Runs `csfkit attestation ...`.
pub(super) fn run(ctx: &Ctx, cmd: &AttestationCommand) -> Result<u8> {
    match cmd {
        AttestationCommand::Add(a) => add(ctx, a),
        AttestationCommand::List(a) => list(ctx, a),
    }
}

fn required(flag: &str, v: &str, what: &str) -> Result<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(Error::Usage(format!("{flag} must name {what}")));
    }
    Ok(t.to_string())
}

fn add(ctx: &Ctx, args: &AddArgs) -> Result<u8> {
    let kind = required(
        "--type",
        &args.kind,
        "what the attestation is (e.g. \"SOC 2 Type II\")",
    )?;
    let issuer = required("--issuer", &args.issuer, "who issued the attestation")?;
    let (start, end) = args.period;
    if let Some(b) = args.bridge_until.filter(|b| *b < end) {
        return Err(Error::Usage(format!(
            "--bridge-until {b} is before the period's end {end}; a bridge letter carries an attestation past its period: expected a date on or after {end}"
        )));
    }
    let url = match &args.url {
        Some(u) => {
            let u = u.trim();
            if !u.contains("://") || u.chars().any(char::is_whitespace) {
                return Err(Error::Usage(format!(
                    "--url `{u}` is not a URL; expected e.g. https://trust.example.com/soc2 (or --file PATH for a file)"
                )));
            }
            Some(u.to_string())
        }
        None => None,
    };
    // The file is read and hashed before the catalogue is opened.
    let file = match &args.file {
        Some(path) => {
            let missing = |e| Error::InputMissing {
                path: path.clone(),
                source: e,
            };
            let f = crate::util::fs::open_regular(path, true).map_err(missing)?;
            let (sha, size) = crate::util::hash_reader(f).map_err(missing)?;
            let absolute = std::fs::canonicalize(path).map_err(missing)?;
            Some((absolute.display().to_string(), sha, size))
        }
        None => None,
    };
    let mut cat = ctx.open()?;
    let provider = cat.provider(&args.provider)?;
    let services = match &args.services {
        Some(s) => parse_services(s).map_err(|e| Error::Usage(format!("--services: {}", e.message)))?,
        None => provider.services.clone(),
    };
    for s in &services {
        if !provider.services.contains(s) {
            return Err(Error::NoServiceMatrix {
                provider: provider.id.clone(),
                service: s.to_string(),
                covers: join_services(&provider.services),
            });
        }
    }
    let location = match (&args.file, &url) {
        (Some(p), _) => p.display().to_string(),
        (None, Some(u)) => u.clone(),
        (None, None) => return Err(Error::Usage("give --file PATH or --url URL".into())),
    };
    let new = NewAttestation {
        provider: provider.id.clone(),
        kind,
        period: (start, end),
        issuer,
        services: services.clone(),
        bridge_until: args.bridge_until,
        location,
        file: file.clone(),
        note: args.note.trim().to_string(),
        by: whoami(args.by.as_deref()),
    };
    let seq = cat.record_attestation(&new)?;
    let recorded = cat
        .attestations(Some(&provider.id))?
        .into_iter()
        .find(|a| a.seq == seq)
        .ok_or_else(|| Error::Bug(format!("attestation {seq} vanished after it was recorded")))?;
    ctx.msg.note(format!(
        "recorded {} for {} {}{}",
        recorded.label(),
        provider.id,
        join_services(&services),
        file.as_ref()
            .map(|(_, sha, size)| format!(" (file SHA-256 {sha}, {size} bytes)"))
            .unwrap_or_default()
    ));
    let today = crate::util::today()?;
    match recorded.standing(today) {
        Standing::InForce => {}
        Standing::Ended => ctx.msg.warn(format!(
            "it ended on {} (before {today}): inherited controls it covers are inheritance gaps at today's date",
            recorded.stands_until()
        )),
        Standing::NotYet => ctx.msg.warn(format!(
            "its period begins on {start}, after {today}: it is not in force yet"
        )),
    }
    Ok(0)
}

fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    // The catalogue as it stood at the end of --as-of: an attestation recorded later is not
    // listed, like every record of a point in time.
    let point = crate::cli::point_in_time(args.as_of)?;
    let cat = crate::cli::open_at(ctx, point)?;
    if let Some(p) = &args.provider {
        cat.provider(p)?;
    }
    let as_of = point.date();
    let mut l = Listing::of(columns::ATTESTATION_LIST);
    for a in cat.attestations(args.provider.as_deref())? {
        l.push(a.cells(as_of, None));
    }
    if l.rows.is_empty() {
        ctx.msg.note(
            "no attestation recorded; `csfkit attestation add --provider P --type T --period START..END --issuer NAME --file PATH` records one",
        );
    }
    l.print(&args.out)?;
    Ok(0)
}
