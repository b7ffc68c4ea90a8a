//! A small document layout engine and streaming PDF writer: the caller hands a [`Writer`]
//! [`Block`]s (cover title, headings, paragraphs, key-value facts, tables, bar charts) and rows
//! of long tables one at a time; each page goes to the output as soon as it is full.
//!
//! This module owns fonts, measuring, wrapping, pagination, running headers and footers, and
//! PDF serialization. It knows nothing about the rest of csfkit: callers translate their own
//! models into blocks.
//!
//! Memory stays flat however long the document is: only the current page, the set of glyphs
//! used and one byte offset per PDF object are held. printpdf 0.12 builds a whole document in
//! memory before it serializes it, so csfkit writes the file structure itself ([`file`]) and
//! uses printpdf for the fonts: parsing the embedded DejaVu Sans faces, glyph lookup and
//! metrics, subsetting, and the `/ToUnicode` CMap.
//!
//! Text is drawn with the embedded DejaVu Sans faces (subset at the end), so it is real,
//! extractable text; characters those faces cannot draw come back in
//! [`Rendered::missing_chars`] and appear as `?` in the PDF.
//!
//! Output is deterministic: the same blocks and rows give the same bytes; the trailer `/ID` is
//! a hash of the file's own content.

mod chart;
mod doc;
mod file;
mod layout;
mod ops;
mod table;
mod text;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;

#[cfg(test)]
pub(crate) use self::doc::Document;
pub(crate) use self::doc::{
    Align, BarChart, Block, CellLink, Column, Meta, Orientation, Paper, PdfError, Table,
};
use self::file::FileWriter;
use self::layout::{Layout, Sink};
use self::ops::PageOps;
use self::text::{Face, Fonts};

#[cfg(test)]
/// The result of [`render`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Rendered {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// Characters the embedded font has no glyph for; each was drawn as `?`.
    pub missing_chars: BTreeSet<char>,
}

/// What [`Writer::finish`] hands back.
#[derive(Debug)]
pub(crate) struct Finished<W> {
    /// The output, flushed.
    pub out: W,
    /// Number of pages.
    pub pages: usize,
    /// Characters the embedded font has no glyph for; each was drawn as `?`.
    pub missing_chars: BTreeSet<char>,
}

#[cfg(test)]
/// Lays out `doc` and serializes it to PDF in memory.
///
/// # Errors
/// Only if the embedded fonts cannot be parsed or subset; any document content is accepted.
pub(crate) fn render(doc: &Document) -> Result<Rendered, PdfError> {
    let mut w = Writer::new(Vec::new(), &doc.meta)?;
    w.blocks(&doc.blocks)?;
    let done = w.finish()?;
    Ok(Rendered {
        bytes: done.out,
        pages: done.pages,
        missing_chars: done.missing_chars,
    })
}

/// Pages go straight into the file: the page object and its content stream now, the footer
/// stream (which needs the page count) at the end.
struct FileSink<W: Write> {
    file: FileWriter<W>,
    /// Object numbers of each page and of its footer stream.
    pages: Vec<(u32, u32)>,
    /// The outline's entries: level, title, page index, height.
    outline: Vec<(u8, String, usize, f32)>,
    /// The named destinations: name, page index, height.
    dests: Vec<(String, usize, f32)>,
}

fn io_err(e: std::io::Error) -> PdfError {
    PdfError::Io(e)
}

impl<W: Write> Sink for FileSink<W> {
    fn page(&mut self, _index: usize, (width, height): (f32, f32), page: PageOps) -> Result<(), PdfError> {
        let (id, content, footer) = (self.file.alloc(), self.file.alloc(), self.file.alloc());
        let annots: Vec<u32> = page.annots.iter().map(|_| self.file.alloc()).collect();
        let annots_entry = if annots.is_empty() {
            String::new()
        } else {
            let refs: Vec<String> = annots.iter().map(|a| format!("{a} 0 R")).collect();
            format!(" /Annots [{}]", refs.join(" "))
        };
        self.file
            .object(
                id,
                &format!(
                    "<< /Type /Page /Parent {} 0 R /MediaBox [0 0 {width} {height}] /Resources {} 0 R /Contents [{content} 0 R {footer} 0 R]{annots_entry} >>",
                    file::PAGES,
                    file::RESOURCES
                ),
            )
            .map_err(io_err)?;
        self.file.stream(content, "", &page.buf).map_err(io_err)?;
        for (a, dict) in annots.iter().zip(&page.annots) {
            self.file.object(*a, dict).map_err(io_err)?;
        }
        self.pages.push((id, footer));
        Ok(())
    }

    fn footer(&mut self, index: usize, footer: PageOps) -> Result<(), PdfError> {
        let Some(&(_, id)) = self.pages.get(index) else {
            return Err(PdfError::Layout(format!("no page {index} for a footer")));
        };
        self.file.stream(id, "", &footer.buf).map_err(io_err)
    }

    fn outline(&mut self, level: u8, title: &str, page: usize, y: f32) {
        self.outline.push((level, title.to_string(), page, y));
    }

    fn dest(&mut self, name: &str, page: usize, y: f32) {
        self.dests.push((name.to_string(), page, y));
    }
}

impl<W: Write> FileSink<W> {
    /// `[page /XYZ null y null]`: page `index` at height `y` (the first page when unknown).
    fn destination(&self, index: usize, y: f32) -> String {
        let page = self.pages.get(index).or(self.pages.first()).map_or(0, |p| p.0);
        format!("[{page} 0 R /XYZ null {y:.2} null]")
    }

    /// Writes the outline (sections, and the entries below each) and the name tree of the
    /// destinations; returns the catalog's entries for them.
    fn write_navigation(&mut self) -> Result<String, PdfError> {
        let mut entries = String::new();
        if !self.dests.is_empty() {
            let mut dests = std::mem::take(&mut self.dests);
            dests.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            dests.dedup_by(|b, a| a.0 == b.0);
            let id = self.file.alloc();
            let mut names = String::from("<< /Names [");
            for (name, page, y) in &dests {
                let _ = write!(
                    names,
                    " {} {}",
                    file::name_string(name),
                    self.destination(*page, *y)
                );
            }
            names.push_str(" ] >>");
            self.file.object(id, &names).map_err(io_err)?;
            let _ = write!(entries, " /Names << /Dests {id} 0 R >>");
        }
        if self.outline.is_empty() {
            return Ok(entries);
        }
        let outline = std::mem::take(&mut self.outline);
        // Tops: the sections (a level-1 entry before any section is a top of its own).
        let mut tops: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, e) in outline.iter().enumerate() {
            match (e.0, tops.last_mut()) {
                (1.., Some(top)) => top.1.push(i),
                _ => tops.push((i, Vec::new())),
            }
        }
        let root = self.file.alloc();
        let ids: Vec<u32> = outline.iter().map(|_| self.file.alloc()).collect();
        let item =
            |this: &Self, i: usize, parent: u32, prev: Option<u32>, next: Option<u32>, kids: &[usize]| {
                let (_, title, page, y) = &outline[i];
                let mut d = format!(
                    "<< /Title {} /Parent {parent} 0 R /Dest {}",
                    file::text_string(title),
                    this.destination(*page, *y)
                );
                if let Some(p) = prev {
                    let _ = write!(d, " /Prev {p} 0 R");
                }
                if let Some(n) = next {
                    let _ = write!(d, " /Next {n} 0 R");
                }
                if let (Some(f), Some(l)) = (kids.first(), kids.last()) {
                    // Closed: a negative count of the entries below.
                    let _ = write!(
                        d,
                        " /First {} 0 R /Last {} 0 R /Count -{}",
                        ids[*f],
                        ids[*l],
                        kids.len()
                    );
                }
                d.push_str(" >>");
                d
            };
        for (t, (i, kids)) in tops.iter().enumerate() {
            let prev = t.checked_sub(1).map(|p| ids[tops[p].0]);
            let next = tops.get(t + 1).map(|n| ids[n.0]);
            let body = item(self, *i, root, prev, next, kids);
            self.file.object(ids[*i], &body).map_err(io_err)?;
            for (k, kid) in kids.iter().enumerate() {
                let prev = k.checked_sub(1).map(|p| ids[kids[p]]);
                let next = kids.get(k + 1).map(|n| ids[*n]);
                let body = item(self, *kid, ids[*i], prev, next, &[]);
                self.file.object(ids[*kid], &body).map_err(io_err)?;
            }
        }
        let (first, last) = (ids[tops[0].0], ids[tops[tops.len() - 1].0]);
        self.file
            .object(
                root,
                &format!(
                    "<< /Type /Outlines /First {first} 0 R /Last {last} 0 R /Count {} >>",
                    tops.len()
                ),
            )
            .map_err(io_err)?;
        let _ = write!(entries, " /Outlines {root} 0 R /PageMode /UseOutlines");
        Ok(entries)
    }
}

/// Writes a PDF to `W` as it is laid out: [`Writer::blocks`] for content known up front,
/// [`Writer::table_begin`] / [`Writer::table_row`] for tables fed row by row (e.g. straight
/// from a database query), then [`Writer::finish`].
///
/// Errors of the output are sticky: after the first one the layout goes on without writing,
/// and every later call (and `finish`) returns it.
pub(crate) struct Writer<W: Write> {
    layout: Layout<FileSink<W>>,
    meta: Meta,
}

impl<W: Write> Writer<W> {
    /// Starts a PDF on `out` (writes the file header).
    ///
    /// # Errors
    /// If the embedded fonts cannot be parsed or `out` cannot be written.
    pub(crate) fn new(out: W, meta: &Meta) -> Result<Self, PdfError> {
        let faces = text::parsed_faces()?;
        let (width, height) = meta.paper.size();
        let sink = FileSink {
            file: FileWriter::new(out).map_err(io_err)?,
            pages: Vec::new(),
            outline: Vec::new(),
            dests: Vec::new(),
        };
        Ok(Writer {
            layout: Layout::new(Fonts::new(faces), sink, width, height, &meta.title),
            meta: meta.clone(),
        })
    }

    fn status(&self) -> Result<(), PdfError> {
        match self.layout.error() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Lays out `blocks` (a heading is kept with the block after it in the same slice).
    ///
    /// # Errors
    /// If the output cannot be written.
    pub(crate) fn blocks(&mut self, blocks: &[Block]) -> Result<(), PdfError> {
        self.layout.blocks(blocks);
        self.status()
    }

    /// Starts a table whose rows follow one by one, under an optional heading that is kept
    /// with the table's header and first line. Its columns are fitted to the words of `fit`
    /// (rows not drawn: the widest words the rows to come can hold). Ends any table still open.
    ///
    /// # Errors
    /// If the output cannot be written.
    pub(crate) fn table_begin(
        &mut self,
        heading: Option<&str>,
        columns: &[Column],
        font_size: f32,
        fit: &[Vec<String>],
    ) -> Result<(), PdfError> {
        self.layout.table_end();
        if let Some(h) = heading {
            // The table below with one empty row stands for its header and first line.
            let lead = Block::Table(Table {
                columns: columns.to_vec(),
                rows: vec![Vec::new()],
                font_size,
            });
            self.layout.heading(h, Some(&lead));
        }
        self.layout.table_begin(columns, font_size, fit);
        self.status()
    }

    /// Adds a row to the open table (missing cells are empty, extra ones ignored).
    ///
    /// # Errors
    /// If the output cannot be written.
    pub(crate) fn table_row(&mut self, cells: &[String]) -> Result<(), PdfError> {
        self.layout.table_row(cells);
        self.status()
    }

    #[cfg(test)]
    /// Closes the open table.
    ///
    /// # Errors
    /// If the output cannot be written.
    pub(crate) fn table_end(&mut self) -> Result<(), PdfError> {
        self.layout.table_end();
        self.status()
    }

    /// Finishes the last page, writes footers, fonts, metadata and the cross-reference table.
    ///
    /// # Errors
    /// If the output cannot be written or a font cannot be subset.
    pub(crate) fn finish(self) -> Result<Finished<W>, PdfError> {
        let meta = self.meta;
        let (mut fonts, mut sink, pages) = self.layout.finish()?;
        let navigation = sink.write_navigation()?;
        let FileSink {
            mut file, pages: ids, ..
        } = sink;
        let kids: Vec<String> = ids.iter().map(|(id, _)| format!("{id} 0 R")).collect();
        file.object(
            file::PAGES,
            &format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                ids.len()
            ),
        )
        .map_err(io_err)?;
        drop(kids);
        file.object(
            file::RESOURCES,
            &format!(
                "<< /ProcSet [/PDF /Text] /Font << /{} {} 0 R /{} {} 0 R /{} {} 0 R >> >>",
                Face::Regular.id(),
                file::font_object(Face::Regular),
                Face::Bold.id(),
                file::font_object(Face::Bold),
                Face::Mono.id(),
                file::font_object(Face::Mono)
            ),
        )
        .map_err(io_err)?;
        file::write_face(&mut file, &mut fonts, Face::Regular)?;
        file::write_face(&mut file, &mut fonts, Face::Bold)?;
        file::write_face(&mut file, &mut fonts, Face::Mono)?;
        let date = format!("(D:{}Z)", meta.created.format("%Y%m%d%H%M%S"));
        file.object(
            file::INFO,
            &format!(
                "<< /Title {} /Author {} /Subject {} /Creator {} /Producer {} /CreationDate {date} /ModDate {date} >>",
                file::text_string(&meta.title),
                file::text_string(&meta.author),
                file::text_string(&meta.subject),
                file::text_string("csfkit"),
                file::text_string(&format!(
                    "csfkit {} (fonts by printpdf 0.12)",
                    env!("CARGO_PKG_VERSION")
                )),
            ),
        )
        .map_err(io_err)?;
        file.object(
            file::CATALOG,
            &format!("<< /Type /Catalog /Pages {} 0 R{navigation} >>", file::PAGES),
        )
        .map_err(io_err)?;
        let out = file.finish().map_err(io_err)?;
        Ok(Finished {
            out,
            pages,
            missing_chars: fonts.missing,
        })
    }
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
                link: Default::default(),
                mono: false,
            },
            Column {
                header: "Description".into(),
                width: 4.0,
                align: Align::Left,
                link: Default::default(),
                mono: false,
            },
            Column {
                header: "Count".into(),
                width: 1.0,
                align: Align::Right,
                link: Default::default(),
                mono: false,
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
            meta: Meta {
                title: "Coverage report".into(),
                author: "csfkit".into(),
                subject: "NIST CSF 2.0".into(),
                created: chrono::NaiveDate::from_ymd_opt(2026, 3, 14)
                    .expect("valid date")
                    .and_hms_opt(0, 0, 0)
                    .expect("valid time")
                    .and_utc(),
                paper: Paper::A4,
            },
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
        other.meta.title.push('!');
        assert!(render(&other).expect("renders").bytes != a.bytes);
    }

    #[test]
    fn sections_make_an_outline_and_linked_cells_make_annotations_and_destinations() {
        let link = |header: &str, link: CellLink| Column {
            header: header.into(),
            width: 1.0,
            align: Align::Left,
            link,
            mono: false,
        };
        let doc = Document {
            blocks: vec![
                Block::Heading("Matrix".into()),
                Block::Table(Table {
                    columns: vec![
                        link("ID", CellLink::Dest("c-".into())),
                        link("Where", CellLink::Uri),
                        link("Anchor", CellLink::Anchor("a-".into())),
                    ],
                    rows: vec![
                        vec![
                            "PR.AA-01".into(),
                            "https://x.example/a b".into(),
                            "PR.AA-01".into(),
                        ],
                        vec!["PR.AA-02".into(), "javascript:alert(1)".into(), "PR.AA-01".into()],
                    ],
                    font_size: 8.0,
                }),
                Block::Heading("Dossiers".into()),
                Block::Subheading {
                    text: "PR.AA-01 — identities".into(),
                    dest: Some("c-PR.AA-01".into()),
                },
            ],
            ..Document::default()
        };
        let raw = String::from_utf8_lossy(&render(&doc).expect("renders").bytes).into_owned();
        let name = |s: &str| file::name_string(s);
        assert!(
            raw.contains("/Type /Outlines") && raw.contains("/Count -1"),
            "two sections, one with a child"
        );
        assert!(raw.contains(&format!("/Dest {}", name("c-PR.AA-01"))));
        assert!(raw.contains(&format!("/Dest {}", name("c-PR.AA-02"))));
        assert!(raw.contains("/URI (https://x.example/a%20b)"));
        assert!(
            !raw.contains("javascript"),
            "only web addresses and package paths are links"
        );
        // Defined once each: the dossier, the anchor (its second row repeats it), the sections.
        for d in ["c-PR.AA-01", "a-PR.AA-01", "s-Matrix", "s-Dossiers"] {
            assert_eq!(raw.matches(&format!("{} [", name(d))).count(), 1, "{d}");
        }
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
                meta: Meta {
                    paper: Paper::Letter,
                    ..Meta::default()
                },
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
                                link: Default::default(),
                                mono: false,
                            },
                            Column {
                                header: "b".into(),
                                width: -3.0,
                                align: Align::Left,
                                link: Default::default(),
                                mono: false,
                            },
                            Column {
                                header: "c".into(),
                                width: f32::INFINITY,
                                align: Align::Left,
                                link: Default::default(),
                                mono: false,
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
            },
        ];
        for doc in &docs {
            let out = render(doc).expect("renders");
            assert!(out.pages >= 1);
            assert!(out.missing_chars.is_empty());
        }
    }

    #[test]
    fn a_streamed_table_lays_out_like_one_given_whole() {
        let doc = sample();
        let Some(Block::Table(table)) = doc.blocks.last() else {
            panic!("the sample ends with a table");
        };
        let whole = render(&doc).expect("renders");
        let mut w = Writer::new(Vec::new(), &doc.meta).expect("starts");
        w.blocks(&doc.blocks[..doc.blocks.len() - 2]).expect("blocks");
        w.table_begin(Some("Controls"), &table.columns, table.font_size, &[])
            .expect("table");
        for row in &table.rows {
            w.table_row(row).expect("row");
        }
        w.table_end().expect("end");
        let streamed = w.finish().expect("finishes");
        assert_eq!(streamed.pages, whole.pages);
        assert_eq!(streamed.missing_chars, whole.missing_chars);
        assert!(streamed.out.starts_with(b"%PDF-1.7") && streamed.out.ends_with(b"%%EOF\n"));
    }

    /// Fails every write after the first `ok` bytes.
    #[derive(Debug)]
    struct FailAfter {
        ok: usize,
    }

    impl Write for FailAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.ok == 0 {
                return Err(std::io::Error::other("disk full"));
            }
            let n = buf.len().min(self.ok);
            self.ok -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_output_is_reported_not_ignored() {
        let doc = sample();
        for ok in [0, 100, 5_000, 40_000] {
            let result = Writer::new(FailAfter { ok }, &doc.meta).and_then(|mut w| {
                w.blocks(&doc.blocks)?;
                w.finish()
            });
            let err = result.expect_err("a full disk fails the PDF");
            assert!(err.to_string().contains("disk full"), "{ok}: {err}");
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
                link: CellLink::None,
                mono: false,
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
            meta: Meta {
                title: "Large table".into(),
                ..Meta::default()
            },
            blocks: vec![
                Block::Title("Large table".into()),
                Block::PageBreak,
                Block::Table(Table {
                    columns,
                    rows,
                    font_size: 7.5,
                }),
            ],
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
