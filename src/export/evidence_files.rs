//! Evidence files in a package (`--include-files`): each file once, by its content, under
//! `evidence/<first 16 hex digits of its SHA-256>-<its name>`, copied from the one handle opened
//! under the rules of its import, checked again now, and kept only when it still has the
//! SHA-256 recorded at import. Every evidence row whose file has that hash points at the one
//! copy (a policy mapped onto eight subcategories is stored once, not eight times).

use std::collections::HashMap;
use std::path::Path;

use crate::error::Result;
use crate::export::package::{Copied, Staging};
use crate::model::evidence::EvidenceItem;

/// The longest name part (in characters) of a packaged file, its extension kept.
const MAX_NAME: usize = 80;

/// A file name as a package holds it: the location's last part (`/` and `\` both separate
/// parts, as on import: a tracker kept on Windows writes `evidence\screenshots\mfa.png`), with
/// every character a tool may read otherwise (control characters, which `verify` refuses in a
/// package path and `sha256sum` would escape; `\ / : * ? " < > |`, which Windows refuses)
/// made `_`, no leading dot or trailing space or dot, and at most [`MAX_NAME`] characters.
pub(crate) fn file_name(location: &str) -> String {
    let name = location
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or("file");
    let mut name: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if name.chars().count() > MAX_NAME {
        let ext: String = match name.rsplit_once('.') {
            Some((_, e)) if !e.is_empty() && e.chars().count() <= 10 => format!(".{e}"),
            _ => String::new(),
        };
        let keep = MAX_NAME - ext.chars().count();
        name = name.chars().take(keep).collect::<String>() + &ext;
    }
    let name = name.trim_start_matches('.').trim_end_matches([' ', '.']);
    if name.is_empty() {
        "file".into()
    } else {
        name.to_string()
    }
}

/// Where the file of `e` (recorded with SHA-256 `sha`) is stored in a package.
fn packaged_name(sha: &str, e: &EvidenceItem) -> String {
    format!(
        "evidence/{}-{}",
        sha.get(..16).unwrap_or(sha),
        file_name(&e.location)
    )
}

/// The evidence files of one package, each stored once: per SHA-256 recorded at import, the
/// path of its copy in the package, or why it is not there.
#[derive(Debug, Default)]
pub(crate) struct EvidenceFiles {
    by_sha: HashMap<String, std::result::Result<String, String>>,
}

impl EvidenceFiles {
    /// The packaged path of `e`'s file, when it is in the package.
    pub(crate) fn packaged(&self, e: &EvidenceItem) -> Option<&str> {
        match self.lookup(e)? {
            Ok(p) => Some(p.as_str()),
            Err(_) => None,
        }
    }

    /// Why `e`'s file, which should be in the package, is not.
    pub(crate) fn not_packaged(&self, e: &EvidenceItem) -> Option<&str> {
        match self.lookup(e)? {
            Err(why) => Some(why.as_str()),
            Ok(_) => None,
        }
    }

    fn lookup(&self, e: &EvidenceItem) -> Option<&std::result::Result<String, String>> {
        if e.location_kind != "file" {
            return None;
        }
        self.by_sha.get(e.file_sha256.as_deref()?)
    }

    /// Copies the file of `e` into the package, unless a file with its hash is already there
    /// (or was found changed); returns what `evidence-index.csv` says in its `packaged_file`
    /// column: the packaged path, or why the file is not in the package.
    pub(crate) fn add(
        &mut self,
        staging: &mut Staging,
        roots: &HashMap<i64, String>,
        e: &EvidenceItem,
        warnings: &mut Vec<String>,
    ) -> Result<String> {
        if e.location_kind != "file" {
            return Ok(String::new());
        }
        let Some(sha) = e.file_sha256.clone() else {
            return Ok(String::new());
        };
        if let Some(done) = self.by_sha.get(&sha) {
            return Ok(match done {
                Ok(p) | Err(p) => p.clone(),
            });
        }
        let Some(root) = roots.get(&e.batch_id) else {
            return Ok(String::new());
        };
        let done = copy_in(staging, Path::new(root), &sha, e, warnings)?;
        let shown = match &done {
            Ok(p) | Err(p) => p.clone(),
        };
        self.by_sha.insert(sha, done);
        Ok(shown)
    }
}

/// Copies one evidence file into the package when it still has the hash recorded at import.
fn copy_in(
    staging: &mut Staging,
    root: &Path,
    recorded: &str,
    e: &EvidenceItem,
    warnings: &mut Vec<String>,
) -> Result<std::result::Result<String, String>> {
    let src = root.join(e.location.replace('\\', "/"));
    let rel = packaged_name(recorded, e);
    let file = match open_evidence_file(root, &e.location) {
        Ok(f) => f,
        Err(err) => {
            warnings.push(format!(
                "evidence {} ({}): file {} cannot be read now ({err}); not included",
                e.id,
                e.control_id,
                src.display()
            ));
            return Ok(Err("missing at export".into()));
        }
    };
    // Copied and hashed from the one handle opened above; a copy whose hash is not the one
    // recorded at import is taken out again.
    Ok(
        match staging.add_reader(&rel, file, &format!("`{}`", src.display()), Some(recorded))? {
            Copied::AsRecorded(_) => Ok(rel),
            Copied::Differs(sha) => {
                // The copy is gone; so is the folder made for it when it holds nothing else
                // (remove_dir leaves a folder with files in it).
                let _ = std::fs::remove_dir(staging.dir().join("evidence"));
                warnings.push(format!(
                    "evidence {} ({}): file {} changed since import (SHA-256 {recorded} recorded, {sha} now); not included",
                    e.id,
                    e.control_id,
                    src.display(),
                ));
                Err(format!("changed since import (now {sha}); not included"))
            }
        },
    )
}

/// Opens an evidence file for packaging under the rules of its import, checked again now: the
/// path stays inside the evidence root, no symbolic link sits anywhere in it (one swapped in
/// after the import is caught), and it is a regular file (a FIFO or a device is refused
/// without blocking).
fn open_evidence_file(root: &Path, location: &str) -> std::io::Result<std::fs::File> {
    let refused = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let root = std::fs::canonicalize(root)
        .map_err(|e| std::io::Error::new(e.kind(), format!("the evidence root: {e}")))?;
    let mut lexical = root.clone();
    for part in location.replace('\\', "/").split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(refused("the path leaves the evidence root".into())),
            p => lexical.push(p),
        }
    }
    let real = std::fs::canonicalize(&lexical)?;
    if real != lexical {
        return Err(refused(format!(
            "a symbolic link is in its path (it leads to `{}`); evidence files must be regular files inside the evidence root",
            real.display()
        )));
    }
    crate::util::fs::open_regular(&lexical, false)
}
