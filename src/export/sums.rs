//! `SHA256SUMS`: every file of a package but itself (the manifest and its signature included)
//! with its SHA-256, in the format `sha256sum -c` reads (`HEX  PATH`, one a line, sorted by
//! path), so a recipient checks a package with coreutils alone. The manifest cannot list it
//! (it holds the manifest's own hash); `verify` checks it line by line against the files.

use std::collections::BTreeMap;

/// The file's name in a package.
pub(crate) const SUMS: &str = "SHA256SUMS";

/// The file for `files` (path to SHA-256, every file of the package but `SHA256SUMS`).
pub(crate) fn render(files: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = String::new();
    for (path, sha) in files {
        out.push_str(sha);
        out.push_str("  ");
        out.push_str(path);
        out.push('\n');
    }
    out.into_bytes()
}

/// What is wrong with `bytes` as the `SHA256SUMS` of a package whose other files are `files`
/// (path to SHA-256 as found): a line `sha256sum -c` would not read, a file listed twice, a
/// file it lists that is not there or not with that hash, a file of the package it leaves out.
pub(crate) fn problems(bytes: &[u8], files: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(text) = std::str::from_utf8(bytes) else {
        return vec![format!(
            "`{SUMS}` is not UTF-8 text; csfkit writes one `SHA-256  path` line per file"
        )];
    };
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(h, p)| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) && !p.is_empty());
        let Some((sha, path)) = parsed else {
            out.push(format!(
                "`{SUMS}` line {}: `{}` is not a `SHA-256  path` line",
                i + 1,
                line.escape_debug()
            ));
            continue;
        };
        if seen.insert(path, sha).is_some() {
            out.push(format!("`{SUMS}` lists `{}` twice", path.escape_debug()));
        }
    }
    for (path, sha) in &seen {
        match files.get(*path) {
            None if *path == SUMS => out.push(format!("`{SUMS}` lists itself")),
            None => out.push(format!(
                "`{SUMS}` lists `{}`, which is not in the package",
                path.escape_debug()
            )),
            Some(found) if !found.eq_ignore_ascii_case(sha) => out.push(format!(
                "`{SUMS}` gives `{}` the SHA-256 {sha}, the file has {found} (`sha256sum -c {SUMS}` fails on it)",
                path.escape_debug()
            )),
            Some(_) => {}
        }
    }
    for path in files.keys() {
        if !seen.contains_key(path.as_str()) {
            out.push(format!(
                "`{SUMS}` leaves out `{}`; it lists every file of the package but itself",
                path.escape_debug()
            ));
        }
    }
    out
}

/// Whether `bytes` reads as a `SHA256SUMS` naming only files in `files` (each a `SHA-256  path`
/// line): one csfkit wrote for this package, its hashes perhaps no longer current (a manifest
/// edited since). What `--force` needs to replace it: nothing in it is lost that the files do not
/// give again.
pub(crate) fn names_only(bytes: &[u8], files: &std::collections::BTreeSet<&str>) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| {
        text.lines().all(|line| {
            line.split_once("  ").is_some_and(|(h, p)| {
                h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) && files.contains(p)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_read_back_and_name_what_differs() {
        let mut files = BTreeMap::new();
        files.insert("a.csv".to_string(), "1".repeat(64));
        files.insert("manifest.json".to_string(), "2".repeat(64));
        let bytes = render(&files);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            format!("{}  a.csv\n{}  manifest.json\n", "1".repeat(64), "2".repeat(64))
        );
        assert!(problems(&bytes, &files).is_empty());
        files.insert("b.csv".to_string(), "3".repeat(64));
        files.insert("a.csv".to_string(), "4".repeat(64));
        let p = problems(&bytes, &files).join("\n");
        assert!(
            p.contains("leaves out `b.csv`") && p.contains("gives `a.csv`"),
            "{p}"
        );
    }
}
