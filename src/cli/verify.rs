//! `csfkit verify`: the check an assessor runs on a package (folder or zip), every file against
//! its manifest, and the manifest against the SHA-256 the export printed.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::error::Result;
use crate::export::verify;

/// Arguments of `csfkit verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit verify audit-2026\n  csfkit verify audit.zip\n  csfkit verify audit.zip --manifest-sha256 9f2c...e1   the hash export printed\n\n\
Exit 0 when every file matches manifest.json; 1 naming each missing, extra or altered file, any\n\
link, FIFO or device (never opened), duplicate zip member, file the manifest should list, or\n\
path with a control character; a zip with bytes in front of its first member, between members or\n\
after its end, or with members sharing bytes, is refused before anything is inflated.\n\
--manifest-sha256 HEX also checks manifest.json against the SHA-256 `csfkit export` printed.\n\
A format the manifest names that this csfkit does not know (a later csfkit's) is noted, and its\n\
files are checked against the manifest's list."
)]
pub(crate) struct VerifyArgs {
    /// The package folder or zip.
    path: PathBuf,
    /// The SHA-256 of manifest.json that `csfkit export` printed: checks the manifest itself
    /// (as-of date, catalogue digest, history heads, sources), which nothing inside the package
    /// can vouch for.
    #[arg(long, value_name = "HEX", value_parser = crate::cli::sha256_hex)]
    manifest_sha256: Option<String>,
}

/// Runs `csfkit verify`.
pub(super) fn run(ctx: &Ctx, args: &VerifyArgs) -> Result<u8> {
    let v = verify::verify(&args.path, args.manifest_sha256.as_deref())?;
    for n in &v.notes {
        ctx.msg.note(n);
    }
    for p in &v.missing {
        ctx.msg.error(format!(
            "missing: {p} (listed in manifest.json, not in the package)"
        ));
    }
    for p in &v.extra {
        ctx.msg
            .error(format!("extra: {p} (in the package, not in manifest.json)"));
    }
    for (p, want, got) in &v.altered {
        ctx.msg
            .error(format!("altered: {p} (SHA-256 {want} expected, {got} found)"));
    }
    for p in &v.problems {
        ctx.msg.error(p);
    }
    if v.passed() {
        let m = v.manifest.as_ref();
        ctx.msg.note(format!(
            "{}: all {} files match manifest.json{} (csfkit {}, as of {})",
            args.path.display(),
            v.ok,
            if args.manifest_sha256.is_some() {
                ", and manifest.json is the one the export printed"
            } else {
                ""
            },
            m.map(|m| m.csfkit_version.as_str()).unwrap_or("?"),
            m.map(|m| m.parameters.as_of.as_str())
                .filter(|d| !d.is_empty())
                .unwrap_or("?")
        ));
        crate::output::stdout_line(&format!("OK {}", args.path.display()))?;
        Ok(0)
    } else {
        crate::output::stdout_line(&format!("FAILED {}", args.path.display()))?;
        Ok(1)
    }
}
