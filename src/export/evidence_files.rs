//! Evidence files in a package (`--include-files`): each copied under `evidence/` from the one
//! handle opened under the rules of its import, checked again now, and kept only when it still
//! has the SHA-256 recorded at import.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Result;
use crate::export::package::{Copied, Staging};
use crate::model::evidence::EvidenceItem;

/// Where an evidence file is copied in the package: `evidence/<evidence id>-<file name>`. The
/// file name is the location's last part, `/` and `\` both separating parts (as on import: a
/// tracker kept on Windows or synced by OneDrive writes `evidence\screenshots\mfa.png`); a
/// control character in it (which `verify` refuses in a package path) becomes `_`.
pub(crate) fn packaged_name(e: &EvidenceItem) -> String {
    let name = e
        .location
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or("file");
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    format!("evidence/{}-{}", e.id, name)
}

/// Copies one evidence file into the package when it still has the hash recorded at import;
/// returns what `evidence-index.csv` says in its `packaged_as` column.
pub(crate) fn package_file(
    staging: &mut Staging,
    roots: &HashMap<i64, String>,
    e: &EvidenceItem,
    warnings: &mut Vec<String>,
) -> Result<String> {
    if e.location_kind != "file" {
        return Ok(String::new());
    }
    let Some(root) = roots.get(&e.batch_id) else {
        return Ok(String::new());
    };
    let root = Path::new(root);
    let src = root.join(e.location.replace('\\', "/"));
    let rel = packaged_name(e);
    let file = match open_evidence_file(root, &e.location) {
        Ok(f) => f,
        Err(err) => {
            warnings.push(format!(
                "evidence {} ({}): file {} cannot be read now ({err}); not included",
                e.id,
                e.control_id,
                src.display()
            ));
            return Ok("missing at export".into());
        }
    };
    // Copied and hashed from the one handle opened above; a copy whose hash is not the one
    // recorded at import is taken out again.
    let recorded = e.file_sha256.as_deref().unwrap_or("-");
    Ok(
        match staging.add_reader(&rel, file, &format!("`{}`", src.display()), Some(recorded))? {
            Copied::AsRecorded(_) => rel,
            Copied::Differs(sha) => {
                warnings.push(format!(
                    "evidence {} ({}): file {} changed since import (SHA-256 {recorded} recorded, {sha} now); not included",
                    e.id,
                    e.control_id,
                    src.display(),
                ));
                format!("changed since import (now {sha}); not included")
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
