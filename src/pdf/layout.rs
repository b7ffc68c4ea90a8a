//! Page layout: turns [`Block`]s into printpdf operations page by page, then adds running
//! headers and "Page N of M" footers in a second pass once the page count is known.
//!
//! Coordinates are PDF points from the bottom-left corner. `y` is the top of the free space on
//! the current page and moves down as blocks are placed.

use super::chart::{self, Bars, LEGEND_LEADING, ROW_GAP};
use super::doc::{BarChart, Block, Column, Orientation, PdfError, Table};
use super::ops::{BLACK, GREY_TEXT, HEADER_FILL, PageOps, RULE};
use super::table::{LinkTarget, TablePlan, rows_height};
use super::text::{Face, Fonts};

/// Left, right and bottom margin; also the top margin of the cover page.
const MARGIN: f32 = 40.0;
/// Running header: baseline and rule, measured down from the top edge.
const HEADER_BASELINE: f32 = 28.0;
const HEADER_RULE: f32 = 33.0;
/// Top of the content area below the running header, measured down from the top edge.
const CONTENT_TOP: f32 = 46.0;
/// Footer baseline above the bottom edge.
const FOOTER_BASELINE: f32 = 22.0;

const BODY_SIZE: f32 = 10.0;
/// Running header and footer text size.
const HEADER_SIZE: f32 = 8.0;
const BODY_LEADING: f32 = 13.5;

/// Where finished pages go: the PDF file, or a list in the layout tests.
pub(crate) trait Sink {
    /// Page `index` (0-based), `size` (width, height) points, is complete except for its
    /// footer.
    fn page(&mut self, index: usize, size: (f32, f32), page: PageOps) -> Result<(), PdfError>;
    /// The footer of page `index`, drawn once the page count is known.
    fn footer(&mut self, index: usize, footer: PageOps) -> Result<(), PdfError>;
    /// An entry of the document outline (`level` 0 a section, 1 below the last section) at
    /// height `y` of page `page`.
    fn outline(&mut self, level: u8, title: &str, page: usize, y: f32) {
        let _ = (level, title, page, y);
    }
    /// A named destination at height `y` of page `page`.
    fn dest(&mut self, name: &str, page: usize, y: f32) {
        let _ = (name, page, y);
    }
}

/// Lays out blocks into pages and hands each finished page to the sink, so nothing but the
/// current page is held in memory.
pub(crate) struct Layout<S: Sink> {
    pub(crate) fonts: Fonts,
    sink: S,
    /// The first error of the sink; later pages are laid out but not written.
    error: Option<PdfError>,
    /// The paper's size, portrait.
    paper: (f32, f32),
    /// The current page's size (the paper's, or turned).
    width: f32,
    height: f32,
    /// Running header text, cleaned (shortened to each page's line when drawn).
    header: String,
    /// The width of each page handed to the sink (for its footer).
    widths: Vec<f32>,
    page: PageOps,
    /// Pages handed to the sink so far.
    pages: usize,
    y: f32,
    /// Nothing has been drawn on the current page yet.
    fresh: bool,
    /// The table whose rows are being added, if any.
    open_table: Option<TablePlan>,
    /// The anchors of tables' rows defined so far (each name once).
    anchors: std::collections::HashSet<String>,
}

impl<S: Sink> Layout<S> {
    pub(crate) fn new(mut fonts: Fonts, sink: S, width: f32, height: f32, title: &str) -> Self {
        let header = fonts.clean(Face::Regular, title).into_owned();
        Layout {
            fonts,
            sink,
            error: None,
            paper: (width, height),
            width,
            height,
            header,
            widths: Vec::new(),
            page: PageOps::new(),
            pages: 0,
            y: height - MARGIN,
            fresh: true,
            open_table: None,
            anchors: std::collections::HashSet::new(),
        }
    }

    /// The first error of the sink, if any.
    pub(crate) fn error(&self) -> Option<&PdfError> {
        self.error.as_ref()
    }

    fn left(&self) -> f32 {
        MARGIN
    }

    fn content_width(&self) -> f32 {
        (self.width - 2.0 * MARGIN).max(1.0)
    }

    /// Usable height of a page that carries the running header.
    fn capacity(&self) -> f32 {
        self.height - CONTENT_TOP - MARGIN
    }

    fn room(&self) -> f32 {
        self.y - MARGIN
    }

    /// Adds the running header (not on the cover) and hands the page to the sink.
    fn emit_page(&mut self) {
        let mut page = std::mem::replace(&mut self.page, PageOps::new());
        if self.pages > 0 {
            let (left, right) = (self.left(), self.left() + self.content_width());
            let y = self.height - HEADER_BASELINE;
            let header = self
                .fonts
                .ellipsize(Face::Regular, &self.header, HEADER_SIZE, self.content_width());
            page.text(
                &mut self.fonts,
                Face::Regular,
                HEADER_SIZE,
                left,
                y,
                &header,
                GREY_TEXT,
            );
            page.hline(left, right, self.height - HEADER_RULE, 0.5, RULE);
        }
        if self.error.is_none() {
            if let Err(e) = self
                .sink
                .page(self.pages, (self.width, self.height), page.finish())
            {
                self.error = Some(e);
            }
        }
        self.widths.push(self.width);
        self.pages += 1;
    }

    fn new_page(&mut self) {
        self.emit_page();
        self.y = self.height - CONTENT_TOP;
        self.fresh = true;
    }

    /// Continues on a page turned `o`: a new one, unless the current page is still empty (it
    /// just turns).
    fn turn(&mut self, o: Orientation) {
        self.table_end();
        if !self.fresh {
            self.emit_page();
        }
        (self.width, self.height) = match o {
            Orientation::Portrait => self.paper,
            Orientation::Landscape => (self.paper.1, self.paper.0),
        };
        self.y = self.height - if self.pages == 0 { MARGIN } else { CONTENT_TOP };
        self.fresh = true;
    }

    /// Starts a new page unless `h` points still fit (or the page is still empty).
    fn ensure(&mut self, h: f32) {
        if !self.fresh && self.room() < h {
            self.new_page();
        }
    }

    /// Vertical space between blocks; dropped at the top of a page.
    fn gap(&mut self, h: f32) {
        if !self.fresh {
            self.y -= h;
        }
    }

    /// Baseline offset below the top of a line box of height `leading`, centring the glyphs.
    fn baseline(&mut self, face: Face, size: f32, leading: f32) -> f32 {
        self.fonts.baseline(face, size, leading)
    }

    /// Flowing lines of text at the left margin, breaking pages between lines.
    fn flow_lines(&mut self, face: Face, size: f32, leading: f32, lines: &[String], c: [f32; 3]) {
        let base = self.baseline(face, size, leading);
        for line in lines {
            self.ensure(leading);
            let x = self.left();
            self.page
                .text(&mut self.fonts, face, size, x, self.y - base, line, c);
            self.y -= leading;
            self.fresh = false;
        }
    }

    fn wrap_block(&mut self, face: Face, size: f32, text: &str) -> Vec<String> {
        let clean = self.fonts.clean(face, text).into_owned();
        let w = self.content_width();
        self.fonts.wrap(face, &clean, size, w)
    }

    pub(crate) fn blocks(&mut self, blocks: &[Block]) {
        for (i, block) in blocks.iter().enumerate() {
            match block {
                Block::Title(s) => self.title(s),
                Block::Heading(s) => self.heading(s, blocks.get(i + 1)),
                Block::Paragraph(s) => self.paragraph(s),
                Block::KeyValues(kv) => self.key_values(kv),
                Block::Table(t) => self.table(t),
                Block::BarChart(c) => self.bar_chart(c),
                Block::PageBreak => {
                    if !self.fresh {
                        self.new_page();
                    }
                }
                Block::Orientation(o) => self.turn(*o),
                Block::Subheading { text, dest } => self.subheading(text, dest.as_deref(), blocks.get(i + 1)),
            }
        }
    }

    fn title(&mut self, s: &str) {
        let (size, leading) = (22.0, 28.0);
        let lines = self.wrap_block(Face::Bold, size, s);
        self.gap(6.0);
        self.flow_lines(Face::Bold, size, leading, &lines, BLACK);
        self.y -= 4.0;
        let (x1, x2) = (self.left(), self.left() + self.content_width());
        self.page.hline(x1, x2, self.y, 1.2, [0.25, 0.35, 0.55]);
        self.y -= 16.0;
    }

    pub(crate) fn heading(&mut self, s: &str, next: Option<&Block>) {
        let (size, leading) = (13.0, 17.0);
        let lines = self.wrap_block(Face::Bold, size, s);
        self.gap(10.0);
        // Keep the heading with the start of the next block: no orphan heading at a page foot.
        let own = lines.len() as f32 * leading + 4.0;
        let lead = next.map_or(0.0, |b| self.lead_height(b));
        self.ensure((own + lead).min(self.capacity()));
        // Each section is an outline entry and a destination `s-TITLE` (the contents link there).
        self.sink.outline(0, s, self.pages, self.y + 6.0);
        self.sink.dest(&format!("s-{s}"), self.pages, self.y + 6.0);
        self.flow_lines(Face::Bold, size, leading, &lines, BLACK);
        self.y -= 4.0;
    }

    /// A heading under a section: an outline entry one level down, and the destination `dest`.
    fn subheading(&mut self, s: &str, dest: Option<&str>, next: Option<&Block>) {
        let (size, leading) = (10.5, 14.0);
        let lines = self.wrap_block(Face::Bold, size, s);
        self.gap(8.0);
        let own = lines.len() as f32 * leading + 3.0;
        let lead = next.map_or(0.0, |b| self.lead_height(b)).min(60.0);
        self.ensure((own + lead).min(self.capacity()));
        self.sink.outline(1, s, self.pages, self.y + 4.0);
        if let Some(d) = dest {
            self.sink.dest(d, self.pages, self.y + 4.0);
        }
        self.flow_lines(Face::Bold, size, leading, &lines, [0.15, 0.25, 0.45]);
        self.y -= 3.0;
    }

    /// Height of the first unbreakable piece of `block` (what a heading must keep with it).
    fn lead_height(&mut self, block: &Block) -> f32 {
        match block {
            Block::Title(_) => 32.0,
            Block::Heading(_) => 27.0,
            Block::Paragraph(_) => 2.0 * BODY_LEADING,
            Block::KeyValues(kv) if kv.is_empty() => 0.0,
            Block::KeyValues(_) => 14.0,
            Block::Table(t) => match self.plan_table(&t.columns, t.font_size, &t.rows) {
                None => 0.0,
                Some(plan) => {
                    let first = t.rows.first().map_or(0.0, |row| {
                        let cells = plan.row_cells(&mut self.fonts, row);
                        rows_height(&cells, plan.leading, plan.pad_y)
                    });
                    plan.header_height() + first
                }
            },
            Block::BarChart(_) => 60.0,
            Block::PageBreak | Block::Orientation(_) => 0.0,
            Block::Subheading { .. } => 20.0,
        }
    }

    fn paragraph(&mut self, s: &str) {
        let lines = self.wrap_block(Face::Regular, BODY_SIZE, s);
        self.flow_lines(Face::Regular, BODY_SIZE, BODY_LEADING, &lines, BLACK);
        self.y -= 6.0;
    }

    fn key_values(&mut self, pairs: &[(String, String)]) {
        if pairs.is_empty() {
            return;
        }
        let (size, leading) = (9.5, 13.5);
        let gutter = 12.0;
        let total = self.content_width();
        let labels: Vec<String> = pairs
            .iter()
            .map(|(k, _)| self.fonts.clean(Face::Bold, k).into_owned())
            .collect();
        let widest = labels
            .iter()
            .flat_map(|l| l.split('\n'))
            .map(|l| self.fonts.width(Face::Bold, l, size))
            .fold(0.0_f32, f32::max);
        let label_w = widest.min(total * 0.35);
        let value_x = self.left() + label_w + gutter;
        let value_w = (total - label_w - gutter).max(1.0);
        self.gap(4.0);
        for (label, (_, value)) in labels.iter().zip(pairs) {
            let label_lines = self.fonts.wrap(Face::Bold, label, size, label_w);
            let value = self.fonts.clean(Face::Regular, value).into_owned();
            let value_lines = self.fonts.wrap(Face::Regular, &value, size, value_w);
            let cells = [
                (Face::Bold, self.left(), label_lines),
                (Face::Regular, value_x, value_lines),
            ];
            let n = cells.iter().map(|c| c.2.len()).max().unwrap_or(1);
            // Keep a pair together unless it is taller than a page.
            self.ensure((n as f32 * leading).min(self.capacity()));
            for i in 0..n {
                self.ensure(leading);
                for (face, x, lines) in &cells {
                    if let Some(line) = lines.get(i) {
                        let base = self.baseline(*face, size, leading);
                        self.page
                            .text(&mut self.fonts, *face, size, *x, self.y - base, line, BLACK);
                    }
                }
                self.y -= leading;
                self.fresh = false;
            }
            self.y -= 3.0;
        }
        self.y -= 6.0;
    }

    /// Column geometry (fitted to the longest words of `rows`, when known) and the wrapped
    /// header; `None` for a table without columns.
    fn plan_table(&mut self, spec: &[Column], font_size: f32, rows: &[Vec<String>]) -> Option<TablePlan> {
        let frame = (self.left(), self.content_width(), self.capacity());
        TablePlan::new(&mut self.fonts, spec, font_size, frame, rows)
    }

    fn draw_table_header(&mut self, plan: &TablePlan) {
        let h = plan.header_height();
        let (x1, x2) = (self.left(), plan.right());
        self.page.rect(x1, self.y - h, x2 - x1, h, HEADER_FILL);
        plan.draw_cells(
            &mut self.page,
            &mut self.fonts,
            &plan.header,
            self.y,
            0..usize::MAX,
        );
        self.y -= h;
        self.page.hline(x1, x2, self.y, 0.6, [0.45, 0.45, 0.45]);
        self.fresh = false;
    }

    fn table(&mut self, t: &Table) {
        self.table_begin(&t.columns, t.font_size, &t.rows);
        for row in &t.rows {
            self.table_row(row);
        }
        self.table_end();
    }

    /// Starts a table whose rows follow with [`Layout::table_row`]: draws its header, on a new
    /// page unless the header and the first row (of `rows`, when known; else one line) fit.
    /// Known rows also fit the columns to their words.
    pub(crate) fn table_begin(&mut self, columns: &[Column], font_size: f32, rows: &[Vec<String>]) {
        self.table_end();
        let Some(plan) = self.plan_table(columns, font_size, rows) else {
            return;
        };
        self.gap(4.0);
        let first = match rows.first() {
            Some(row) => {
                let cells = plan.row_cells(&mut self.fonts, row);
                rows_height(&cells, plan.leading, plan.pad_y)
            }
            None => plan.leading + 2.0 * plan.pad_y,
        };
        self.ensure((plan.header_height() + first).min(self.capacity()));
        self.draw_table_header(&plan);
        self.open_table = Some(plan);
    }

    /// Adds a row to the open table (ignored when there is none).
    pub(crate) fn table_row(&mut self, row: &[String]) {
        let Some(plan) = self.open_table.take() else {
            return;
        };
        self.place_row(&plan, row);
        self.open_table = Some(plan);
    }

    /// Closes the open table, if any.
    pub(crate) fn table_end(&mut self) {
        if self.open_table.take().is_some() {
            self.y -= 10.0;
        }
    }

    fn place_row(&mut self, plan: &TablePlan, row: &[String]) {
        let (x1, x2) = (self.left(), plan.right());
        let cells = plan.row_cells(&mut self.fonts, row);
        let n = cells.iter().map(|c| c.lines.len()).max().unwrap_or(1).max(1);
        let h = n as f32 * plan.leading + 2.0 * plan.pad_y;
        if self.room() < h && h <= self.capacity() - plan.header_height() {
            // Rows never split when a whole page could hold them.
            self.new_page();
            self.draw_table_header(plan);
        }
        // Otherwise the row is taller than a page: place as many lines as fit, continue
        // below a repeated header on the next page.
        let links = plan.row_links(row);
        let mut from = 0;
        let mut broke_here = false;
        while from < n {
            let fit = ((self.room() - 2.0 * plan.pad_y) / plan.leading).floor();
            let mut fit = if fit.is_finite() && fit > 0.0 {
                fit as usize
            } else {
                0
            };
            if fit == 0 {
                if !broke_here {
                    self.new_page();
                    self.draw_table_header(plan);
                    broke_here = true;
                    continue;
                }
                // Not even one line fits below the header: overprint the margin rather
                // than loop forever.
                fit = 1;
            }
            let to = n.min(from + fit);
            let top = self.y;
            plan.draw_cells(&mut self.page, &mut self.fonts, &cells, self.y, from..to);
            self.y -= (to - from) as f32 * plan.leading + 2.0 * plan.pad_y;
            self.row_links(&links, top, from == 0);
            self.page.hline(x1, x2, self.y, 0.3, RULE);
            self.fresh = false;
            from = to;
            if from < n {
                self.new_page();
                self.draw_table_header(plan);
                broke_here = true;
            }
        }
    }

    /// The link annotations of a row's piece from `top` down to `self.y`; with `first`, the
    /// destinations it defines (each name once in the document).
    fn row_links(&mut self, links: &super::table::RowLinks, top: f32, first: bool) {
        for (x1, x2, target) in &links.links {
            let rect = format!("/Rect [{x1:.2} {:.2} {x2:.2} {top:.2}] /Border [0 0 0]", self.y);
            self.page.annots.push(match target {
                LinkTarget::Dest(name) => format!(
                    "<< /Type /Annot /Subtype /Link {rect} /Dest {} >>",
                    super::file::name_string(name)
                ),
                LinkTarget::Uri(uri) => format!(
                    "<< /Type /Annot /Subtype /Link {rect} /A << /S /URI /URI {} >> >>",
                    super::file::uri_string(uri)
                ),
            });
        }
        if first {
            for name in &links.anchors {
                if self.anchors.insert(name.clone()) {
                    self.sink.dest(name, self.pages, top);
                }
            }
        }
    }

    fn bar_chart(&mut self, chart: &BarChart) {
        let (left, total_w) = (self.left(), self.content_width());
        let caption = self.wrap_block(Face::Bold, 10.5, &chart.caption);
        let caption: Vec<String> = caption.into_iter().filter(|l| !l.is_empty()).collect();
        self.gap(6.0);
        self.ensure((caption.len() as f32 * 14.0 + 40.0).min(self.capacity()));
        self.flow_lines(Face::Bold, 10.5, 14.0, &caption, BLACK);
        for line in chart::legend_lines(&mut self.fonts, chart, left, total_w) {
            self.ensure(LEGEND_LEADING);
            chart::draw_legend_line(&mut self.page, &mut self.fonts, &line, self.y);
            self.y -= LEGEND_LEADING;
            self.fresh = false;
        }
        self.y -= 4.0;
        if chart.bars.is_empty() {
            self.flow_lines(Face::Regular, 9.0, 12.0, &["No data.".to_string()], GREY_TEXT);
            self.y -= 8.0;
            return;
        }
        let bars = Bars::new(&mut self.fonts, chart, left, total_w);
        for i in 0..chart.bars.len() {
            let (lines, height) = bars.label(&mut self.fonts, i);
            self.ensure(height + ROW_GAP);
            bars.draw(
                &mut self.page,
                &mut self.fonts,
                chart,
                i,
                (&lines, height),
                self.y,
            );
            self.y -= height + ROW_GAP;
            self.fresh = false;
        }
        self.y -= 8.0;
    }

    /// Closes the last page, draws every page's "Page N of M" footer, and returns the fonts
    /// (with the glyphs used), the sink and the page count.
    pub(crate) fn finish(mut self) -> Result<(Fonts, S, usize), PdfError> {
        self.table_end();
        // A trailing page break leaves an empty page behind: drop it (but keep a lone cover).
        if !self.fresh || self.pages == 0 {
            self.emit_page();
        }
        let total = self.pages;
        for i in 0..total {
            if self.error.is_some() {
                break;
            }
            let footer = format!("Page {} of {}", i + 1, total);
            let w = self.fonts.width(Face::Regular, &footer, HEADER_SIZE);
            let x = (self.widths.get(i).copied().unwrap_or(self.width) - w) / 2.0;
            let mut ops = PageOps::new();
            ops.text(
                &mut self.fonts,
                Face::Regular,
                HEADER_SIZE,
                x,
                FOOTER_BASELINE,
                &footer,
                GREY_TEXT,
            );
            if let Err(e) = self.sink.footer(i, ops.finish()) {
                self.error = Some(e);
            }
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.fonts, self.sink, total)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::doc::{Align, Table};
    use super::*;
    use crate::pdf::text::parsed_faces;

    /// Collects the text of each page, footers included.
    #[derive(Default)]
    struct Texts(Vec<Vec<String>>);

    impl Sink for Texts {
        fn page(&mut self, index: usize, _size: (f32, f32), page: PageOps) -> Result<(), PdfError> {
            assert_eq!(index, self.0.len(), "pages arrive in order");
            self.0.push(page.texts);
            Ok(())
        }
        fn footer(&mut self, index: usize, footer: PageOps) -> Result<(), PdfError> {
            self.0[index].extend(footer.texts);
            Ok(())
        }
    }

    fn lay_out(blocks: &[Block]) -> Vec<Vec<String>> {
        let fonts = Fonts::new(parsed_faces().expect("fonts"));
        let mut layout = Layout::new(fonts, Texts::default(), 595.28, 841.89, "Running title");
        layout.blocks(blocks);
        let (_, texts, n) = layout.finish().expect("finishes");
        assert_eq!(n, texts.0.len());
        texts.0
    }

    fn page_of(pages: &[Vec<String>], text: &str) -> Option<usize> {
        pages.iter().position(|p| p.iter().any(|t| t == text))
    }

    fn table(rows: Vec<Vec<String>>) -> Block {
        Block::Table(Table {
            columns: vec![
                Column {
                    header: "Hdr".into(),
                    width: 1.0,
                    align: Align::Left,
                    link: Default::default(),
                    mono: false,
                },
                Column {
                    header: "Other".into(),
                    width: 1.0,
                    align: Align::Right,
                    link: Default::default(),
                    mono: false,
                },
            ],
            rows,
            font_size: 8.0,
        })
    }

    #[test]
    fn heading_stays_with_the_next_block() {
        for filler in 40..75 {
            let pages = lay_out(&[
                Block::Paragraph(vec!["line"; filler].join("\n")),
                Block::Heading("Keep me".into()),
                table(vec![vec!["r0".into(), "1".into()]]),
                Block::Heading("Keep me too".into()),
                Block::Paragraph("first words".into()),
            ]);
            assert_eq!(page_of(&pages, "Keep me"), page_of(&pages, "r0"), "{filler}");
            assert_eq!(
                page_of(&pages, "Keep me too"),
                page_of(&pages, "first words"),
                "{filler}"
            );
        }
    }

    #[test]
    fn header_repeats_and_rows_stay_whole() {
        let rows = (0..400)
            .map(|i| vec![format!("a{i}\nb\nz{i}"), i.to_string()])
            .collect();
        let pages = lay_out(&[Block::Title("Cover".into()), table(rows)]);
        assert!(pages.len() > 3);
        for (n, page) in pages.iter().enumerate() {
            assert!(page.iter().any(|t| t == "Hdr"), "header on page {}", n + 1);
            let footer = format!("Page {} of {}", n + 1, pages.len());
            assert!(page.contains(&footer));
            assert_eq!(page.iter().any(|t| t == "Running title"), n > 0);
        }
        for i in 0..400 {
            let first = page_of(&pages, &format!("a{i}"));
            assert!(first.is_some());
            assert_eq!(first, page_of(&pages, &format!("z{i}")), "row {i} split");
        }
    }

    #[test]
    fn a_row_taller_than_a_page_splits() {
        let tall = (0..300).map(|i| format!("t{i}")).collect::<Vec<_>>().join("\n");
        let pages = lay_out(&[table(vec![vec![tall, "x".into()], vec!["after".into()]])]);
        assert!(pages.len() >= 3);
        assert_eq!(page_of(&pages, "t0"), Some(0));
        let last = page_of(&pages, "t299").expect("last line drawn");
        assert!(last >= 2);
        for page in &pages {
            assert!(page.iter().any(|t| t == "Hdr"));
        }
        assert!(page_of(&pages, "after").expect("next row") >= last);
    }

    #[test]
    fn page_break_does_not_leave_blank_pages() {
        let pages = lay_out(&[
            Block::PageBreak,
            Block::Paragraph("one".into()),
            Block::PageBreak,
            Block::PageBreak,
            Block::Paragraph("two".into()),
            Block::PageBreak,
        ]);
        assert_eq!(pages.len(), 2);
        assert_eq!(page_of(&pages, "two"), Some(1));
    }
}
