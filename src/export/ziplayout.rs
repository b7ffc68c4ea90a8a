//! The layout of a package zip, checked before anything in it is inflated: its members one
//! after the other from the first byte, each its own bytes, then the central directory, then the
//! end records, as csfkit writes them.

use std::fs;
use std::io::{self, Read};

fn le16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Where a zip of `len` bytes says its central directory is: (offset, size) as its end record
/// gives them (the zip64 end record's, when a locator points at one), and where that end record
/// starts. Fails when the file does not end with the end record (bytes follow it).
fn zip_end(f: &fs::File, len: u64) -> std::result::Result<(u64, u64, u64), String> {
    use std::os::unix::fs::FileExt;
    let tail_len = len.min(22 + 0xFFFF);
    let base = len - tail_len;
    let mut tail = vec![0u8; tail_len as usize];
    f.read_exact_at(&mut tail, base)
        .map_err(|e| format!("it cannot be read ({e})"))?;
    let after = "bytes follow the zip's end record (another zip or data after the package): readers that look for the end from the back and readers that stop at the record see different files";
    if tail.len() < 22 {
        return Err(after.into());
    }
    let Some(i) = (0..=tail.len() - 22)
        .rev()
        .find(|&i| tail[i..i + 4] == *b"PK\x05\x06" && i as u64 + 22 + le16(&tail, i + 20) == tail_len)
    else {
        return Err(after.into());
    };
    let eocd = base + i as u64;
    let (size32, offset32) = (le32(&tail, i + 12), le32(&tail, i + 16));
    if eocd >= 20 {
        let mut locator = [0u8; 20];
        f.read_exact_at(&mut locator, eocd - 20)
            .map_err(|e| format!("it cannot be read ({e})"))?;
        let at = le64(&locator, 8);
        let mut record = [0u8; 56];
        if locator[..4] == *b"PK\x06\x07"
            && at.checked_add(56).is_some_and(|end| end <= eocd - 20)
            && f.read_exact_at(&mut record, at).is_ok()
            && record[..4] == *b"PK\x06\x06"
        {
            if at.checked_add(12).and_then(|e| e.checked_add(le64(&record, 4))) != Some(eocd - 20) {
                return Err("bytes sit between the zip's zip64 end record and its locator".into());
            }
            return Ok((le64(&record, 48), le64(&record, 40), at));
        }
    }
    Ok((offset32, size32, eocd))
}

/// Why the zip read as `z` (a file of `len` bytes, also open as `f`) is not laid out as csfkit
/// writes one: its members one after the other from the first byte, each its own bytes, then
/// the central directory, then the end records. Bytes in front of the first member (another
/// zip: readers that read from the front see it), between members or after the end record,
/// and members sharing bytes (one compressed stream inflated once per member) are refused
/// before anything is inflated.
pub(crate) fn problems<R: Read + io::Seek>(
    z: &mut zip::ZipArchive<R>,
    f: &fs::File,
    len: u64,
) -> Vec<String> {
    use std::os::unix::fs::FileExt;
    let front = |n: u64| {
        format!(
            "{n} bytes sit in front of the zip's first member (another zip or other data before the package): readers that read from the front see them instead"
        )
    };
    let (cd_offset, cd_size, footer) = match zip_end(f, len) {
        Ok(end) => end,
        Err(why) => return vec![why],
    };
    let cd_end = cd_offset.saturating_add(cd_size);
    if cd_end < footer {
        return vec![front(footer - cd_end)];
    }
    if cd_end > footer || z.offset() != 0 || z.central_directory_start() != cd_offset {
        return vec![
            "the zip's end record does not match its central directory (a damaged or rebuilt zip)".into(),
        ];
    }
    // (start, end, name, uses a data descriptor, crc) of every member, in file order.
    let mut spans = Vec::with_capacity(z.len());
    for i in 0..z.len() {
        let e = match z.by_index_raw(i) {
            Ok(e) => e,
            Err(e) => return vec![format!("zip member {i} cannot be read: {e}")],
        };
        let name = String::from_utf8_lossy(e.name_raw()).escape_debug().to_string();
        let start = e.header_start();
        let end = e
            .data_start()
            .unwrap_or(start)
            .saturating_add(e.compressed_size());
        spans.push((start, end, name, e.flags().is_using_data_descriptor(), e.crc32()));
    }
    spans.sort_by_key(|s| (s.0, s.1));
    let mut problems = Vec::new();
    let mut at = 0u64;
    for (k, (start, end, name, descriptor, crc)) in spans.iter().enumerate() {
        if *start < at {
            let (_, _, other, ..) = &spans[k - 1];
            problems.push(format!(
                "the zip members `{other}` and `{name}` share bytes (overlapping members: one compressed stream read once per member); a zip csfkit writes gives every member its own bytes"
            ));
            break;
        }
        if *start > at {
            problems.push(if k == 0 {
                front(*start)
            } else {
                format!(
                    "{} bytes before the zip member `{name}` belong to no member (a hidden entry?)",
                    start - at
                )
            });
            break;
        }
        at = *end;
        if *descriptor {
            // A data descriptor after the member's data: an optional signature, the CRC and
            // the two sizes (32 or 64 bits each).
            let next = spans.get(k + 1).map_or(cd_offset, |s| s.0);
            let mut dd = [0u8; 24];
            let n = next.saturating_sub(at).min(24) as usize;
            if f.read_exact_at(&mut dd[..n], at).is_ok() {
                let sig = if n >= 4 && dd[..4] == *b"PK\x07\x08" { 4 } else { 0 };
                if (n == sig + 12 || n == sig + 20) && le32(&dd, sig) == u64::from(*crc) {
                    at += n as u64;
                }
            }
        }
    }
    if problems.is_empty() && at != cd_offset {
        problems.push(if at < cd_offset {
            format!(
                "{} bytes between the last zip member and the central directory belong to no member (a hidden entry?)",
                cd_offset - at
            )
        } else {
            "the zip's last member runs into its central directory (a damaged zip)".into()
        });
    }
    if problems.is_empty() && !z.has_duplicate_names() {
        if let Err(e) = z.validate_header_consistency() {
            problems.push(format!(
                "a zip member's local header does not match the central directory ({e}): readers that read from the front see other names or sizes"
            ));
        }
    }
    problems
}
