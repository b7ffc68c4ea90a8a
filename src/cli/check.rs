//! `csfkit check` and `csfkit backup`: the catalogue's own integrity (SQLite's check and the
//! history chains), and a consistent copy of it.

use std::path::PathBuf;

use crate::catalogue::chain::Log;
use crate::catalogue::digest::Subject;
use crate::cli::{Ctx, columns};
use crate::error::Result;
use crate::output::{Listing, OutputArgs};

/// Arguments of `csfkit check`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = columns::help(
        "Examples:\n  csfkit check\n  csfkit --db /srv/audit/csfkit.db check --format json\n\n\
Runs SQLite's integrity_check and foreign_key_check on the catalogue file, verifies the hash\n\
chains of the ownership changes, the assessment records, the evidence import batches (with every\n\
evidence row), the remediation plans, the evidence retargets and the provider attestations, from\n\
the first record on, and recomputes the digests of\n\
the loaded data (framework texts, responsibility matrices, scope) recorded when it was stored.\n\
Exit 0 when all hold; 1 naming each row with a broken foreign key, the first broken link of each\n\
chain and each table of loaded data that changed. Never creates a catalogue: a path where there\n\
is none exits 66. What check cannot detect on its own (the newest records cut off, a consistent\n\
recomputation) --against PKG finds for the records a package made from this catalogue pinned:\n\
every log must still run through the head and length its manifest recorded and hold every record\n\
its history files list with the same link; see docs/history.md.",
        columns::CHECK
    )
)]
pub(crate) struct CheckArgs {
    /// A package made from this catalogue (folder or zip): also prove that every history log
    /// extends the head and length its manifest recorded, and still holds every record its
    /// history files list with the same link (a record removed, changed or re-chained since
    /// is named).
    #[arg(long, value_name = "PKG")]
    against: Option<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit backup`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit backup --out csfkit-2026-12-01.db\n  csfkit --db /srv/audit/csfkit.db backup --out /backups/audit.db\n\n\
Writes a consistent copy of the catalogue with SQLite's online backup, even while other csfkit\n\
commands write to it, then checks the copy (integrity_check, foreign_key_check, the history\n\
chains and the digests of the loaded data) before it is put in place. An existing\n\
file is never overwritten. To restore, stop every csfkit command, then put the copy in place of\n\
the catalogue (and remove the old catalogue's -wal and -shm files), or point --db at the copy."
)]
pub(crate) struct BackupArgs {
    /// The file to write (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Runs `csfkit check`.
pub(super) fn check(ctx: &Ctx, args: &CheckArgs) -> Result<u8> {
    // The package first: one whose files were changed pins nothing.
    let pinned = match &args.against {
        Some(p) => {
            let v = crate::export::verify::verify(p, None)?;
            if !v.passed() {
                let what: Vec<String> = v
                    .missing
                    .iter()
                    .map(|f| format!("missing `{f}`"))
                    .chain(v.extra.iter().map(|f| format!("extra `{f}`")))
                    .chain(v.altered.iter().map(|(f, ..)| format!("altered `{f}`")))
                    .chain(v.problems.iter().cloned())
                    .take(3)
                    .collect();
                return Err(crate::error::Error::Failed(format!(
                    "--against `{}` does not pass `csfkit verify` ({}); a package whose files changed cannot anchor the history",
                    p.display(),
                    what.join("; ")
                )));
            }
            Some(crate::export::anchor::read(p)?)
        }
        None => None,
    };
    let cat = ctx.open_existing()?;
    let integrity = cat.integrity_check()?;
    let (fk_count, fk_problems) = cat.foreign_key_check()?;
    let report = cat.verify_chains()?;
    let digests = cat.verify_digests()?;
    let mut l = Listing::of(columns::CHECK);
    l.push(vec![
        "sqlite".into(),
        String::new(),
        String::new(),
        if integrity.is_empty() {
            "ok".into()
        } else {
            "damaged".into()
        },
    ]);
    l.push(vec![
        "foreign-keys".into(),
        fk_count.to_string(),
        String::new(),
        if fk_count == 0 {
            "ok".into()
        } else {
            "broken".into()
        },
    ]);
    for (log, records, head) in &report.heads {
        let broken = report.broken.iter().any(|b| {
            b.starts_with(log.record_name()) || (*log == Log::Batch && b.starts_with("evidence row"))
        });
        l.push(vec![
            log.as_str().to_string(),
            records.to_string(),
            head.clone(),
            if broken { "broken".into() } else { "ok".into() },
        ]);
    }
    for d in &digests {
        l.push(vec![
            d.name(),
            d.rows.to_string(),
            d.digest.clone(),
            d.status.into(),
        ]);
    }
    let anchored = match &pinned {
        Some(p) => cat.check_against(&p.anchors, &p.made)?,
        None => Vec::new(),
    };
    for a in &anchored {
        l.push(vec![
            format!("against:{}", a.log.as_str()),
            a.records.to_string(),
            a.head.clone(),
            a.status.into(),
        ]);
    }
    l.print(&args.out)?;
    for p in &integrity {
        ctx.msg.error(format!("integrity_check: {p}"));
    }
    for p in &fk_problems {
        ctx.msg.error(p.clone());
    }
    for b in &report.broken {
        ctx.msg.error(format!("history chain broken: {b}"));
    }
    let changed: Vec<&String> = digests.iter().flat_map(|d| &d.problems).collect();
    for p in &changed {
        ctx.msg.error(format!("loaded data changed: {p}"));
    }
    if !changed.is_empty() {
        ctx.msg.error(
            "restore the catalogue from a backup (csfkit backup), or load the data again (csfkit mapping import, csfkit framework import, csfkit scope set)",
        );
    }
    let against: Vec<&String> = anchored.iter().flat_map(|a| &a.problems).collect();
    for p in &against {
        ctx.msg.error(format!("history differs from the package: {p}"));
    }
    if let (Some(pkg), true) = (&args.against, against.is_empty()) {
        ctx.msg.note(format!(
            "`{}`: every history log extends the heads and lengths `{}` recorded ({})",
            cat.path().display(),
            pkg.display(),
            anchored
                .iter()
                .map(|a| format!("{} {}", a.records, plural(a.log.record_name(), a.records)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if integrity.is_empty()
        && fk_count == 0
        && report.broken.is_empty()
        && changed.is_empty()
        && against.is_empty()
    {
        let count = |s: Subject| digests.iter().filter(|d| d.subject == s).count();
        ctx.msg.note(format!(
            "`{}`: integrity ok, foreign keys hold; the history chains hold ({}); the loaded data is as csfkit stored it ({} framework{}, {} responsibility matri{}{})",
            cat.path().display(),
            report
                .heads
                .iter()
                .map(|(log, n, _)| format!("{n} {}", plural(log.record_name(), *n)))
                .collect::<Vec<_>>()
                .join(", "),
            count(Subject::Framework),
            if count(Subject::Framework) == 1 { "" } else { "s" },
            count(Subject::Provider),
            if count(Subject::Provider) == 1 { "x" } else { "ces" },
            if count(Subject::Scope) > 0 { ", the scope" } else { "" }
        ));
        Ok(0)
    } else {
        Ok(1)
    }
}

fn plural(name: &str, n: i64) -> String {
    if n == 1 {
        name.to_string()
    } else if let Some(stem) = name.strip_suffix("batch") {
        format!("{stem}batches")
    } else {
        format!("{name}s")
    }
}

/// Runs `csfkit backup`.
pub(super) fn backup(ctx: &Ctx, args: &BackupArgs) -> Result<u8> {
    let cat = ctx.open_existing()?;
    let done = cat.backup_to(&args.out)?;
    ctx.msg.note(format!(
        "wrote `{}` ({} bytes, SHA-256 {}): a consistent copy of `{}`; integrity ok, foreign keys hold, history chains hold, loaded data as stored",
        args.out.display(),
        done.size,
        done.sha256,
        cat.path().display()
    ));
    if !done.sha256.is_empty() {
        crate::output::stdout_line(&format!("{}  {}", done.sha256, args.out.display()))?;
    }
    Ok(0)
}
