//! The format of a file decided from its content, and hostile containers refused before any
//! parser sees them: the sizes a zip declares and the sizes it really inflates to.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::cell::{Limits, ReadError};

/// What to do with a damaged container: the copy on disk is not the one its program wrote.
const RESAVE: &str = "get the file again or open it in its spreadsheet program and save a new copy";

/// The container formats csfkit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Office Open XML workbook (xlsx, xlsm).
    Xlsx,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97-2003 workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Delimited text.
    Csv,
}

impl Format {
    /// Name for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "an Excel workbook (xlsx)",
            Format::Xlsb => "an Excel binary workbook (xlsb)",
            Format::Xls => "an Excel 97-2003 workbook (xls)",
            Format::Ods => "an OpenDocument spreadsheet (ods)",
            Format::Csv => "CSV text",
        }
    }

    /// The usual file extension, also the name stored with an import batch.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Csv => "csv",
        }
    }

    fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "xlsx" | "xlsm" | "xltx" | "xltm" => Format::Xlsx,
            "xlsb" => Format::Xlsb,
            "xls" | "xla" => Format::Xls,
            "ods" => Format::Ods,
            "csv" | "tsv" | "txt" => Format::Csv,
            _ => return None,
        })
    }
}

/// Decides the format from the content, refusing what csfkit cannot or must not read. The
/// message names the file and says what it holds and what was expected. Reads the start of
/// `src` (and, for an old-style compound file, scans it for encryption streams); leaves `src`
/// at its start.
pub(crate) fn sniff<R: Read + Seek>(file: &str, path: &Path, src: &mut R) -> Result<Format, ReadError> {
    let io = |e: std::io::Error| ReadError::unreadable(format!("{file}: cannot read the file: {e}"));
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut head = Vec::with_capacity(8192);
    src.by_ref().take(8192).read_to_end(&mut head).map_err(io)?;
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    let found = sniff_head(file, path, &head, src)?;
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(found)
}

fn sniff_head<R: Read + Seek>(
    file: &str,
    path: &Path,
    bytes: &[u8],
    src: &mut R,
) -> Result<Format, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::unreadable(format!(
            "{file}: the file is empty (0 bytes); expected a spreadsheet (xlsx, xlsb, xls, ods) or CSV with a header row"
        )));
    }
    let by_ext = Format::from_extension(path);
    let found = if bytes.starts_with(b"PK\x03\x04") {
        zip_format(file, src)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        let needles = [utf16("EncryptedPackage"), utf16("EncryptionInfo")];
        if stream_contains(src, &needles)
            .map_err(|e| ReadError::unreadable(format!("{file}: cannot read the file: {e}")))?
        {
            return Err(ReadError::unreadable(format!(
                "{file}: the workbook is encrypted (password protected); remove the password in your spreadsheet program (File > Info > Protect Workbook) and save a copy"
            )));
        }
        Format::Xls
    } else if bytes.starts_with(b"PK") || bytes.starts_with(&[0xD0, 0xCF]) {
        return Err(ReadError::unreadable(format!(
            "{file}: the file is truncated or damaged (its container header is incomplete); {RESAVE}"
        )));
    } else if let Some(what) = markup(bytes) {
        return Err(ReadError::data(format!(
            "{file}: the file holds {what}, not a spreadsheet or CSV (some systems save web pages or XML with a spreadsheet name); open it in a spreadsheet program and save it as xlsx, or export CSV"
        )));
    } else {
        let head = &bytes[..bytes.len().min(8192)];
        let text_like = std::str::from_utf8(head).is_ok()
            || std::str::from_utf8(&head[..head.len().saturating_sub(3)]).is_ok();
        if head.contains(&0) || !text_like {
            return Err(ReadError::data(format!(
                "{file}: not a spreadsheet and not UTF-8 text; expected xlsx, xlsb, xls, ods or CSV (save CSV as UTF-8)"
            )));
        }
        Format::Csv
    };
    if let Some(ext) = by_ext {
        let same = ext == found
            || matches!(
                (ext, found),
                (Format::Xlsx | Format::Xlsb, Format::Xlsx | Format::Xlsb)
            );
        if !same {
            let ext_name = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            return Err(ReadError::data(format!(
                "{file}: the name ends in .{ext_name} but the file holds {}; rename it to match its content (for example .{}) or save it again in the right format",
                found.name(),
                found.extension()
            )));
        }
    }
    Ok(found)
}

/// What markup a text file starts with: an HTML page or an XML document (such as the "XML
/// Spreadsheet 2003" format), which a CSV parser would take for one column of tags.
fn markup(bytes: &[u8]) -> Option<&'static str> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let head: Vec<u8> = text[start..text.len().min(start + 256)]
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<table") {
        Some("an HTML page")
    } else if head.starts_with(b"<?xml") {
        let all = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
        if all.contains("<html") {
            Some("an HTML page")
        } else if all.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            Some("an Excel 2003 XML spreadsheet")
        } else {
            Some("an XML document")
        }
    } else {
        None
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether any of `needles` occurs in `src` from its start, read in chunks that overlap by the
/// longest needle (so a match across a chunk boundary is found).
fn stream_contains<R: Read + Seek>(src: &mut R, needles: &[Vec<u8>]) -> std::io::Result<bool> {
    src.seek(SeekFrom::Start(0))?;
    let keep = needles.iter().map(Vec::len).max().unwrap_or(1).saturating_sub(1);
    let mut buf = vec![0u8; 1 << 16];
    let mut filled = 0;
    loop {
        let n = src.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok(false);
        }
        filled += n;
        if needles.iter().any(|x| contains(&buf[..filled], x)) {
            return Ok(true);
        }
        let tail = filled.saturating_sub(keep);
        buf.copy_within(tail..filled, 0);
        filled -= tail;
    }
}

/// Which spreadsheet a zip container holds, from its entry names.
fn zip_format<R: Read + Seek>(file: &str, src: &mut R) -> Result<Format, ReadError> {
    let archive = zip::ZipArchive::new(src).map_err(|e| {
        ReadError::unreadable(format!(
            "{file}: the file is truncated or damaged (not a readable zip container: {e}); {RESAVE}"
        ))
    })?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("content.xml") && has("mimetype") {
        Ok(Format::Ods)
    } else {
        Err(ReadError::data(format!(
            "{file}: a zip archive that is not a spreadsheet (no xl/workbook.xml, xl/workbook.bin or content.xml); expected xlsx, xlsb or ods"
        )))
    }
}

/// How much of a zip container [`check_container`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// What the entries declare: not encrypted, and their sizes within `limits.max_inflated`.
    /// A parser reading through the zip reader can then never inflate more, since it stops each
    /// entry at its declared size.
    Declared,
    /// The declared sizes, then every entry inflated whole: the sizes it really inflates to (a
    /// lying header is caught) and its CRC-32 (changed or damaged bytes are caught).
    Inflated,
}

/// Checks a zip container before any parser opens it, to `depth`: the sizes its entries
/// declare, then (for [`Depth::Inflated`]) the sizes they really inflate to, against
/// `limits.max_inflated`. `size` is the file's size (for messages). Anything that is not a
/// zip passes. Leaves `src` at its start.
pub(crate) fn check_container<R: Read + Seek>(
    file: &str,
    src: &mut R,
    size: u64,
    limits: &Limits,
    depth: Depth,
) -> Result<(), ReadError> {
    let io = |e: std::io::Error| ReadError::unreadable(format!("{file}: cannot read the file: {e}"));
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut magic = [0u8; 4];
    let n = src.read(&mut magic).map_err(io)?;
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    if n < 4 || &magic != b"PK\x03\x04" {
        return Ok(());
    }
    let checked = check_zip(file, &mut *src, size, limits, depth);
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    checked
}

fn check_zip<R: Read + Seek>(
    file: &str,
    src: R,
    size: u64,
    limits: &Limits,
    depth: Depth,
) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(src).map_err(|e| {
        ReadError::unreadable(format!(
            "{file}: the file is truncated or damaged (not a readable zip container: {e}); {RESAVE}"
        ))
    })?;
    let cap = limits.max_inflated;
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| ReadError::unreadable(format!("{file}: damaged zip entry {i}: {e}; {RESAVE}")))?;
        if entry.encrypted() {
            return Err(ReadError::unreadable(format!(
                "{file}: the workbook is encrypted (password protected); save an unprotected copy"
            )));
        }
        declared = declared.saturating_add(entry.size());
    }
    if declared > cap {
        return Err(ReadError::data(bomb(file, size, declared, cap)));
    }
    if depth == Depth::Declared {
        return Ok(());
    }
    let mut actual: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| {
            ReadError::unreadable(format!(
                "{file}: the file is truncated or damaged (zip entry {i}: {e}); {RESAVE}"
            ))
        })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let declared_size = entry.size();
        let mut seen: u64 = 0;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                // The zip reader stops an entry at its declared size itself.
                Err(e) if e.to_string().contains("declared") => {
                    return Err(ReadError::data(lying(file, &name, declared_size)));
                }
                Err(e) => {
                    return Err(ReadError::unreadable(format!(
                        "{file}: the file is truncated or damaged (zip entry `{name}`: {e}); {RESAVE}"
                    )));
                }
            };
            seen += n as u64;
            if seen > declared_size {
                return Err(ReadError::data(lying(file, &name, declared_size)));
            }
            if actual + seen > cap {
                return Err(ReadError::data(bomb(file, size, actual + seen, cap)));
            }
        }
        actual += seen;
    }
    Ok(())
}

fn lying(file: &str, name: &str, declared: u64) -> String {
    format!(
        "{file}: zip entry `{name}` inflates beyond the {declared} bytes it declares; refusing a file that lies about its size"
    )
}

fn bomb(file: &str, size: u64, inflated: u64, cap: u64) -> String {
    format!(
        "{file}: the {size}-byte file inflates to more than {} MiB (at least {inflated} bytes, limit {cap}); this looks like a zip bomb and was not opened",
        cap >> 20
    )
}
