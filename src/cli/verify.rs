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
SHA256SUMS (every file but itself, the manifest included) is checked line by line; a package of\n\
csfkit 0.3 or later must have one. manifest.json.sig (export --sign) is checked against the\n\
manifest; --allowed-signers FILE (ssh-keygen's ALLOWED SIGNERS format) also requires a signature\n\
by a key it lists for the namespace csfkit-package and names its principals.\n\
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
    /// An OpenSSH allowed-signers file: the package must be signed (manifest.json.sig) by a
    /// key it lists for the namespace csfkit-package; verify names the signer.
    #[arg(long, value_name = "FILE")]
    allowed_signers: Option<PathBuf>,
}

/// Runs `csfkit verify`.
pub(super) fn run(ctx: &Ctx, args: &VerifyArgs) -> Result<u8> {
    let allowed = match &args.allowed_signers {
        Some(p) => Some(crate::export::sign::AllowedSigners::read(p)?),
        None => None,
    };
    let v = verify::verify_against(&args.path, args.manifest_sha256.as_deref(), allowed.as_ref())?;
    for n in allowed.iter().flat_map(|a| &a.notes).chain(&v.notes) {
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
        if let Some(sig) = &v.signature {
            ctx.msg.note(if sig.principals.is_empty() {
                format!(
                    "manifest.json is signed with the ed25519 key {} (namespace {}); pass --allowed-signers FILE to check that it is a key you trust",
                    sig.fingerprint,
                    crate::export::sign::NAMESPACE
                )
            } else {
                format!(
                    "manifest.json is signed by {} (key {}, namespace {})",
                    sig.principals.join(", "),
                    sig.fingerprint,
                    crate::export::sign::NAMESPACE
                )
            });
        }
        let m = v.manifest.as_ref();
        ctx.msg.note(format!(
            "{}: all {} files match manifest.json{}{} (csfkit {}, as of {})",
            args.path.display(),
            v.ok,
            if v.sums { " and SHA256SUMS" } else { "" },
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
