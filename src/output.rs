//! Terminal output: the shared `--format table|csv|json` option, rendering of listings, and
//! messages on stderr (quiet mode, colour).
//!
//! Data goes to stdout; everything else (notes, warnings, progress) goes to stderr through
//! [`Messages`]. The CSV and JSON shapes of a listing are the same columns in the same order,
//! so scripts can switch between them; the table shape is for people and may wrap.

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;
use serde_json::{Map, Value};

use crate::error::Result;

/// How a listing is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns for people (the default).
    #[default]
    Table,
    /// RFC 4180 CSV with a header row, for spreadsheets and scripts.
    Csv,
    /// A JSON array of objects, one per row, for scripts.
    Json,
}

/// The shared output option group, flattened into every listing command.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write CSV cells exactly: no ' before a cell that starts with = + - @ TAB or CR (which a
    /// spreadsheet would otherwise run as a formula).
    #[arg(long)]
    pub raw_csv: bool,
}

/// One column of a listing, declared once (in `cli::columns`) and used for the help text, the
/// table, the CSV header and the JSON keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    /// snake_case name: the CSV header and JSON key.
    pub name: &'static str,
    /// Written as a number in JSON.
    pub numeric: bool,
    /// Shown in the table shape (long hashes are CSV and JSON only).
    pub in_table: bool,
    /// What the help says of it beside its name, e.g. `changed|added|removed`.
    pub note: &'static str,
}

impl Column {
    /// A text column.
    pub(crate) const fn text(name: &'static str) -> Column {
        Column {
            name,
            numeric: false,
            in_table: true,
            note: "",
        }
    }

    /// A numeric column.
    pub(crate) const fn number(name: &'static str) -> Column {
        Column {
            numeric: true,
            ..Column::text(name)
        }
    }

    /// Left out of the table shape.
    pub(crate) const fn csv_only(self) -> Column {
        Column {
            in_table: false,
            ..self
        }
    }

    /// With a note for the help text.
    pub(crate) const fn note(self, note: &'static str) -> Column {
        Column { note, ..self }
    }
}

/// The help text's paragraph naming `columns`: `CSV/JSON columns: a, b (note), c.`, wrapped
/// below 100 characters.
pub(crate) fn columns_help(columns: &[Column]) -> String {
    let words: Vec<String> = columns
        .iter()
        .map(|c| {
            if c.note.is_empty() {
                c.name.to_string()
            } else {
                format!("{} ({})", c.name, c.note)
            }
        })
        .collect();
    let mut out = String::from("CSV/JSON columns:");
    let mut line = out.len();
    for (i, w) in words.iter().enumerate() {
        let piece = if i + 1 == words.len() {
            format!("{w}.")
        } else {
            format!("{w},")
        };
        if line + 1 + piece.len() > 96 {
            out.push('\n');
            line = 0;
        } else {
            out.push(' ');
            line += 1;
        }
        line += piece.len();
        out.push_str(&piece);
    }
    out
}

/// A rectangular listing: column names and string cells.
///
/// Column names are snake_case; they are the CSV header and the JSON keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    /// Column names.
    pub columns: Vec<&'static str>,
    /// Rows of cells, each as long as `columns`.
    pub rows: Vec<Vec<String>>,
    /// Columns whose JSON value is a number rather than a string.
    pub numeric: Vec<&'static str>,
    /// Columns left out of the table shape (long hashes), kept in CSV and JSON.
    pub table_hidden: Vec<&'static str>,
}

impl Listing {
    #[cfg(test)]
    /// A listing with the given columns and no rows.
    pub(crate) fn new(columns: &[&'static str]) -> Self {
        Listing {
            columns: columns.to_vec(),
            rows: Vec::new(),
            numeric: Vec::new(),
            table_hidden: Vec::new(),
        }
    }

    /// A listing with `columns` (their names, numeric columns and table shape) and no rows.
    pub(crate) fn of(columns: &[Column]) -> Self {
        Listing {
            columns: columns.iter().map(|c| c.name).collect(),
            rows: Vec::new(),
            numeric: columns.iter().filter(|c| c.numeric).map(|c| c.name).collect(),
            table_hidden: columns.iter().filter(|c| !c.in_table).map(|c| c.name).collect(),
        }
    }

    #[cfg(test)]
    /// Marks columns as numeric for JSON output.
    #[must_use]
    pub(crate) fn numeric(mut self, columns: &[&'static str]) -> Self {
        self.numeric = columns.to_vec();
        self
    }

    /// Appends a row.
    pub(crate) fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Prints the listing to stdout as `out` asks.
    pub(crate) fn print(&self, out: &OutputArgs) -> Result<()> {
        let stdout = io::stdout();
        let mut w = io::BufWriter::new(stdout.lock());
        self.write_as(out.format, out.raw_csv, &mut w)?;
        w.flush().map_err(out_err)?;
        Ok(())
    }

    #[cfg(test)]
    /// Writes the listing in `format` (CSV cells neutralised).
    pub(crate) fn write(&self, format: Format, out: &mut dyn Write) -> Result<()> {
        self.write_as(format, false, out)
    }

    /// Writes the listing in `format`; CSV cells that a spreadsheet would run as a formula get
    /// a leading `'` unless `raw_csv`. Table cells show control characters escaped
    /// ([`terminal_text`]), so a value cannot move the terminal's cursor, change its colours or
    /// reverse the text; CSV and JSON keep them exactly.
    pub(crate) fn write_as(&self, format: Format, raw_csv: bool, out: &mut dyn Write) -> Result<()> {
        match format {
            Format::Table => {
                let keep: Vec<usize> = (0..self.columns.len())
                    .filter(|i| !self.table_hidden.contains(&self.columns[*i]))
                    .collect();
                let cols: Vec<&str> = keep.iter().map(|i| self.columns[*i]).collect();
                let rows: Vec<Vec<String>> = self
                    .rows
                    .iter()
                    .map(|r| keep.iter().map(|i| terminal_text(&r[*i]).into_owned()).collect())
                    .collect();
                let table = render_table(&cols, &rows);
                writeln!(out, "{table}").map_err(out_err)?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(&self.columns)?;
                for row in &self.rows {
                    if raw_csv {
                        w.write_record(row)?;
                    } else {
                        w.write_record(row.iter().map(|c| crate::util::neutralise(c).into_owned()))?;
                    }
                }
                w.flush().map_err(out_err)?;
            }
            Format::Json => {
                let value = Value::Array(self.rows.iter().map(|r| self.json_row(r)).collect());
                serde_json::to_writer_pretty(&mut *out, &value)?;
                writeln!(out).map_err(out_err)?;
            }
        }
        Ok(())
    }

    fn json_row(&self, row: &[String]) -> Value {
        let mut map = Map::new();
        for (col, cell) in self.columns.iter().zip(row) {
            let v = if self.numeric.contains(col) {
                cell.parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| cell.parse::<f64>().map(Value::from))
                    .unwrap_or_else(|_| {
                        if cell.is_empty() {
                            Value::Null
                        } else {
                            Value::String(cell.clone())
                        }
                    })
            } else {
                Value::String(cell.clone())
            };
            map.insert((*col).to_string(), v);
        }
        Value::Object(map)
    }
}

/// Whether `c` must not reach a terminal as it is: a control character (C0, DEL, C1: escape
/// sequences, carriage return, backspace, bell), a bidirectional control that reorders what
/// follows it (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), or a line or paragraph
/// separator (U+2028, U+2029). A line feed is one only when `line_feed` is set.
fn needs_escape(c: char, line_feed: bool) -> bool {
    if c == '\n' {
        return line_feed;
    }
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

fn escape_for_terminal(s: &str, line_feed: bool) -> std::borrow::Cow<'_, str> {
    use std::fmt::Write as _;
    if !s.chars().any(|c| needs_escape(c, line_feed)) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c, line_feed) {
            out.push(c);
        } else if c.is_ascii() {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    out.into()
}

/// Text as it may reach a terminal (table cells, messages on stderr): control characters and
/// the invisible characters that reorder or break text are shown escaped, ASCII ones as `\x1b`
/// (two hex digits) and the others as `\u{202e}`, so a file name or a cell cannot move the
/// cursor, clear a line, change colours or reverse the text after it (and so hide a `FAILED`).
/// Line feeds stay. CSV and JSON output keep every character exactly.
pub(crate) fn terminal_text(s: &str) -> std::borrow::Cow<'_, str> {
    escape_for_terminal(s, false)
}

/// [`terminal_text`] for one line: a line feed is escaped too (`\x0a`), so a value cannot start
/// a line of its own (a file name printed after `OK`).
pub(crate) fn terminal_line(s: &str) -> std::borrow::Cow<'_, str> {
    escape_for_terminal(s, true)
}

/// Renders rows as an aligned table, wrapped to the terminal width when stdout is a terminal.
pub(crate) fn render_table(columns: &[&str], rows: &[Vec<String>]) -> String {
    use comfy_table::{ContentArrangement, Table};
    use comfy_table::{LineStyle, TableStyle};
    // Header, a rule under it, then plain rows: easy to read and to grep.
    const STYLE: TableStyle = TableStyle::new().header_separator(LineStyle::none().fill('-').junction(' '));
    let mut table = Table::new();
    table.load_style(STYLE);
    if io::stdout().is_terminal() {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    table.set_header(columns.iter().map(|c| c.replace('_', " ").to_uppercase()));
    for row in rows {
        table.add_row(row);
    }
    // comfy-table pads every cell; trailing blanks only get in the way of people and grep.
    table
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line on stderr. A closed or full stderr loses the message but never stops csfkit
/// (`eprintln!` would panic).
fn to_stderr(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// The error of a write to stdout (a closed pipe is recognised as success by `lib::run`).
pub(crate) fn out_err(e: io::Error) -> crate::error::Error {
    crate::error::Error::io("writing to standard output", e)
}

/// Writes `bytes` to stdout and flushes. A closed pipe comes back as an error that
/// [`crate::error::Error::is_broken_pipe`] recognises (success for `lib::run`), a full device
/// as an I/O error (exit 74); never a panic, as `print!` would.
pub(crate) fn stdout_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).map_err(out_err)?;
    out.flush().map_err(out_err)?;
    Ok(())
}

/// One line for people on stdout (`OK PATH`, a hash and a path), escaped as [`terminal_line`]
/// (see [`stdout_bytes`]).
pub(crate) fn stdout_line(line: &str) -> Result<()> {
    stdout_bytes(format!("{}\n", terminal_line(line)).as_bytes())
}

/// Messages for people on stderr: notes, warnings, and the single error line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Messages {
    quiet: bool,
    color: bool,
}

impl Messages {
    /// Messages honouring `--quiet` and `NO_COLOR`.
    pub(crate) fn new(quiet: bool) -> Self {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb")
            && io::stderr().is_terminal();
        Messages { quiet, color }
    }

    /// True when `--quiet` was given.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// An informational line (suppressed by `--quiet`). Like every message, shown as
    /// [`terminal_text`]: the file names and cells it quotes cannot drive the terminal.
    pub(crate) fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            to_stderr(format_args!("{}", terminal_text(msg.as_ref())));
        }
    }

    /// A warning (suppressed by `--quiet`).
    pub(crate) fn warn(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            to_stderr(format_args!(
                "{}{}",
                self.paint("csfkit: warning: ", "33"),
                terminal_text(msg.as_ref())
            ));
        }
    }

    /// The error line; never suppressed.
    pub(crate) fn error(&self, msg: impl AsRef<str>) {
        to_stderr(format_args!(
            "{}{}",
            self.paint("csfkit: error: ", "31"),
            terminal_text(msg.as_ref())
        ));
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Listing {
        let mut l = Listing::new(&["id", "count"]).numeric(&["count"]);
        l.push(vec!["GV.OC-01".into(), "3".into()]);
        l.push(vec!["a,b".into(), "".into()]);
        l
    }

    #[test]
    fn csv_neutralises_formulas_unless_raw_and_tables_drop_control_characters() {
        let mut l = Listing::new(&["v"]);
        l.push(vec!["=HYPERLINK(\"x\")".into()]);
        l.push(vec!["\tx".into()]);
        l.push(vec!["-42".into()]);
        let mut out = Vec::new();
        l.write(Format::Csv, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "v\n\"'=HYPERLINK(\"\"x\"\")\"\n'\tx\n-42\n"
        );
        let mut out = Vec::new();
        l.write_as(Format::Csv, true, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with("v\n\"=HYPERLINK"));
        let mut l = Listing::new(&["v"]);
        l.push(vec!["a\u{1b}[31mred\u{202e}lave".into()]);
        let mut out = Vec::new();
        l.write(Format::Table, &mut out).unwrap();
        let table = String::from_utf8(out).unwrap();
        assert!(
            !table.contains('\u{1b}') && !table.contains('\u{202e}'),
            "{table}"
        );
        assert!(table.contains(r"a\x1b[31mred\u{202e}lave"), "{table}");
    }

    #[test]
    fn terminal_text_escapes_controls_and_bidi_but_keeps_text() {
        assert_eq!(terminal_text("plain, ünïcode 日本"), "plain, ünïcode 日本");
        assert_eq!(terminal_text("a\rb\tc\u{7f}\u{9b}"), r"a\x0db\x09c\x7f\u{9b}");
        assert_eq!(terminal_text("x\u{2066}y\u{2029}"), r"x\u{2066}y\u{2029}");
        assert_eq!(terminal_text("two\nlines"), "two\nlines");
        assert_eq!(terminal_line("two\nlines"), r"two\x0alines");
        assert!(matches!(
            terminal_text("no change"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn csv_quotes_and_keeps_column_order() {
        let mut out = Vec::new();
        sample().write(Format::Csv, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,count\nGV.OC-01,3\n\"a,b\",\n"
        );
    }

    #[test]
    fn json_types_numeric_columns() {
        let mut out = Vec::new();
        sample().write(Format::Json, &mut out).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["count"], Value::from(3));
        assert_eq!(v[1]["count"], Value::Null);
        assert_eq!(v[1]["id"], Value::from("a,b"));
    }
}
