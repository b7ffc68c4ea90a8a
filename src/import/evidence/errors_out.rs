//! The `--errors-out` file: the rejected rows with their reasons, to fix and import again. Its
//! place is checked and a temporary file opened before anything is stored; it is put in place
//! before the import commits, and replaces only an earlier `--errors-out` file.

use std::path::{Path, PathBuf};

use super::header::{ERRORS_COLUMN, HeaderMap};
use crate::error::{Error, Result};
use crate::import::reader::Cell;

/// The rejected rows of an import pass, written to an anonymous temporary file as they are
/// found (row number, reasons, cells as text), so that memory does not grow with them; the
/// `--errors-out` file is written from it ([`ErrorsOut::write`]). A pass that is read again
/// starts a new one.
pub(crate) struct Spill {
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    /// The most cells a rejected row had.
    width: usize,
    rows: usize,
}

impl Spill {
    pub(crate) fn new() -> std::io::Result<Self> {
        let w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(std::io::BufWriter::with_capacity(1 << 16, tempfile::tempfile()?));
        Ok(Spill { w, width: 0, rows: 0 })
    }

    /// Keeps one rejected row: its number, its cells and why it was refused.
    pub(crate) fn push(&mut self, row: usize, cells: &[Cell], reasons: &[String]) -> std::io::Result<()> {
        self.width = self.width.max(cells.len());
        self.rows += 1;
        self.w.write_field(row.to_string())?;
        self.w.write_field(reasons.join("; "))?;
        for c in cells {
            self.w.write_field(c.text())?;
        }
        self.w.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// The rows kept, read back from the start.
    fn rows(self) -> std::io::Result<csv::Reader<std::io::BufReader<std::fs::File>>> {
        use std::io::Seek;
        let mut f = self
            .w
            .into_inner()
            .map_err(|e| e.into_error())?
            .into_inner()
            .map_err(|e| e.into_error())?;
        f.rewind()?;
        Ok(csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::BufReader::with_capacity(1 << 16, f)))
    }
}

/// An `--errors-out` file: its path checked and a temporary file beside it opened before the
/// import, so that a place where it cannot be written stops the import before anything is
/// stored. [`ErrorsOut::write`] fills the temporary file and renames it over the path; an
/// existing file is replaced only if it is an earlier `--errors-out` file, never the input.
pub(crate) struct ErrorsOut {
    path: PathBuf,
    input: PathBuf,
    tmp: tempfile::NamedTempFile,
    raw: bool,
}

impl ErrorsOut {
    /// Checks `path` and opens the temporary file beside it.
    pub(crate) fn open(path: &Path, input: &Path, raw: bool) -> Result<Self> {
        check_errors_out(path, input)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".csfkit-errors-")
            .suffix(".csv")
            .tempfile_in(dir)
            .map_err(|e| crate::error::cant_create(path, e))?;
        Ok(ErrorsOut {
            path: path.to_path_buf(),
            input: input.to_path_buf(),
            tmp,
            raw,
        })
    }

    /// Writes the rejected rows with their reasons as CSV (cells neutralised unless `raw`), to
    /// be fixed and imported again, and puts the file in place. Returns the path and the
    /// number of rows written.
    pub(crate) fn write(self, header: Option<&HeaderMap>, rows: Spill) -> Result<(PathBuf, usize)> {
        let ErrorsOut {
            path,
            input,
            tmp,
            raw,
        } = self;
        let write_err = |e: std::io::Error| Error::io(format!("writing {}", path.display()), e);
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(std::io::BufWriter::new(tmp));
        let mut head: Vec<String> = header.map(|h| h.headers.clone()).unwrap_or_default();
        let width = rows.width.max(head.len());
        let count = rows.rows;
        head.resize(width, String::new());
        head.push(ERRORS_COLUMN.to_string());
        head.push(ERRORS_ROW_COLUMN.to_string());
        let cell = |c: &str| {
            if raw {
                c.to_string()
            } else {
                crate::util::neutralise(c).into_owned()
            }
        };
        w.write_record(head.iter().map(|c| cell(c)))?;
        let mut rec = csv::StringRecord::new();
        let mut kept = rows.rows().map_err(write_err)?;
        let mut line: Vec<String> = Vec::with_capacity(width + 2);
        while kept.read_record(&mut rec).map_err(|e| write_err(e.into()))? {
            // As kept: row number, reasons, cells.
            line.clear();
            line.extend(rec.iter().skip(2).map(cell));
            line.resize(width, String::new());
            line.push(cell(rec.get(1).unwrap_or_default()));
            line.push(rec.get(0).unwrap_or_default().to_string());
            w.write_record(&line)?;
        }
        let tmp = w
            .into_inner()
            .map_err(|e| Error::io(format!("writing {}", path.display()), e.into_error()))?
            .into_inner()
            .map_err(|e| Error::io(format!("writing {}", path.display()), e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        // Checked again: something saved at the path during the import is not replaced.
        check_errors_out(&path, &input)?;
        tmp.persist(&path)
            .map_err(|e| crate::error::cant_create(&path, e.error))?;
        Ok((path, count))
    }
}

/// The last column an `--errors-out` file has.
const ERRORS_ROW_COLUMN: &str = "csfkit_source_row";

/// Refuses an `--errors-out` path that would overwrite something csfkit did not write: the
/// input itself, anything but a regular file, or a file whose header is not an earlier
/// `--errors-out` file's.
fn check_errors_out(path: &Path, input: &Path) -> Result<()> {
    let refuse = |why: String| Error::CantCreate {
        path: path.into(),
        reason: format!(
            "{why}; --errors-out replaces only an earlier --errors-out file. Choose another path"
        ),
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(crate::error::cant_create(path, e)),
    };
    if !meta.is_file() {
        return Err(refuse(format!("it is {}", crate::util::fs::kind(&meta))));
    }
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(path), std::fs::canonicalize(input)) {
        if a == b {
            return Err(refuse("it is the file being imported".into()));
        }
    }
    let mut head = String::new();
    if let Ok(f) = crate::util::fs::open_regular(path, false) {
        use std::io::{BufRead, Read};
        let _ = std::io::BufReader::new(f.take(1 << 20)).read_line(&mut head);
    }
    let head = head.trim_end();
    if head.contains(ERRORS_COLUMN) && head.ends_with(ERRORS_ROW_COLUMN) {
        Ok(())
    } else {
        Err(refuse("it exists and is not an earlier --errors-out file".into()))
    }
}
