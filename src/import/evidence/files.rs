//! Where a row's evidence is: a URL (recorded, never fetched) or a file inside the evidence root
//! (hashed, its size kept; missing is recorded as missing). The path rules: no `file://` URL, no
//! absolute Windows path, nothing outside the root, not through a link that leaves it, regular
//! files only.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::error::ValueError;
use crate::model::evidence::LocationKind;

/// The evidence files of one import: the root they must be inside, and the hashes taken so far.
pub(crate) struct EvidenceFiles {
    /// The evidence root, canonical.
    root: PathBuf,
    /// File hashes already computed (path -> hash and size, None when missing).
    cache: HashMap<PathBuf, Option<(String, u64)>>,
}

impl EvidenceFiles {
    /// The files under `root` (canonical).
    pub(crate) fn new(root: PathBuf) -> Self {
        EvidenceFiles {
            root,
            cache: HashMap::new(),
        }
    }

    /// The evidence root.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Applies the path rules to a location: empty, a URL (recorded, never fetched), or a path
    /// inside the root, hashed when the file is there (its hash and size) and recorded as
    /// missing when not. A refusal says why and what to do.
    pub(crate) fn check(&mut self, loc: &str) -> Result<(LocationKind, Option<(String, u64)>), ValueError> {
        if loc.is_empty() {
            return Ok((LocationKind::None, None));
        }
        let lower = loc.to_ascii_lowercase();
        if lower.starts_with("file:") {
            return Err(ValueError::new(
                loc,
                "file:// URLs are not accepted; give the path relative to the evidence root (--evidence-root)",
            ));
        }
        if is_url(loc) {
            return Ok((LocationKind::Url, None));
        }
        let bytes = loc.as_bytes();
        let windows_abs = bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/');
        if windows_abs || loc.starts_with("\\\\") {
            return Err(ValueError::new(
                loc,
                format!(
                    "`{loc}` is an absolute Windows path; copy the file under the evidence root ({}) and give its path relative to it",
                    self.root.display()
                ),
            ));
        }
        let rel = if std::path::MAIN_SEPARATOR == '/' {
            loc.replace('\\', "/")
        } else {
            loc.to_string()
        };
        let path = Path::new(&rel);
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        // Lexically first: `..` may not climb out of the root.
        let lexical = normalise(&joined);
        if !lexical.starts_with(&self.root) {
            return Err(ValueError::new(
                loc,
                format!(
                    "`{loc}` is outside the evidence root {}; evidence files must be inside it (set --evidence-root)",
                    self.root.display()
                ),
            ));
        }
        if let Some(cached) = self.cache.get(&lexical) {
            return Ok(match cached {
                Some(f) => (LocationKind::File, Some(f.clone())),
                None => (LocationKind::Missing, None),
            });
        }
        let result = match std::fs::canonicalize(&lexical) {
            Err(_) => None,
            Ok(real) => {
                if !real.starts_with(&self.root) {
                    return Err(ValueError::new(
                        loc,
                        format!(
                            "`{loc}` resolves (through a symbolic link) to {}, outside the evidence root {}",
                            real.display(),
                            self.root.display()
                        ),
                    ));
                }
                let meta =
                    std::fs::metadata(&real).map_err(|e| ValueError::new(loc, format!("`{loc}`: {e}")))?;
                if meta.is_dir() {
                    return Err(ValueError::new(
                        loc,
                        format!("`{loc}` is a folder, not a file; name the evidence file itself"),
                    ));
                }
                if !meta.is_file() {
                    return Err(ValueError::new(
                        loc,
                        format!(
                            "`{loc}` is {}; evidence files must be regular files",
                            crate::util::fs::kind(&meta)
                        ),
                    ));
                }
                // Size as hashed, not as listed: the two agree unless the file is being written.
                Some(
                    crate::util::hash_file(&real)
                        .map_err(|e| ValueError::new(loc, format!("`{loc}`: cannot read the file: {e}")))?,
                )
            }
        };
        // Bounded: a tracker naming a different file on every row must not keep them all.
        if self.cache.len() >= 4096 {
            self.cache.clear();
        }
        self.cache.insert(lexical, result.clone());
        Ok(match result {
            Some(f) => (LocationKind::File, Some(f)),
            None => (LocationKind::Missing, None),
        })
    }
}

/// True for `scheme://...` and `mailto:` style locations.
pub(crate) fn is_url(s: &str) -> bool {
    match s.split_once("://") {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => s.to_ascii_lowercase().starts_with("mailto:"),
    }
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("https://example.com/x"));
        assert!(is_url("s3://bucket/key"));
        assert!(!is_url("policies/x.pdf"));
        assert!(!is_url("C:\\x.pdf"));
    }
}
