//! The package's signature: `manifest.json.sig`, an SSH signature (SSHSIG, namespace
//! `csfkit-package`, SHA-512) over `manifest.json` made with an OpenSSH ed25519 private key
//! (`export --sign KEY`), which stock OpenSSH checks:
//! `ssh-keygen -Y verify -f allowed_signers -I officer@example.org -n csfkit-package -s
//! manifest.json.sig < manifest.json`. The manifest lists every other file with its SHA-256,
//! so the signature covers the whole package. `verify --allowed-signers FILE` checks it the
//! same way and names the signer; a package without a signature is still a valid package.
//!
//! A key protected by a passphrase is read with the passphrase in `CSFKIT_SIGN_PASSPHRASE`
//! (never on the command line, where other users see it); without it, the export stops before
//! anything is written and says so.

use std::io::Read;
use std::path::Path;

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::error::{Error, Result};

/// The signature's file name in a package.
pub(crate) const SIGNATURE: &str = "manifest.json.sig";

/// The SSHSIG namespace of a package signature (`ssh-keygen -Y verify -n csfkit-package`).
pub(crate) const NAMESPACE: &str = "csfkit-package";

/// The environment variable holding the passphrase of an encrypted key.
pub(crate) const PASSPHRASE_VAR: &str = "CSFKIT_SIGN_PASSPHRASE";

/// Longest key or allowed-signers file read (an OpenSSH key is a few hundred bytes).
const MAX_KEY_FILE: u64 = 1 << 20;

/// Reads a small regular file as text (never a FIFO or device).
fn read_small(path: &Path, what: &str) -> Result<String> {
    let f = crate::util::fs::open_regular(path, true).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let mut s = String::new();
    f.take(MAX_KEY_FILE)
        .read_to_string(&mut s)
        .map_err(|e| Error::Usage(format!("{what} `{}` is not text: {e}", path.display())))?;
    Ok(s)
}

/// A private key ready to sign packages.
pub(crate) struct SigningKey {
    key: PrivateKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl SigningKey {
    /// Reads an OpenSSH ed25519 private key (`ssh-keygen -t ed25519`), decrypting it with
    /// [`PASSPHRASE_VAR`] when it is protected by a passphrase.
    pub(crate) fn load(path: &Path) -> Result<SigningKey> {
        let text = read_small(path, "--sign")?;
        let key = PrivateKey::from_openssh(text.trim_start()).map_err(|e| {
            Error::Usage(format!(
                "--sign `{}` is not an OpenSSH private key ({e}); expected a key file written by `ssh-keygen -t ed25519` (it starts with `-----BEGIN OPENSSH PRIVATE KEY-----`), not the .pub file",
                path.display()
            ))
        })?;
        let key = if key.is_encrypted() {
            let Some(pass) = std::env::var_os(PASSPHRASE_VAR).filter(|p| !p.is_empty()) else {
                return Err(Error::Usage(format!(
                    "--sign `{}` is protected by a passphrase; give it in the environment variable {PASSPHRASE_VAR} (never on the command line)",
                    path.display()
                )));
            };
            key.decrypt(pass.as_encoded_bytes()).map_err(|_| {
                Error::Usage(format!(
                    "--sign `{}`: the passphrase in {PASSPHRASE_VAR} does not open the key",
                    path.display()
                ))
            })?
        } else {
            key
        };
        if key.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(Error::Usage(format!(
                "--sign `{}` is a {} key; csfkit signs with ed25519 keys only (`ssh-keygen -t ed25519`)",
                path.display(),
                key.algorithm()
            )));
        }
        Ok(SigningKey { key })
    }

    /// The signature of `manifest` (the bytes of `manifest.json`), armoured as `ssh-keygen -Y
    /// sign` writes it. Ed25519 signatures are deterministic: the same key and manifest give
    /// the same bytes.
    pub(crate) fn sign(&self, manifest: &[u8]) -> Result<Vec<u8>> {
        let sig = self
            .key
            .sign(NAMESPACE, HashAlg::Sha512, manifest)
            .map_err(|e| Error::Failed(format!("signing manifest.json: {e}")))?;
        let pem = sig
            .to_pem(LineEnding::LF)
            .map_err(|e| Error::Failed(format!("writing {SIGNATURE}: {e}")))?;
        Ok(pem.into_bytes())
    }

    /// The key's fingerprint as OpenSSH prints it (`SHA256:...`).
    pub(crate) fn fingerprint(&self) -> String {
        self.key.public_key().fingerprint(HashAlg::Sha256).to_string()
    }
}

/// One usable line of an allowed-signers file.
struct Signer {
    principals: String,
    namespaces: Option<Vec<String>>,
    key: PublicKey,
}

/// An OpenSSH allowed-signers file (`ssh-keygen -Y verify -f`): per line the principals
/// (comma-separated), options, and a public key. The `namespaces="..."` option is honoured;
/// a line with `cert-authority`, `valid-after` or `valid-before` is not used (csfkit checks
/// plain keys only; `ssh-keygen -Y verify` checks those).
pub(crate) struct AllowedSigners {
    path: String,
    signers: Vec<Signer>,
    /// Lines left out, and why.
    pub notes: Vec<String>,
}

/// The words of a line, a quoted part kept whole (`namespaces="a,b"`).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

impl AllowedSigners {
    /// Reads the file; a line that is no allowed signer is refused naming it.
    pub(crate) fn read(path: &Path) -> Result<AllowedSigners> {
        let text = read_small(path, "--allowed-signers")?;
        let mut signers = Vec::new();
        let mut notes = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let w = words(line);
            // The key type follows the principals and any options.
            let at = w
                .iter()
                .skip(1)
                .position(|t| ["ssh-", "ecdsa-", "sk-"].iter().any(|p| t.starts_with(p)))
                .map(|k| k + 1);
            let (Some(k), Some(principals)) = (at.filter(|k| *k >= 1 && k + 1 < w.len()), w.first()) else {
                return Err(Error::Usage(format!(
                    "--allowed-signers `{}` line {}: expected `PRINCIPALS [OPTIONS] KEYTYPE BASE64-KEY` (the format of ssh-keygen's ALLOWED SIGNERS), found `{}`",
                    path.display(),
                    i + 1,
                    line.escape_debug()
                )));
            };
            let key = PublicKey::from_openssh(&format!("{} {}", w[k], w[k + 1])).map_err(|e| {
                Error::Usage(format!(
                    "--allowed-signers `{}` line {}: the public key does not read ({e})",
                    path.display(),
                    i + 1
                ))
            })?;
            let mut namespaces = None;
            let mut skip = None;
            for opt in w[1..k].iter().flat_map(|o| split_options(o)) {
                let lower = opt.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("namespaces=") {
                    namespaces = Some(v.trim_matches('"').split(',').map(str::to_string).collect());
                } else if lower == "cert-authority"
                    || lower.starts_with("valid-after=")
                    || lower.starts_with("valid-before=")
                {
                    skip = Some(lower);
                }
            }
            if let Some(opt) = skip {
                notes.push(format!(
                    "--allowed-signers line {} (`{principals}`) was not used: csfkit does not check `{opt}`; `ssh-keygen -Y verify` does",
                    i + 1
                ));
                continue;
            }
            signers.push(Signer {
                principals: principals.clone(),
                namespaces,
                key,
            });
        }
        Ok(AllowedSigners {
            path: path.display().to_string(),
            signers,
            notes,
        })
    }
}

/// Options of one word, split at commas outside quotes.
fn split_options(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in word.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// What `verify` found of a package's signature.
#[derive(Debug, Default, Clone)]
pub(crate) struct SignatureCheck {
    /// The signing key's fingerprint (`SHA256:...`), when the signature reads.
    pub fingerprint: String,
    /// The principals the allowed-signers file gives that key (when one was given).
    pub principals: Vec<String>,
    /// What is wrong with it.
    pub problems: Vec<String>,
}

/// Checks `sig` (the bytes of `manifest.json.sig`) over `manifest`: an SSH signature in the
/// namespace `csfkit-package` that the key it carries made over exactly these bytes, and, with
/// `allowed`, a key that file lists for that namespace.
pub(crate) fn check(sig: &[u8], manifest: &[u8], allowed: Option<&AllowedSigners>) -> SignatureCheck {
    let mut out = SignatureCheck::default();
    let parsed = std::str::from_utf8(sig)
        .ok()
        .and_then(|s| SshSig::from_pem(s.trim()).ok());
    let Some(sig) = parsed else {
        out.problems.push(format!(
            "`{SIGNATURE}` is not an SSH signature (`ssh-keygen -Y sign` armour)"
        ));
        return out;
    };
    let key = PublicKey::from(sig.public_key().clone());
    out.fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    if sig.namespace() != NAMESPACE {
        out.problems.push(format!(
            "`{SIGNATURE}` is a signature for the namespace `{}`, not `{NAMESPACE}`",
            sig.namespace().escape_debug()
        ));
        return out;
    }
    if key.verify(NAMESPACE, manifest, &sig).is_err() {
        out.problems.push(format!(
            "`{SIGNATURE}` does not match manifest.json: the manifest was changed after it was signed (key {})",
            out.fingerprint
        ));
        return out;
    }
    if let Some(allowed) = allowed {
        out.principals = allowed
            .signers
            .iter()
            .filter(|s| s.key.key_data() == key.key_data())
            .filter(|s| {
                s.namespaces
                    .as_ref()
                    .is_none_or(|n| n.iter().any(|n| n == NAMESPACE || n == "*"))
            })
            .map(|s| s.principals.clone())
            .collect();
        if out.principals.is_empty() {
            out.problems.push(format!(
                "`{SIGNATURE}` was made with the key {}, which `{}` does not list for the namespace `{NAMESPACE}`",
                out.fingerprint, allowed.path
            ));
        }
    }
    out
}

/// Whether `sig` is a valid package signature over `manifest` (what `--force` needs to know
/// that csfkit wrote it), whoever made it.
pub(crate) fn is_signature_of(sig: &[u8], manifest: &[u8]) -> bool {
    check(sig, manifest, None).problems.is_empty()
}
