//! Small helpers every layer uses: hex and SHA-256, the dates csfkit stamps and judges by, and
//! the file-system rules (`fs`: regular files only, never blocking, errors by kind).

pub(crate) mod fs;

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    // A table, not `write!("{:02x}")`: the import hexes a content hash for every row.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Lower-case hex of a 32-byte hash into a buffer on the stack (the import hexes one per row).
pub(crate) fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

/// The decimal digits of `n`, written into `buf` (no allocation: the import writes several
/// lengths and numbers per row into its hashes).
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// The decimal digits of `n` with its sign, written into `buf`, as `n.to_string()` gives them.
pub(crate) fn signed_decimal(n: i64, buf: &mut [u8; 21]) -> &[u8] {
    let mut digits = [0u8; 20];
    let d = decimal(n.unsigned_abs(), &mut digits);
    let start = buf.len() - d.len();
    buf[start..].copy_from_slice(d);
    if n < 0 {
        buf[start - 1] = b'-';
        &buf[start - 1..]
    } else {
        &buf[start..]
    }
}

/// Text compared ignoring case, spaces and punctuation (`Risk Accepted`, `risk-accepted`
/// and `RISK_ACCEPTED` are one): for headers and vocabulary read from spreadsheets.
pub(crate) fn loose_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Lower-case hex SHA-256 of bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 and size of a regular file, streamed (a FIFO or device is refused, never read).
pub(crate) fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    hash_reader(fs::open_regular(path, true)?)
}

/// SHA-256 and size of everything `f` yields, streamed.
pub(crate) fn hash_reader(mut f: impl Read) -> std::io::Result<(String, u64)> {
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

/// A date given on the command line: exactly `YYYY-MM-DD`, a real day. Anything else (a time
/// after it, `2026-10-01Tgarbage`, `2026-02-30`) is refused with what was expected; nothing is
/// cut off or guessed.
pub(crate) fn parse_date_arg(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    let shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(format!(
            "`{t}` is not a date; expected YYYY-MM-DD (e.g. 2026-12-31), a date alone without a time"
        ));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| format!("`{t}` is not a real date (no such day); expected a valid YYYY-MM-DD date"))
}

/// The first as-of date every output can carry.
pub(crate) fn as_of_min() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The last as-of date every output can carry.
pub(crate) fn as_of_max() -> NaiveDate {
    NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// An as-of date (`--as-of`, `CSFKIT_TODAY`): a date ([`parse_date_arg`]) from 1900-01-01 to
/// 2999-12-31, the dates every output can write: OSCAL's date-time pattern takes the years 1900 to
/// 2999, a workbook's date cells 1900 to 9999, a PDF's dates four-digit years.
pub(crate) fn parse_as_of(s: &str) -> Result<NaiveDate, String> {
    let d = parse_date_arg(s)?;
    if d < as_of_min() || d > as_of_max() {
        return Err(format!(
            "`{d}` is outside the dates a package can carry; expected a date from {} to {} (OSCAL timestamps take the years 1900 to 2999, workbook dates start in 1900)",
            as_of_min(),
            as_of_max()
        ));
    }
    Ok(d)
}

/// An environment variable set to a value csfkit cannot use: which one, and why (a usage
/// error, exit 2, once it is a [`crate::error::Error`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {why}")]
pub(crate) struct EnvError {
    /// The variable.
    pub var: &'static str,
    /// What is wrong with its value and what was expected.
    pub why: String,
}

/// The date "today" for freshness: `CSFKIT_TODAY` (YYYY-MM-DD, within the as-of range of
/// [`parse_as_of`]) if set, else the local date.
pub(crate) fn today() -> Result<NaiveDate, EnvError> {
    Ok(fixed_today()?.unwrap_or_else(|| chrono::Local::now().date_naive()))
}

/// `CSFKIT_TODAY`, when it is set: a date that stands for today as `--as-of` would.
pub(crate) fn fixed_today() -> Result<Option<NaiveDate>, EnvError> {
    match std::env::var("CSFKIT_TODAY") {
        Ok(s) if !s.trim().is_empty() => parse_as_of(&s).map(Some).map_err(|why| EnvError {
            var: "CSFKIT_TODAY",
            why,
        }),
        _ => Ok(None),
    }
}

/// The clock every recorded time is read from: the system's UTC time. A debug build (the one
/// the test suite runs) reads `CSFKIT_TEST_NOW` (RFC 3339) instead when it is set, so tests can
/// record history on the days they need; a release build never does, so no variable can
/// backdate a record.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    #[cfg(debug_assertions)]
    if let Some(t) = std::env::var("CSFKIT_TEST_NOW")
        .ok()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s.trim()).ok())
    {
        return t.with_timezone(&chrono::Utc);
    }
    chrono::Utc::now()
}

/// A UTC time as csfkit records it: RFC 3339 with seconds (`2026-12-06T14:03:00Z`).
pub(crate) fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Current UTC time as RFC 3339 with seconds, for provenance columns.
pub(crate) fn now_utc() -> String {
    rfc3339(now())
}

/// When an output is generated: `SOURCE_DATE_EPOCH` (whole seconds since 1970-01-01 UTC, the
/// reproducible-builds convention) when set, else the system clock (never the test clock of
/// [`now`]: two packages made a second apart differ unless `SOURCE_DATE_EPOCH` is set). A value that is not such a number,
/// or a time no package can carry (before 1980 or after 2999), is refused.
pub(crate) fn generation_time() -> Result<chrono::DateTime<chrono::Utc>, EnvError> {
    let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") else {
        return Ok(chrono::Utc::now());
    };
    let bad = |why: String| EnvError {
        var: "SOURCE_DATE_EPOCH",
        why,
    };
    let t = s.trim();
    let secs: i64 = t
        .parse()
        .ok()
        .filter(|_| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            bad(format!(
                "`{}` is not a time; expected whole seconds since 1970-01-01 00:00:00 UTC (e.g. `date +%s`), as reproducible builds set it",
                t.escape_debug()
            ))
        })?;
    chrono::DateTime::from_timestamp(secs, 0)
        .filter(|d| (1980..=2999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            bad(format!(
                "`{secs}` is outside the times a package can carry; expected a time from 1980 (the first a zip member can carry) to 2999"
            ))
        })
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
pub(crate) fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_plain_number(cell) => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// [`neutralise`] that can be undone ([`unneutralise`]): a cell that already starts with `'`
/// before a formula character gets one more, so reading the file back gives the text exactly
/// (what `mapping export` / `mapping import` need to round-trip).
pub(crate) fn neutralise_reversible(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with('\'') || neutralise(rest) != rest => format!("'{cell}").into(),
        _ => neutralise(cell),
    }
}

/// Undoes [`neutralise_reversible`]: one leading `'` before a formula character (or before
/// another such `'`) goes.
pub(crate) fn unneutralise(cell: &str) -> std::borrow::Cow<'_, str> {
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
    fn stack_hex_and_decimal_write_what_the_allocating_ones_do() {
        let h: [u8; 32] = std::array::from_fn(|i| (i * 37 + 5) as u8);
        assert_eq!(hex32(&h).as_slice(), hex(&h).as_bytes());
        let mut buf = [0u8; 20];
        for n in [0u64, 7, 10, 99, 1_000_000, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
        let mut buf = [0u8; 21];
        for n in [0i64, 5, -5, 1234, i64::MIN, i64::MAX] {
            assert_eq!(signed_decimal(n, &mut buf), n.to_string().as_bytes());
        }
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
