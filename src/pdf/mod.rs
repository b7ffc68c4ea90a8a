//! A small document layout engine over printpdf 0.12: the caller builds a [`Document`] of
//! [`Block`]s (cover title, headings, paragraphs, key-value facts, tables, bar charts) and
//! [`render`] turns it into PDF bytes.
//!
//! This module owns fonts, measuring, wrapping, pagination, running headers and footers, and
//! PDF serialization. It knows nothing about the rest of csfkit: callers translate their own
//! models into a [`Document`].
//!
//! Text is drawn with the embedded DejaVu Sans faces (subset on save), so it is real,
//! extractable text; characters those faces cannot draw come back in
//! [`Rendered::missing_chars`] and appear as `?` in the PDF.
//!
//! Output is deterministic: the same [`Document`] gives the same bytes, also when several PDFs
//! are rendered in one process. printpdf seeds font resource names and the trailer `/ID` from a
//! process-global counter; here the font ids are fixed and the `/ID` is replaced by a hash of
//! the document before the file is written.

mod layout;
mod text;

use std::collections::BTreeSet;

use printpdf::{PdfDocument, PdfFont, PdfPage, PdfSaveOptions, Pt, Rect};

use self::layout::Layout;
use self::text::{Face, Fonts};

/// Page size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Paper {
    /// 210 × 297 mm (595.28 × 841.89 pt).
    #[default]
    A4,
    /// 8.5 × 11 in (612 × 792 pt).
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// A document to render: metadata plus a flow of blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// PDF metadata title, and the running header on every page except the cover.
    pub title: String,
    /// PDF metadata author.
    pub author: String,
    /// PDF metadata subject.
    pub subject: String,
    /// Creation and modification date in the metadata (midnight UTC). Deliberately not the
    /// wall clock, so output is reproducible.
    pub created: chrono::NaiveDate,
    /// Page size.
    pub paper: Paper,
    /// Content, laid out top to bottom. Page 1 is the cover.
    pub blocks: Vec<Block>,
}

/// One piece of content.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
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
}

/// Horizontal alignment of a table column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Align {
    /// Flush left (text).
    #[default]
    Left,
    /// Flush right (numbers).
    Right,
}

/// A table column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Column {
    /// Header text (bold, wrapped, repeated at the top of each page).
    pub header: String,
    /// Relative width weight; the columns share the text width in proportion.
    pub width: f32,
    /// Alignment of the cells (the header follows it too).
    pub align: Align,
}

/// A table. Cells wrap within their column; a row is as tall as its tallest cell and is only
/// split across pages when it is taller than a page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Columns, left to right. A table without columns renders nothing.
    pub columns: Vec<Column>,
    /// Cell text per row; missing cells are empty, extra cells are ignored.
    pub rows: Vec<Vec<String>>,
    /// Font size in points (e.g. 7.5 for large tables); 0 or invalid means 9.
    pub font_size: f32,
}

/// Horizontal stacked bars, one per label, with a legend and the numbers on and next to bars.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarChart {
    /// Bold caption above the chart.
    pub caption: String,
    /// Legend entries: series name and RGB colour.
    pub series: Vec<(String, [u8; 3])>,
    /// Label and one value per series (values without a series are drawn grey).
    pub bars: Vec<(String, Vec<u64>)>,
}

/// The result of [`render`].
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// Characters the embedded font has no glyph for; each was drawn as `?`.
    pub missing_chars: BTreeSet<char>,
}

/// Lays out `doc` and serializes it to PDF.
///
/// # Errors
/// Only if the embedded fonts cannot be parsed or the PDF cannot be written; any document
/// content is accepted.
pub fn render(doc: &Document) -> Result<Rendered, String> {
    let faces = text::parsed_faces()?;
    let mut fonts = Fonts::new(faces);
    let (width, height) = doc.paper.size();
    let mut layout = Layout::new(&mut fonts, width, height);
    layout.blocks(&doc.blocks);
    let pages = layout.finish(&doc.title);
    let page_count = pages.len();

    let mut pdf = PdfDocument::new(&doc.title);
    let info = &mut pdf.metadata.info;
    info.author.clone_from(&doc.author);
    info.subject.clone_from(&doc.subject);
    info.creator = "csfkit".to_string();
    info.producer = format!("csfkit {} (printpdf 0.12)", env!("CARGO_PKG_VERSION"));
    let created = timestamp(doc.created)?;
    info.creation_date = created;
    info.modification_date = created;
    info.metadata_date = created;
    for (face, parsed) in [(Face::Regular, &faces.0), (Face::Bold, &faces.1)] {
        pdf.resources
            .fonts
            .map
            .insert(face.font_id(), PdfFont::new(parsed.clone()));
    }
    let media = Rect::from_wh(Pt(width), Pt(height));
    pdf.pages = pages
        .into_iter()
        .map(|ops| PdfPage {
            media_box: media.clone(),
            trim_box: media.clone(),
            crop_box: media.clone(),
            ops,
        })
        .collect();

    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let mut lo = pdf.to_lopdf_document(&opts, &mut warnings);
    drop(pdf);
    // printpdf fills the trailer /ID from its process-global counter; a hash of the content
    // keeps the file reproducible (ISO 32000-1 14.4 only asks that it identify the file).
    let id = lopdf::Object::String(document_id(doc).to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer.set("ID", lopdf::Object::Array(vec![id.clone(), id]));
    // printpdf always writes `/GTS_PDFXVersion ()`, which makes readers report a PDF/X
    // conformance this file does not claim; drop it and the other empty entries.
    if let Ok(info) = lo.trailer.get(b"Info").and_then(lopdf::Object::as_reference) {
        if let Ok(dict) = lo.get_dictionary_mut(info) {
            dict.remove(b"GTS_PDFXVersion");
            dict.remove(b"Identifier");
            dict.remove(b"Keywords");
        }
    }
    lo.compress();
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes)
        .map_err(|e| format!("cannot write the PDF: {e}"))?;
    Ok(Rendered {
        bytes,
        pages: page_count,
        missing_chars: fonts.missing,
    })
}

/// Midnight UTC of `date` as printpdf's date type.
fn timestamp(date: chrono::NaiveDate) -> Result<printpdf::OffsetDateTime, String> {
    let secs = date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
    printpdf::OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|e| format!("cannot use `{date}` as the PDF date: {e}"))
}

/// 16 bytes identifying the document's content (two FNV-1a 64 hashes).
fn document_id(doc: &Document) -> [u8; 16] {
    struct Fnv(u64, u64);
    impl Fnv {
        fn bytes(&mut self, b: &[u8]) {
            for &x in b {
                self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3);
                self.1 = (self.1 ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3 ^ 0x2_0000);
            }
        }
        fn str(&mut self, s: &str) {
            self.bytes(&(s.len() as u64).to_le_bytes());
            self.bytes(s.as_bytes());
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142);
    h.str(&doc.title);
    h.str(&doc.author);
    h.str(&doc.subject);
    h.str(&doc.created.to_string());
    h.str(&format!("{:?}", doc.paper));
    for block in &doc.blocks {
        match block {
            Block::Title(s) => {
                h.str("T");
                h.str(s);
            }
            Block::Heading(s) => {
                h.str("H");
                h.str(s);
            }
            Block::Paragraph(s) => {
                h.str("P");
                h.str(s);
            }
            Block::KeyValues(kv) => {
                h.str("K");
                for (k, v) in kv {
                    h.str(k);
                    h.str(v);
                }
            }
            Block::Table(t) => {
                h.str("G");
                h.bytes(&t.font_size.to_le_bytes());
                for c in &t.columns {
                    h.str(&c.header);
                    h.bytes(&c.width.to_le_bytes());
                    h.str(&format!("{:?}", c.align));
                }
                for row in &t.rows {
                    h.bytes(&(row.len() as u64).to_le_bytes());
                    for cell in row {
                        h.str(cell);
                    }
                }
            }
            Block::BarChart(c) => {
                h.str("B");
                h.str(&c.caption);
                for (name, rgb) in &c.series {
                    h.str(name);
                    h.bytes(rgb);
                }
                for (label, values) in &c.bars {
                    h.str(label);
                    h.bytes(&(values.len() as u64).to_le_bytes());
                    for v in values {
                        h.bytes(&v.to_le_bytes());
                    }
                }
            }
            Block::PageBreak => h.str("|"),
        }
    }
    let mut id = [0; 16];
    id[..8].copy_from_slice(&h.0.to_be_bytes());
    id[8..].copy_from_slice(&h.1.to_be_bytes());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Document {
        let columns = vec![
            Column {
                header: "ID".into(),
                width: 1.0,
                align: Align::Left,
            },
            Column {
                header: "Description".into(),
                width: 4.0,
                align: Align::Left,
            },
            Column {
                header: "Count".into(),
                width: 1.0,
                align: Align::Right,
            },
        ];
        let rows = (0..300)
            .map(|i| {
                vec![
                    format!("GV.OC-{i:03}"),
                    format!(
                        "Ελληνικά Кириллица ✓ 漢 row {i}: organizational context is understood \
                         and the mission is prioritized"
                    ),
                    (i * 7).to_string(),
                ]
            })
            .collect();
        Document {
            title: "Coverage report".into(),
            author: "csfkit".into(),
            subject: "NIST CSF 2.0".into(),
            created: chrono::NaiveDate::from_ymd_opt(2026, 3, 14).expect("valid date"),
            paper: Paper::A4,
            blocks: vec![
                Block::Title("Coverage report — NIST CSF 2.0".into()),
                Block::KeyValues(vec![
                    ("Framework".into(), "NIST CSF 2.0".into()),
                    ("Controls".into(), "106".into()),
                ]),
                Block::Heading("Summary".into()),
                Block::Paragraph("A paragraph of body text. ".repeat(30)),
                Block::BarChart(BarChart {
                    caption: "Evidence by function".into(),
                    series: vec![
                        ("Covered".into(), [46, 125, 50]),
                        ("Partial".into(), [251, 192, 45]),
                        ("Missing".into(), [198, 40, 40]),
                    ],
                    bars: vec![
                        ("Govern".into(), vec![20, 5, 6]),
                        ("Identify".into(), vec![10, 2, 9]),
                        ("Protect".into(), vec![0, 0, 0]),
                    ],
                }),
                Block::PageBreak,
                Block::Heading("Controls".into()),
                Block::Table(Table {
                    columns,
                    rows,
                    font_size: 8.0,
                }),
            ],
        }
    }

    #[test]
    fn renders_cover_chart_and_long_table() {
        let out = render(&sample()).expect("renders");
        assert!(out.bytes.starts_with(b"%PDF-"));
        assert!(out.pages > 1, "{} pages", out.pages);
        assert_eq!(out.missing_chars, BTreeSet::from(['漢']));
        // Fonts are embedded and subset (tag + name), not the whole 700 KB face.
        let raw = String::from_utf8_lossy(&out.bytes);
        assert!(raw.contains("DJVREG+DejaVuSans"), "regular face subset");
        assert!(out.bytes.len() < 400_000, "{} bytes", out.bytes.len());
    }

    #[test]
    fn output_is_deterministic() {
        let doc = sample();
        let a = render(&doc).expect("renders");
        let b = render(&doc).expect("renders");
        assert!(a.bytes == b.bytes, "two renders of one document differ");
        let mut other = doc.clone();
        other.title.push('!');
        assert!(render(&other).expect("renders").bytes != a.bytes);
    }

    #[test]
    fn metadata_date_is_the_document_date() {
        let out = render(&sample()).expect("renders");
        let raw = String::from_utf8_lossy(&out.bytes);
        assert!(raw.contains("D:20260314000000"), "creation date");
    }

    #[test]
    fn degenerate_input_does_not_panic() {
        let long_word = "x".repeat(5_000);
        let docs = [
            Document::default(),
            Document {
                paper: Paper::Letter,
                blocks: vec![
                    Block::Title(String::new()),
                    Block::Heading(String::new()),
                    Block::Paragraph(String::new()),
                    Block::Paragraph(long_word.clone()),
                    Block::Paragraph("\u{0}\u{7}\r\n\t".into()),
                    Block::KeyValues(vec![]),
                    Block::KeyValues(vec![(long_word.clone(), long_word.clone())]),
                    Block::Table(Table::default()),
                    Block::Table(Table {
                        columns: vec![Column::default(), Column::default()],
                        rows: vec![vec![], vec![long_word.clone(); 5]],
                        font_size: f32::NAN,
                    }),
                    Block::Table(Table {
                        columns: vec![
                            Column {
                                header: long_word.clone(),
                                width: 0.0,
                                align: Align::Right,
                            },
                            Column {
                                header: "b".into(),
                                width: -3.0,
                                align: Align::Left,
                            },
                            Column {
                                header: "c".into(),
                                width: f32::INFINITY,
                                align: Align::Left,
                            },
                        ],
                        rows: vec![vec![long_word.clone(), "\n\n\n".into(), String::new()]],
                        font_size: 1e9,
                    }),
                    Block::BarChart(BarChart::default()),
                    Block::BarChart(BarChart {
                        caption: long_word.clone(),
                        series: vec![(long_word.clone(), [0, 0, 0])],
                        bars: vec![
                            (long_word.clone(), vec![u64::MAX, u64::MAX, 3]),
                            (String::new(), vec![]),
                        ],
                    }),
                    Block::PageBreak,
                    Block::PageBreak,
                ],
                ..Document::default()
            },
        ];
        for doc in &docs {
            let out = render(doc).expect("renders");
            assert!(out.pages >= 1);
            assert!(out.missing_chars.is_empty());
        }
    }

    #[test]
    fn empty_document_has_one_page() {
        assert_eq!(render(&Document::default()).expect("renders").pages, 1);
    }

    /// Speed and memory check, run by hand:
    /// `cargo test --release --lib pdf::tests::large_table -- --ignored --nocapture`
    /// (set `CSFKIT_PDF_OUT=/tmp/large.pdf` to keep the file).
    #[test]
    #[ignore = "benchmark; run by hand in release mode"]
    fn large_table() {
        let columns = (0..9)
            .map(|i| Column {
                header: format!("Column {i}"),
                width: if i == 2 { 2.0 } else { 1.0 },
                align: if i >= 7 { Align::Right } else { Align::Left },
            })
            .collect();
        let rows = (0..100_000)
            .map(|r| {
                vec![
                    format!("PR.AA-{:02}", r % 100),
                    "Customer".into(),
                    format!("Evidence item {r}"),
                    "2026-03-14".into(),
                    "Covered".into(),
                    "owner@example".into(),
                    "✓".into(),
                    (r % 977).to_string(),
                    format!("{}.{:02}", r % 100, r % 97),
                ]
            })
            .collect();
        let doc = Document {
            title: "Large table".into(),
            blocks: vec![
                Block::Title("Large table".into()),
                Block::PageBreak,
                Block::Table(Table {
                    columns,
                    rows,
                    font_size: 7.5,
                }),
            ],
            ..Document::default()
        };
        let start = std::time::Instant::now();
        let out = render(&doc).expect("renders");
        eprintln!(
            "100k rows: {} pages, {} bytes in {:.2?}",
            out.pages,
            out.bytes.len(),
            start.elapsed()
        );
        if let Ok(path) = std::env::var("CSFKIT_PDF_OUT") {
            std::fs::write(path, &out.bytes).expect("write");
        }
    }

    /// Writes the sample to `CSFKIT_PDF_OUT` for a look with poppler tools.
    #[test]
    #[ignore = "writes a file; run by hand"]
    fn write_sample() {
        let path = std::env::var("CSFKIT_PDF_OUT").unwrap_or_else(|_| "/tmp/sample.pdf".into());
        std::fs::write(path, render(&sample()).expect("renders").bytes).expect("write");
    }
}
