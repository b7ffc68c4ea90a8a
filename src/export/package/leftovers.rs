//! Staging folders and what a killed export leaves: the name of a staging folder
//! (`.NAME.partial-PID-RANDOM`, with csfkit's marker file inside), and the clearing of
//! leftovers of processes that no longer run before the next export to the same path.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::export::manifest::MANIFEST;
use crate::export::package::previous::{
    Protected, check_folder, keep_aside, name_list, remove_previous_folder, zip_package_problem,
};

/// The name of the marker file inside a staging folder: a folder that holds it was made by
/// csfkit and may be removed by a later export to the same path.
pub(super) const PARTIAL_MARKER: &str = ".csfkit-partial";

/// Whether `pid` is a running process (its /proc entry exists).
fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// 64 bits nobody can guess ahead (for temporary names): std's hasher keys are drawn from the
/// operating system.
pub(crate) fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Makes the staging folder `.NAME.partial-PID-RANDOM` beside the destination, with csfkit's
/// marker inside. The name is new (created exclusively), so two exports never share one.
pub(super) fn make_staging_dir(parent: &Path, name: &str) -> Result<PathBuf> {
    let mut last = None;
    for _ in 0..16 {
        let dir = parent.join(format!(
            ".{name}.partial-{}-{:016x}",
            std::process::id(),
            random()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => {
                fs::write(dir.join(PARTIAL_MARKER), b"csfkit export in progress\n")
                    .map_err(|e| crate::error::cant_create(&dir, e))?;
                return Ok(dir);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((dir, e)),
            Err(e) => return Err(crate::error::cant_create(&dir, e)),
        }
    }
    let (dir, e) = last.expect("the loop ran");
    Err(crate::error::cant_create(&dir, e))
}

/// Clears what a killed export to `dest` left beside it, never putting any of it in place:
/// staging folders (they hold csfkit's marker file) and partial zips of processes that no
/// longer run, and previous packages set aside or swapped out during a replacement. A
/// previous package is removed only as far as its files have the bytes its manifest lists;
/// one that holds anything else is kept as `NAME.previous` and the returned note says so.
pub(super) fn clear_leftovers(parent: &Path, name: &str, dest: &Path, protect: &Protected) -> Vec<String> {
    let mut notes = Vec::new();
    let Ok(entries) = fs::read_dir(parent) else {
        return notes;
    };
    let partial = format!(".{name}.partial-");
    let old = format!(".{name}.old-");
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let Some(rest) = file_name
            .strip_prefix(&partial)
            .or_else(|| file_name.strip_prefix(&old))
        else {
            continue;
        };
        let Some(pid) = leftover_pid(rest) else {
            continue;
        };
        if alive(pid) {
            continue;
        }
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let keep = |why: String, notes: &mut Vec<String>| {
            let at = keep_aside(&path, dest);
            notes.push(format!(
                "`{file_name}` (left beside `{}` by an export that was stopped): {why}; it was kept as `{}`, nothing in it deleted",
                dest.display(),
                at.display()
            ));
        };
        if meta.is_file() {
            if !file_name.ends_with(".zip-partial") {
                continue;
            }
            // A zip being written (not a zip yet), or a previous package swapped out of place.
            let is_zip = crate::util::fs::open_regular(&path, false)
                .ok()
                .is_some_and(|f| zip::ZipArchive::new(io::BufReader::new(f)).is_ok());
            match is_zip.then(|| zip_package_problem(&path)).flatten() {
                None => {
                    let _ = fs::remove_file(&path);
                }
                Some(why) => keep(why, &mut notes),
            }
        } else if meta.is_dir() {
            if fs::symlink_metadata(path.join(PARTIAL_MARKER)).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_dir_all(&path);
            } else if fs::symlink_metadata(path.join(MANIFEST)).is_ok() {
                match check_folder(&path, protect) {
                    Ok(checked) => {
                        if let Err(changed) = remove_previous_folder(&path, &checked, protect) {
                            keep(
                                format!("{} changed while it was removed", name_list(&changed)),
                                &mut notes,
                            );
                        }
                    }
                    Err(why) => keep(why, &mut notes),
                }
            } else {
                // Killed between making the folder and marking it: empty, so removing it
                // (which only works on an empty folder) loses nothing.
                let _ = fs::remove_dir(&path);
            }
        }
    }
    notes
}

/// The process id in what follows `.NAME.partial-` or `.NAME.old-` in a leftover's name:
/// `PID`, `PID-RANDOM` (16 hex digits), either followed by `.zip-partial`; None for any other
/// name (which is not csfkit's, or an export's to another path).
fn leftover_pid(rest: &str) -> Option<u32> {
    let rest = rest.strip_suffix(".zip-partial").unwrap_or(rest);
    let (pid, random) = rest.split_once('-').unwrap_or((rest, ""));
    let random_ok =
        random.is_empty() || (random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit()));
    let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    if random_ok && pid_ok {
        pid.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names_give_their_process_id_and_nothing_else_does() {
        assert_eq!(leftover_pid("123"), Some(123));
        assert_eq!(leftover_pid("123-00ff00ff00ff00ff"), Some(123));
        assert_eq!(leftover_pid("123-00ff00ff00ff00ff.zip-partial"), Some(123));
        assert_eq!(leftover_pid("123.zip-partial"), Some(123));
        // An export to `pkg.old-5` is not a leftover of an export to `pkg`.
        assert_eq!(leftover_pid("5.partial-123-00ff00ff00ff00ff"), None);
        assert_eq!(leftover_pid("123-xyz"), None);
        assert_eq!(leftover_pid(""), None);
    }
}
