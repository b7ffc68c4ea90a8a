//! The document as callers hand it to the PDF engine: its metadata and page size, and the blocks
//! of content (title, headings, paragraphs, key-value facts, tables, bar charts); and why a PDF
//! could not be written. The engine's other files lay these out and write them.

/// Page size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Paper {
    /// 210 × 297 mm (595.28 × 841.89 pt).
    #[default]
    A4,
    /// 8.5 × 11 in (612 × 792 pt).
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub(crate) fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// Which way a page is turned: portrait (the paper's size) or landscape (width and height
/// swapped), for the wide tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Orientation {
    /// Taller than wide.
    #[default]
    Portrait,
    /// Wider than tall.
    Landscape,
}

/// What a document says about itself, and its page size.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Meta {
    /// PDF metadata title, and the running header on every page except the cover.
    pub title: String,
    /// PDF metadata author.
    pub author: String,
    /// PDF metadata subject.
    pub subject: String,
    /// Creation and modification time in the metadata: when the document was generated
    /// (`SOURCE_DATE_EPOCH` fixes it, so output can be reproduced).
    pub created: chrono::DateTime<chrono::Utc>,
    /// Page size.
    pub paper: Paper,
}

#[cfg(test)]
/// A whole document in memory: metadata plus a flow of blocks (for short documents; long ones
/// stream through a [`Writer`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Document {
    /// Metadata and page size.
    pub meta: Meta,
    /// Content, laid out top to bottom. Page 1 is the cover.
    pub blocks: Vec<Block>,
}

/// One piece of content.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Block {
    /// Big cover title with a rule below it.
    Title(String),
    /// Section heading, bold and larger; never left alone at the foot of a page.
    Heading(String),
    /// Body text, wrapped to the page width; `\n` forces a line break.
    Paragraph(String),
    /// Two-column `label  value` list, e.g. the facts on a cover page.
    KeyValues(Vec<(String, String)>),
    /// Table with a shaded header row repeated on every page.
    Table(Table),
    /// Horizontal stacked bar chart.
    BarChart(BarChart),
    /// Continue on a new page (ignored at the top of an empty page).
    PageBreak,
    /// Continue on a new page turned this way (an empty page just turns); the pages after it
    /// stay turned until the next `Orientation`.
    Orientation(Orientation),
    /// A smaller heading under a section: an entry one level down in the PDF outline and,
    /// with `dest`, a named destination that links elsewhere point to.
    Subheading {
        /// The heading's text (also the outline entry's).
        text: String,
        /// The name of the destination at it (e.g. `c-PR.AA-01`), if any.
        dest: Option<String>,
    },
}

/// What the cells of a table column link to (nothing by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum CellLink {
    /// No link.
    #[default]
    None,
    /// To the named destination `prefix` followed by the cell's first line (e.g. `c-` and
    /// `PR.AA-01`); a destination never defined is a link that goes nowhere.
    Dest(String),
    /// The cell's first line, when it is a web address (`http:`, `https:`) or a path inside
    /// the package (`evidence/...`, `attestations/...`): a URI link.
    Uri,
    /// Defines the named destination `prefix` followed by the cell's first line at the row,
    /// the first time that text appears in the document.
    Anchor(String),
}

/// Horizontal alignment of a table column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Align {
    /// Flush left (text).
    #[default]
    Left,
    /// Flush right (numbers).
    Right,
}

/// A table column.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Column {
    /// Header text (bold, wrapped, repeated at the top of each page).
    pub header: String,
    /// Relative width weight; the columns share the text width in proportion.
    pub width: f32,
    /// Alignment of the cells (the header follows it too).
    pub align: Align,
    /// What its cells link to.
    pub link: CellLink,
    /// Cells set in the monospaced face (digests), so every character has one width.
    pub mono: bool,
}

/// A table. Cells wrap within their column; a row is as tall as its tallest cell and is only
/// split across pages when it is taller than a page.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Table {
    /// Columns, left to right. A table without columns renders nothing.
    pub columns: Vec<Column>,
    /// Cell text per row; missing cells are empty, extra cells are ignored.
    pub rows: Vec<Vec<String>>,
    /// Font size in points (e.g. 7.5 for large tables); 0 or invalid means 9.
    pub font_size: f32,
}

/// Horizontal stacked bars, one per label, with a legend and the numbers on and next to bars.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct BarChart {
    /// Bold caption above the chart.
    pub caption: String,
    /// Legend entries: series name and RGB colour.
    pub series: Vec<(String, [u8; 3])>,
    /// Label and one value per series (values without a series are drawn grey).
    pub bars: Vec<(String, Vec<u64>)>,
}

/// Why a PDF could not be written.
#[derive(Debug)]
pub(crate) enum PdfError {
    /// The output failed (a full disk, a closed file).
    Io(std::io::Error),
    /// An embedded font could not be parsed or subset (a csfkit bug).
    Font(String),
    /// A page the layout did not make (a csfkit bug).
    Layout(String),
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PdfError::Io(e) => write!(f, "cannot write the PDF: {e}"),
            PdfError::Font(m) | PdfError::Layout(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PdfError {}

impl Clone for PdfError {
    // Errors are sticky in the layout and returned by every later call.
    fn clone(&self) -> Self {
        match self {
            PdfError::Io(e) => PdfError::Io(std::io::Error::new(e.kind(), e.to_string())),
            PdfError::Font(m) => PdfError::Font(m.clone()),
            PdfError::Layout(m) => PdfError::Layout(m.clone()),
        }
    }
}

impl From<std::io::Error> for PdfError {
    fn from(e: std::io::Error) -> Self {
        PdfError::Io(e)
    }
}
