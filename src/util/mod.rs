//! Small helpers every layer uses: hex and SHA-256, the dates csfkit stamps and judges by, and
//! the file-system rules (`fs`: regular files only, never blocking, errors by kind).

pub mod fs;

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    // A table, not `write!("{:02x}")`: the import hexes a content hash for every row.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Text compared ignoring case, spaces and punctuation (`Risk Accepted`, `risk-accepted`
/// and `RISK_ACCEPTED` are one): for headers and vocabulary read from spreadsheets.
pub fn loose_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Lower-case hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 and size of a regular file, streamed (a FIFO or device is refused, never read).
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    hash_reader(fs::open_regular(path, true)?)
}

/// SHA-256 and size of everything `f` yields, streamed.
pub fn hash_reader(mut f: impl Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), size))
}

/// The date "today" for freshness: `CSFKIT_TODAY` (YYYY-MM-DD) if set, else the local date.
pub fn today() -> Result<NaiveDate> {
    match std::env::var("CSFKIT_TODAY") {
        Ok(s) if !s.trim().is_empty() => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| Error::Usage(format!("CSFKIT_TODAY=`{s}` is not a YYYY-MM-DD date"))),
        _ => Ok(chrono::Local::now().date_naive()),
    }
}

/// Current UTC time as RFC 3339 with seconds, for provenance columns.
pub fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// True when a cell is a plain number such as `-42.5`, `+3`, `1e-3`.
fn is_plain_number(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    !t.is_empty()
        && t.parse::<f64>().is_ok()
        && t.bytes().all(|b| b.is_ascii_digit() || b"eE.+-".contains(&b))
}

/// Neutralises a cell a spreadsheet would run as a formula (first character `=`, `+`, `-`, `@`,
/// tab or carriage return) with a leading `'`; plain numbers such as `-42.5` stay as they are.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_plain_number(cell) => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// [`neutralise`] that can be undone ([`unneutralise`]): a cell that already starts with `'`
/// before a formula character gets one more, so reading the file back gives the text exactly
/// (what `mapping export` / `mapping import` need to round-trip).
pub fn neutralise_reversible(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with('\'') || neutralise(rest) != rest => format!("'{cell}").into(),
        _ => neutralise(cell),
    }
}

/// Undoes [`neutralise_reversible`]: one leading `'` before a formula character (or before
/// another such `'`) goes.
pub fn unneutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.strip_prefix('\'') {
        Some(rest) if neutralise_reversible(rest) == cell => rest.into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn reversible_neutralisation_round_trips() {
        for cell in [
            "=1+1", "'=1+1", "''=x", "plain", "'quoted", "-42.5", "-x", "\tTAB", "", "'",
        ] {
            let out = neutralise_reversible(cell);
            assert_eq!(unneutralise(&out), cell, "{cell:?} -> {out:?}");
            assert!(
                !matches!(out.chars().next(), Some('=' | '+' | '@' | '\t' | '\r')),
                "{out:?}"
            );
        }
        assert_eq!(neutralise_reversible("=1"), "'=1");
        assert_eq!(neutralise_reversible("plain"), "plain");
    }
}
