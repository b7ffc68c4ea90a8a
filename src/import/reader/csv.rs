//! Delimited text read as a stream: the delimiter given or detected outside quoted fields, a BOM
//! removed, quoted line breaks allowed, the line each record starts on kept as its row number,
//! and a quote that never closes refused naming its line.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

use super::cell::{Cell, Limits, ReadError, column_letters};

/// The delimiters csfkit recognises in delimited text, in the order a tie is decided.
pub(crate) const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of delimited text: among `,` `;` tab `|`, the one a record of the first 30 uses
/// most (title rows above the header have none); `,` when there is none. Only delimiters outside
/// quoted fields count: `GV.OC-01,x,"a; b; c; d"` is comma-separated, however many `;` the quoted
/// cell holds. A quote opens a field at the start of a line or after one of the four delimiters
/// (optionally after spaces); inside, `""` is a quote and a line break belongs to the field.
pub(crate) fn detect_delimiter(text: &str) -> u8 {
    let mut best = (0usize, b',');
    let mut counts = [0usize; 4];
    let mut records = 0;
    let mut quoted = false;
    // Whether a quote here would open a field: at the start of a line or after a delimiter
    // (spaces allowed in between).
    let mut field_start = true;
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if quoted {
            if b == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        match b {
            b'"' if field_start => {
                quoted = true;
                field_start = false;
            }
            b'\n' => {
                for (i, d) in DELIMITERS.iter().enumerate() {
                    if counts[i] > best.0 {
                        best = (counts[i], *d);
                    }
                }
                counts = [0; 4];
                field_start = true;
                records += 1;
                if records >= 30 {
                    return best.1;
                }
            }
            b' ' | b'\r' if field_start => {}
            _ => {
                if let Some(i) = DELIMITERS.iter().position(|d| *d == b) {
                    counts[i] += 1;
                    field_start = true;
                } else {
                    field_start = false;
                }
            }
        }
    }
    for (i, d) in DELIMITERS.iter().enumerate() {
        if counts[i] > best.0 {
            best = (counts[i], *d);
        }
    }
    best.1
}

/// The bytes a CSV parser has been given, kept from the start of the current record on, so
/// that the line a record starts on can be counted without holding the whole file.
struct Lines {
    /// Bytes read so far from `start` on (`start` = stream offset of `buf[0]`).
    buf: Vec<u8>,
    start: u64,
    /// `buf[..counted]` is already counted in `newlines`.
    counted: usize,
    newlines: usize,
}

impl Lines {
    /// The 1-based line of a record whose parse began at stream offset `pos` (the csv crate
    /// reports the offset of the line end before it after a CRLF, so line ends are skipped).
    fn line_at(&mut self, pos: u64) -> usize {
        let mut i = usize::try_from(pos.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.buf.len());
        i = i.max(self.counted);
        while matches!(self.buf.get(i), Some(b'\r' | b'\n')) {
            i += 1;
        }
        self.newlines += self.buf[self.counted..i].iter().filter(|b| **b == b'\n').count();
        self.counted = i;
        // Drop what is counted once it is a good part of the buffer (not per record: that
        // would move the read-ahead every time).
        if self.counted >= 1 << 16 && self.counted * 2 >= self.buf.len() {
            self.buf.drain(..self.counted);
            self.start += self.counted as u64;
            self.counted = 0;
        }
        self.newlines + 1
    }
}

/// Where the bytes given to the CSV parser stand with respect to quoting, followed byte by byte
/// with the parser's own rules (a quote opens a field only at its start; `""` inside is a
/// quote). The CSV parser itself takes a quote that is never closed as a field running to the
/// end of the file; this tracker is how such a file is refused, naming the line of the quote.
struct Quotes {
    delimiter: u8,
    state: Quoting,
    /// The line being read (1-based).
    line: usize,
    /// The line the open quoted field starts on.
    open_line: usize,
    /// Bytes inside the open quoted field so far.
    quoted: u64,
    /// Bytes a quoted field may hold before it is taken for a missing closing quote.
    max_quoted: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl Quotes {
    /// Follows `bytes`; `Err(line)` when a quoted field that starts on `line` grows past the
    /// longest value a cell may hold.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), usize> {
        for &b in bytes {
            if b == b'\n' {
                self.line += 1;
            }
            self.state = match self.state {
                Quoting::FieldStart | Quoting::Unquoted | Quoting::QuoteInQuoted => {
                    if b == b'"' && self.state == Quoting::QuoteInQuoted {
                        Quoting::Quoted
                    } else if b == self.delimiter || b == b'\n' || b == b'\r' {
                        Quoting::FieldStart
                    } else if b == b'"' && self.state == Quoting::FieldStart {
                        self.open_line = self.line;
                        self.quoted = 0;
                        Quoting::Quoted
                    } else {
                        Quoting::Unquoted
                    }
                }
                Quoting::Quoted => {
                    self.quoted += 1;
                    if self.quoted > self.max_quoted {
                        return Err(self.open_line);
                    }
                    if b == b'"' {
                        Quoting::QuoteInQuoted
                    } else {
                        Quoting::Quoted
                    }
                }
            };
        }
        Ok(())
    }
}

/// Hands bytes to the CSV parser, keeps a copy in [`Lines`] and follows the quoting.
struct Tee<R> {
    inner: R,
    lines: Rc<RefCell<Lines>>,
    quotes: Rc<RefCell<Quotes>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.lines.borrow_mut().buf.extend_from_slice(&out[..n]);
        if self.quotes.borrow_mut().feed(&out[..n]).is_err() {
            return Err(std::io::Error::other("unclosed quote"));
        }
        Ok(n)
    }
}

/// The refusal of a quoted field that never closes.
fn unclosed_quote(file: &str, open: &Quotes, eof: bool) -> String {
    if eof {
        format!(
            "{file}: line {}: a quoted field starts here and is never closed, so lines {}-{} would be read as one value; add the closing quote (a quote inside a value is written twice: \"\") and import again",
            open.open_line, open.open_line, open.line
        )
    } else {
        format!(
            "{file}: line {}: a quoted field starts here and runs past {} bytes (longer than a spreadsheet cell can be): a closing quote is missing; add it (a quote inside a value is written twice: \"\") and import again",
            open.open_line, open.max_quoted
        )
    }
}

/// Reads delimited text as a stream: BOM removed, delimiter `limits.delimiter` or, when None,
/// among `, ; \t |` (the one the first lines use most outside quotes), quoted newlines allowed,
/// row numbers = the line each record starts on.
pub(super) fn read_csv<R: Read>(
    file: &str,
    mut src: R,
    limits: &Limits,
    on_row: &mut dyn FnMut(usize, Vec<Cell>) -> Result<bool, ReadError>,
) -> Result<(), ReadError> {
    let io = |e: std::io::Error| ReadError::unreadable(format!("{file}: cannot read the file: {e}"));
    // The first 64 KiB decide the delimiter; they are then read again from memory.
    let mut head = Vec::with_capacity(1 << 16);
    src.by_ref().take(1 << 16).read_to_end(&mut head).map_err(io)?;
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head).to_vec();
    let valid = match std::str::from_utf8(&body) {
        Ok(t) => t,
        // A character cut at the end of the sample is fine; anything else is checked per field.
        Err(e) => std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default(),
    };
    let delimiter = limits.delimiter.unwrap_or_else(|| detect_delimiter(valid));
    let lines = Rc::new(RefCell::new(Lines {
        buf: Vec::new(),
        start: 0,
        counted: 0,
        newlines: 0,
    }));
    let quotes = Rc::new(RefCell::new(Quotes {
        delimiter,
        state: Quoting::FieldStart,
        line: 1,
        open_line: 0,
        quoted: 0,
        // Up to 4 bytes a character, doubled quotes, and some slack.
        max_quoted: (limits.max_cell_chars as u64).saturating_mul(8).max(1 << 16),
    }));
    let tee = Tee {
        inner: std::io::Cursor::new(body).chain(src),
        lines: lines.clone(),
        quotes: quotes.clone(),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(tee);
    let mut rows = 0usize;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) if quotes.borrow().quoted > quotes.borrow().max_quoted => {
                return Err(ReadError::data(unclosed_quote(file, &quotes.borrow(), false)));
            }
            Err(e) => return Err(ReadError::data(format!("{file}: {e}"))),
        }
        let line = lines
            .borrow_mut()
            .line_at(rec.position().map_or(0, csv::Position::byte));
        let mut fields = Vec::with_capacity(rec.len());
        for (i, f) in rec.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(t) => fields.push(t),
                Err(_) => {
                    return Err(ReadError::data(format!(
                        "{file}: line {line}, column {}: not valid UTF-8 text; save the CSV as UTF-8 (in Excel: CSV UTF-8)",
                        column_letters(i)
                    )));
                }
            }
        }
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > limits.max_rows {
            return Err(ReadError::data(format!(
                "{file}: more than {} rows; split the file",
                limits.max_rows
            )));
        }
        if fields.len() > limits.max_cols && fields.iter().skip(limits.max_cols).any(|f| !f.trim().is_empty())
        {
            return Err(ReadError::data(format!(
                "{file}: line {line} has more than {} fields; is the delimiter right?",
                limits.max_cols
            )));
        }
        let cells = fields
            .iter()
            .map(|f| {
                if f.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text((*f).to_string())
                }
            })
            .collect();
        if !on_row(line, cells)? {
            return Ok(());
        }
    }
    if quotes.borrow().state == Quoting::Quoted {
        // The last record ran to the end of the file inside quotes. The error fails the
        // import, so nothing of the file is stored.
        return Err(ReadError::data(unclosed_quote(file, &quotes.borrow(), true)));
    }
    Ok(())
}
