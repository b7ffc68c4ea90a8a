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
pub enum Format {
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
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A rectangular listing: column names and string cells.
///
/// Column names are snake_case; they are the CSV header and the JSON keys.
#[derive(Debug, Clone, Default)]
pub struct Listing {
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
    /// A listing with the given columns and no rows.
    pub fn new(columns: &[&'static str]) -> Self {
        Listing {
            columns: columns.to_vec(),
            rows: Vec::new(),
            numeric: Vec::new(),
            table_hidden: Vec::new(),
        }
    }

    /// Leaves columns out of the table shape.
    #[must_use]
    pub fn hide_in_table(mut self, columns: &[&'static str]) -> Self {
        self.table_hidden = columns.to_vec();
        self
    }

    /// Marks columns as numeric for JSON output.
    #[must_use]
    pub fn numeric(mut self, columns: &[&'static str]) -> Self {
        self.numeric = columns.to_vec();
        self
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Prints the listing to stdout in `format`.
    pub fn print(&self, format: Format) -> Result<()> {
        let stdout = io::stdout();
        let mut out = io::BufWriter::new(stdout.lock());
        self.write(format, &mut out)?;
        out.flush()?;
        Ok(())
    }

    /// Writes the listing in `format`.
    pub fn write(&self, format: Format, out: &mut dyn Write) -> Result<()> {
        match format {
            Format::Table => {
                let keep: Vec<usize> = (0..self.columns.len())
                    .filter(|i| !self.table_hidden.contains(&self.columns[*i]))
                    .collect();
                let cols: Vec<&str> = keep.iter().map(|i| self.columns[*i]).collect();
                let rows: Vec<Vec<String>> = self
                    .rows
                    .iter()
                    .map(|r| keep.iter().map(|i| r[*i].clone()).collect())
                    .collect();
                let table = render_table(&cols, &rows);
                writeln!(out, "{table}")?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(&self.columns)?;
                for row in &self.rows {
                    w.write_record(row)?;
                }
                w.flush()?;
            }
            Format::Json => {
                let value = Value::Array(self.rows.iter().map(|r| self.json_row(r)).collect());
                serde_json::to_writer_pretty(&mut *out, &value)?;
                writeln!(out)?;
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

/// Renders rows as an aligned table, wrapped to the terminal width when stdout is a terminal.
pub fn render_table(columns: &[&str], rows: &[Vec<String>]) -> String {
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

/// Messages for people on stderr: notes, warnings, and the single error line.
#[derive(Debug, Clone, Copy)]
pub struct Messages {
    quiet: bool,
    color: bool,
}

impl Messages {
    /// Messages honouring `--quiet` and `NO_COLOR`.
    pub fn new(quiet: bool) -> Self {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb")
            && io::stderr().is_terminal();
        Messages { quiet, color }
    }

    /// True when `--quiet` was given.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// An informational line (suppressed by `--quiet`).
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A warning (suppressed by `--quiet`).
    pub fn warn(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}{}", self.paint("csfkit: warning: ", "33"), msg.as_ref());
        }
    }

    /// The error line; never suppressed.
    pub fn error(&self, msg: impl AsRef<str>) {
        eprintln!("{}{}", self.paint("csfkit: error: ", "31"), msg.as_ref());
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
