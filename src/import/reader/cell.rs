//! What every reader hands on: cells typed as the file stores them, the caps a file is read
//! under, the spreadsheet column letters, and why a file could not be read.

use calamine::{Data, DataRef};
use chrono::NaiveDateTime;

/// Why a file could not be read: `unreadable` (empty, truncated, damaged, encrypted, an I/O
/// error: exit 66) or bad data (a format csfkit does not take, a hostile container, a broken
/// row: exit 65). The message names the file and says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadError {
    /// The file cannot be read at all (exit 66), rather than holding bad data (exit 65).
    pub unreadable: bool,
    /// What is wrong, starting with the file's name.
    pub message: String,
}

impl ReadError {
    /// The file holds data csfkit refuses.
    pub(crate) fn data(message: impl Into<String>) -> Self {
        ReadError {
            unreadable: false,
            message: message.into(),
        }
    }

    /// The file cannot be read: empty, truncated, damaged, encrypted, or an I/O error.
    pub(crate) fn unreadable(message: impl Into<String>) -> Self {
        ReadError {
            unreadable: true,
            message: message.into(),
        }
    }
}

impl From<String> for ReadError {
    fn from(message: String) -> Self {
        ReadError::data(message)
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ReadError> for crate::error::Error {
    fn from(e: ReadError) -> Self {
        if e.unreadable {
            crate::error::Error::Unreadable(e.message)
        } else {
            crate::error::Error::Data(e.message)
        }
    }
}

/// A cell, typed as the file stores it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Nothing in it.
    Empty,
    /// Text.
    Text(String),
    /// A number that is not formatted as a date.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A real date cell (an Excel serial in either date system, already converted).
    Date(Option<NaiveDateTime>),
    /// An ISO 8601 date or date-time string stored as a date (ods).
    DateIso(String),
    /// A formula error such as `#N/A` or `#REF!`.
    Error(String),
}

impl Cell {
    /// Text of the cell as a person would read it (dates as ISO).
    pub(crate) fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::DateIso(s) | Cell::Error(s) => s.clone(),
            Cell::Number(f) => number_text(*f),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Date(Some(d)) => {
                // Written directly: chrono's format strings are slow for a million cells.
                use crate::import::date::{push_digits, push_iso_date};
                use chrono::{Datelike, Timelike};
                if !(0..=9999).contains(&d.year()) {
                    return d.to_string();
                }
                let mut s = String::with_capacity(19);
                push_iso_date(&mut s, d.date());
                if d.time() != chrono::NaiveTime::MIN {
                    s.push('T');
                    push_digits(&mut s, d.hour(), 2);
                    s.push(':');
                    push_digits(&mut s, d.minute(), 2);
                    s.push(':');
                    push_digits(&mut s, d.second(), 2);
                }
                s
            }
            Cell::Date(None) => "(date out of range)".to_string(),
        }
    }

    /// True for an empty cell or one holding only white space.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            // Asked of every cell read: a text starting with a visible ASCII character (nearly
            // all) is answered from its first byte; only the rest are scanned.
            Cell::Text(s) => match s.as_bytes().first() {
                Some(b) if b.is_ascii_graphic() => false,
                _ => s.trim_start().is_empty(),
            },
            _ => false,
        }
    }

    pub(super) fn from_data(d: &Data) -> Cell {
        match d {
            Data::Empty => Cell::Empty,
            Data::String(s) => Cell::Text(s.clone()),
            Data::Float(f) => Cell::Number(*f),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(d) => Cell::Date(d.as_datetime()),
            Data::DateTimeIso(s) => Cell::DateIso(s.clone()),
            Data::DurationIso(s) => Cell::Text(s.clone()),
            Data::Error(e) => Cell::Error(format!("{e}")),
        }
    }

    pub(super) fn from_ref(d: DataRef<'_>) -> Cell {
        match d {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) => Cell::Text(s),
            DataRef::SharedString(s) => Cell::Text(s.to_string()),
            DataRef::Float(f) => Cell::Number(f),
            DataRef::Int(i) => Cell::Number(i as f64),
            DataRef::Bool(b) => Cell::Bool(b),
            DataRef::DateTime(d) => Cell::Date(d.as_datetime()),
            DataRef::DateTimeIso(s) => Cell::DateIso(s),
            DataRef::DurationIso(s) => Cell::Text(s),
            DataRef::Error(e) => Cell::Error(format!("{e}")),
        }
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Caps that keep a hostile or broken file from taking the machine down, and the one choice a
/// user can make about how a file is split (`--delimiter`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The field delimiter of delimited text (`--delimiter`); None: detected.
    pub delimiter: Option<u8>,
    /// Data rows read from one sheet.
    pub max_rows: usize,
    /// Columns (the highest column index with a value).
    pub max_cols: usize,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Bytes a zip container may inflate to, in total.
    pub max_inflated: u64,
}

impl Limits {
    /// The defaults for a file of `size` bytes: 2 million rows, 1,024 columns, 32,767
    /// characters per cell, and a container that inflates to at most 100 times its size
    /// (at least 64 MiB, at most 4 GiB).
    pub(crate) fn for_size(size: u64) -> Limits {
        Limits {
            delimiter: None,
            max_rows: 2_000_000,
            max_cols: 1024,
            max_cell_chars: 32_767,
            max_inflated: size.saturating_mul(100).clamp(64 << 20, 4 << 30),
        }
    }

    /// The same caps, delimited text split at `delimiter` (None: detected).
    #[must_use]
    pub(crate) fn with_delimiter(self, delimiter: Option<u8>) -> Limits {
        Limits { delimiter, ..self }
    }
}

/// Spreadsheet column letters for a 0-based index (0 -> A, 27 -> AB).
pub(crate) fn column_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}
