//! Page layout: turns [`Block`]s into printpdf operations page by page, then adds running
//! headers and "Page N of M" footers in a second pass once the page count is known.
//!
//! Coordinates are PDF points from the bottom-left corner. `y` is the top of the free space on
//! the current page and moves down as blocks are placed.

use printpdf::{
    Color, Line, LinePoint, Op, PaintMode, PdfFontHandle, Point, Pt, Rect, Rgb, TextItem, TextMatrix,
};

use super::text::{Face, Fonts};
use super::{Align, BarChart, Block, Table};

/// Left, right and bottom margin; also the top margin of the cover page.
const MARGIN: f32 = 40.0;
/// Running header: baseline and rule, measured down from the top edge.
const HEADER_BASELINE: f32 = 28.0;
const HEADER_RULE: f32 = 33.0;
/// Top of the content area below the running header, measured down from the top edge.
const CONTENT_TOP: f32 = 46.0;
/// Footer baseline above the bottom edge.
const FOOTER_BASELINE: f32 = 22.0;

const BLACK: [f32; 3] = [0.0, 0.0, 0.0];
const GREY_TEXT: [f32; 3] = [0.35, 0.35, 0.35];
const RULE: [f32; 3] = [0.72, 0.72, 0.72];
const HEADER_FILL: [f32; 3] = [0.88, 0.90, 0.93];

const BODY_SIZE: f32 = 10.0;
const BODY_LEADING: f32 = 13.5;

/// Converts a 0–255 colour to the 0–1 floats PDF wants.
fn rgb(c: [u8; 3]) -> [f32; 3] {
    [
        f32::from(c[0]) / 255.0,
        f32::from(c[1]) / 255.0,
        f32::from(c[2]) / 255.0,
    ]
}

fn color(c: [f32; 3]) -> Color {
    Color::Rgb(Rgb {
        r: c[0],
        g: c[1],
        b: c[2],
        icc_profile: None,
    })
}

/// A font size from the caller, made usable (NaN, zero, negative and absurd values are clamped).
fn sane_size(size: f32, default: f32) -> f32 {
    if size.is_finite() && size > 0.0 {
        size.clamp(4.0, 48.0)
    } else {
        default
    }
}

/// The operations of one page, tracking text-object, font and colour state so that repeated
/// settings are not emitted again (a 100,000-row table otherwise doubles its operation count).
struct PageOps {
    ops: Vec<Op>,
    in_text: bool,
    font: Option<(Face, f32)>,
    fill: Option<[f32; 3]>,
    stroke: Option<([f32; 3], f32)>,
}

impl PageOps {
    fn new(ops: Vec<Op>) -> Self {
        PageOps {
            ops,
            in_text: false,
            font: None,
            fill: None,
            stroke: None,
        }
    }

    fn set_fill(&mut self, c: [f32; 3]) {
        if self.fill != Some(c) {
            self.ops.push(Op::SetFillColor { col: color(c) });
            self.fill = Some(c);
        }
    }

    /// Draws one line of cleaned text with its baseline starting at (`x`, `y`).
    fn text(&mut self, face: Face, size: f32, x: f32, y: f32, s: &str, c: [f32; 3]) {
        if s.is_empty() {
            return;
        }
        if !self.in_text {
            self.ops.push(Op::StartTextSection);
            self.in_text = true;
        }
        if self.font != Some((face, size)) {
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(face.font_id()),
                size: Pt(size),
            });
            self.font = Some((face, size));
        }
        self.set_fill(c);
        // Absolute positioning (`Tm`), never the relative `Td` cursor.
        self.ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x), Pt(y)),
        });
        self.ops.push(Op::ShowText {
            items: vec![TextItem::Text(s.to_string())],
        });
    }

    /// Draws several pieces of cleaned text on one baseline as a single `TJ`: each part is
    /// (x, measured width, text), left to right; the gaps become kerning offsets. For a wide
    /// table this is one operation per line instead of two per cell, which roughly quarters the
    /// operation count and the memory printpdf needs.
    fn text_run(&mut self, face: Face, size: f32, y: f32, parts: &[(f32, f32, &str)], c: [f32; 3]) {
        let mut parts = parts.iter().filter(|p| !p.2.is_empty());
        let Some(&(x0, w0, s0)) = parts.next() else {
            return;
        };
        if !self.in_text {
            self.ops.push(Op::StartTextSection);
            self.in_text = true;
        }
        if self.font != Some((face, size)) {
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(face.font_id()),
                size: Pt(size),
            });
            self.font = Some((face, size));
        }
        self.set_fill(c);
        self.ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x0), Pt(y)),
        });
        let mut items = vec![TextItem::Text(s0.to_string())];
        let mut pen = x0 + w0;
        for &(x, w, s) in parts {
            // TJ numbers are thousandths of an em, subtracted from the pen position.
            items.push(TextItem::Offset(-(x - pen) * 1000.0 / size));
            items.push(TextItem::Text(s.to_string()));
            pen = x + w;
        }
        self.ops.push(Op::ShowText { items });
    }

    fn end_text(&mut self) {
        if self.in_text {
            self.ops.push(Op::EndTextSection);
            self.in_text = false;
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: [f32; 3]) {
        if !(w > 0.0 && h > 0.0) {
            return;
        }
        self.end_text();
        self.set_fill(c);
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(y),
                width: Pt(w),
                height: Pt(h),
                mode: Some(PaintMode::Fill),
                winding_order: None,
            },
        });
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, c: [f32; 3]) {
        self.end_text();
        if self.stroke != Some((c, thickness)) {
            self.ops.push(Op::SetOutlineColor { col: color(c) });
            self.ops.push(Op::SetOutlineThickness { pt: Pt(thickness) });
            self.stroke = Some((c, thickness));
        }
        let point = |x: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![point(x1), point(x2)],
                is_closed: false,
            },
        });
    }

    fn finish(mut self) -> Vec<Op> {
        self.end_text();
        self.ops
    }
}

/// One table or key-value cell, already wrapped.
struct Cell {
    x: f32,
    width: f32,
    align: Align,
    lines: Vec<String>,
}

/// The geometry of a table, fixed for all its rows.
struct TablePlan {
    size: f32,
    leading: f32,
    pad_x: f32,
    pad_y: f32,
    /// (x, width, align) per column.
    columns: Vec<(f32, f32, Align)>,
    header: Vec<Cell>,
}

impl TablePlan {
    fn header_height(&self) -> f32 {
        rows_height(&self.header, self.leading, self.pad_y)
    }
}

fn rows_height(cells: &[Cell], leading: f32, pad_y: f32) -> f32 {
    let n = cells.iter().map(|c| c.lines.len()).max().unwrap_or(1).max(1);
    n as f32 * leading + 2.0 * pad_y
}

/// Lays out a document's blocks into pages of operations.
pub(crate) struct Layout<'f> {
    fonts: &'f mut Fonts,
    width: f32,
    height: f32,
    pages: Vec<Vec<Op>>,
    page: PageOps,
    y: f32,
    /// Nothing has been drawn on the current page yet.
    fresh: bool,
}

impl<'f> Layout<'f> {
    pub(crate) fn new(fonts: &'f mut Fonts, width: f32, height: f32) -> Self {
        Layout {
            fonts,
            width,
            height,
            pages: Vec::new(),
            page: PageOps::new(Vec::new()),
            y: height - MARGIN,
            fresh: true,
        }
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

    fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.page, PageOps::new(Vec::new()));
        self.pages.push(page.finish());
        self.y = self.height - CONTENT_TOP;
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
        let ascent = self.fonts.ascent(face);
        // DejaVu's descent is about 0.24 em; centring ascent+descent in the line box.
        (leading + size * (ascent - 0.24)) / 2.0
    }

    /// Flowing lines of text at the left margin, breaking pages between lines.
    fn flow_lines(&mut self, face: Face, size: f32, leading: f32, lines: &[String], c: [f32; 3]) {
        let base = self.baseline(face, size, leading);
        for line in lines {
            self.ensure(leading);
            let x = self.left();
            self.page.text(face, size, x, self.y - base, line, c);
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

    fn heading(&mut self, s: &str, next: Option<&Block>) {
        let (size, leading) = (13.0, 17.0);
        let lines = self.wrap_block(Face::Bold, size, s);
        self.gap(10.0);
        // Keep the heading with the start of the next block: no orphan heading at a page foot.
        let own = lines.len() as f32 * leading + 4.0;
        let lead = next.map_or(0.0, |b| self.lead_height(b));
        self.ensure((own + lead).min(self.capacity()));
        self.flow_lines(Face::Bold, size, leading, &lines, BLACK);
        self.y -= 4.0;
    }

    /// Height of the first unbreakable piece of `block` (what a heading must keep with it).
    fn lead_height(&mut self, block: &Block) -> f32 {
        match block {
            Block::Title(_) => 32.0,
            Block::Heading(_) => 27.0,
            Block::Paragraph(_) => 2.0 * BODY_LEADING,
            Block::KeyValues(kv) if kv.is_empty() => 0.0,
            Block::KeyValues(_) => 14.0,
            Block::Table(t) => match self.plan_table(t) {
                None => 0.0,
                Some(plan) => {
                    let first = t.rows.first().map_or(0.0, |row| {
                        let cells = self.row_cells(&plan, row);
                        rows_height(&cells, plan.leading, plan.pad_y)
                    });
                    plan.header_height() + first
                }
            },
            Block::BarChart(_) => 60.0,
            Block::PageBreak => 0.0,
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
                        self.page.text(*face, size, *x, self.y - base, line, BLACK);
                    }
                }
                self.y -= leading;
                self.fresh = false;
            }
            self.y -= 3.0;
        }
        self.y -= 6.0;
    }

    /// Column geometry and the wrapped header; `None` for a table without columns.
    fn plan_table(&mut self, t: &Table) -> Option<TablePlan> {
        if t.columns.is_empty() {
            return None;
        }
        let size = sane_size(t.font_size, 9.0);
        let leading = size * 1.25;
        let (pad_x, pad_y) = ((size * 0.4).min(4.0), (size * 0.25).min(3.0));
        let total = self.content_width();
        let weights: Vec<f32> = t
            .columns
            .iter()
            .map(|c| {
                if c.width.is_finite() && c.width > 0.0 {
                    c.width
                } else {
                    0.0
                }
            })
            .collect();
        let sum: f32 = weights.iter().sum();
        let weights: Vec<f32> = if sum > 0.0 && sum.is_finite() {
            // A zero-weight column still gets a sliver so its text does not overprint the
            // neighbours.
            weights.iter().map(|w| w.max(sum * 0.03)).collect()
        } else {
            vec![1.0; weights.len()]
        };
        let sum: f32 = weights.iter().sum();
        let mut x = self.left();
        let mut columns = Vec::with_capacity(weights.len());
        for (w, col) in weights.iter().zip(&t.columns) {
            let width = total * w / sum;
            columns.push((x, width, col.align));
            x += width;
        }
        // A header is at most a third of a page, so a data row always fits below it.
        let max_header_lines = ((self.capacity() / 3.0 - 2.0 * pad_y) / leading).max(1.0) as usize;
        let header = columns
            .iter()
            .zip(&t.columns)
            .map(|(&(x, width, align), col)| {
                let clean = self.fonts.clean(Face::Bold, &col.header).into_owned();
                let mut lines = self.fonts.wrap(Face::Bold, &clean, size, width - 2.0 * pad_x);
                lines.truncate(max_header_lines);
                Cell {
                    x,
                    width,
                    align,
                    lines,
                }
            })
            .collect();
        Some(TablePlan {
            size,
            leading,
            pad_x,
            pad_y,
            columns,
            header,
        })
    }

    fn row_cells(&mut self, plan: &TablePlan, row: &[String]) -> Vec<Cell> {
        plan.columns
            .iter()
            .enumerate()
            .map(|(i, &(x, width, align))| {
                let raw = row.get(i).map_or("", String::as_str);
                let clean = self.fonts.clean(Face::Regular, raw);
                let lines = self
                    .fonts
                    .wrap(Face::Regular, &clean, plan.size, width - 2.0 * plan.pad_x);
                Cell {
                    x,
                    width,
                    align,
                    lines,
                }
            })
            .collect()
    }

    /// Draws lines `from..to` of each cell, the first at the current `y`.
    fn draw_cells(&mut self, plan: &TablePlan, face: Face, cells: &[Cell], from: usize, to: usize) {
        let base = self.baseline(face, plan.size, plan.leading);
        let last = cells.iter().map(|c| c.lines.len()).max().unwrap_or(0).min(to);
        let mut parts = Vec::with_capacity(cells.len());
        for k in from..last {
            let y = self.y - plan.pad_y - (k - from) as f32 * plan.leading - base;
            parts.clear();
            for cell in cells {
                let Some(line) = cell.lines.get(k).filter(|l| !l.is_empty()) else {
                    continue;
                };
                let w = self.fonts.width(face, line, plan.size);
                let x = match cell.align {
                    Align::Left => cell.x + plan.pad_x,
                    Align::Right => cell.x + cell.width - plan.pad_x - w,
                };
                parts.push((x, w, line.as_str()));
            }
            self.page.text_run(face, plan.size, y, &parts, BLACK);
        }
    }

    fn table_right(plan: &TablePlan) -> f32 {
        plan.columns.last().map_or(0.0, |&(x, w, _)| x + w)
    }

    fn draw_table_header(&mut self, plan: &TablePlan) {
        let h = plan.header_height();
        let (x1, x2) = (self.left(), Self::table_right(plan));
        self.page.rect(x1, self.y - h, x2 - x1, h, HEADER_FILL);
        self.draw_cells(plan, Face::Bold, &plan.header, 0, usize::MAX);
        self.y -= h;
        self.page.hline(x1, x2, self.y, 0.6, [0.45, 0.45, 0.45]);
        self.fresh = false;
    }

    fn table(&mut self, t: &Table) {
        let Some(plan) = self.plan_table(t) else {
            return;
        };
        self.gap(4.0);
        let first = match t.rows.first() {
            Some(row) => {
                let cells = self.row_cells(&plan, row);
                rows_height(&cells, plan.leading, plan.pad_y)
            }
            None => 0.0,
        };
        self.ensure((plan.header_height() + first).min(self.capacity()));
        self.draw_table_header(&plan);
        let (x1, x2) = (self.left(), Self::table_right(&plan));
        for row in &t.rows {
            let cells = self.row_cells(&plan, row);
            let n = cells.iter().map(|c| c.lines.len()).max().unwrap_or(1).max(1);
            let h = n as f32 * plan.leading + 2.0 * plan.pad_y;
            if self.room() < h && h <= self.capacity() - plan.header_height() {
                // Rows never split when a whole page could hold them.
                self.new_page();
                self.draw_table_header(&plan);
            }
            // Otherwise the row is taller than a page: place as many lines as fit, continue
            // below a repeated header on the next page.
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
                        self.draw_table_header(&plan);
                        broke_here = true;
                        continue;
                    }
                    // Not even one line fits below the header: overprint the margin rather
                    // than loop forever.
                    fit = 1;
                }
                let to = n.min(from + fit);
                self.draw_cells(&plan, Face::Regular, &cells, from, to);
                self.y -= (to - from) as f32 * plan.leading + 2.0 * plan.pad_y;
                self.page.hline(x1, x2, self.y, 0.3, RULE);
                self.fresh = false;
                from = to;
                if from < n {
                    self.new_page();
                    self.draw_table_header(&plan);
                    broke_here = true;
                }
            }
        }
        self.y -= 10.0;
    }

    fn bar_chart(&mut self, chart: &BarChart) {
        let left = self.left();
        let total_w = self.content_width();
        let right = left + total_w;

        // Caption.
        let caption = self.wrap_block(Face::Bold, 10.5, &chart.caption);
        let caption: Vec<String> = caption.into_iter().filter(|l| !l.is_empty()).collect();
        self.gap(6.0);
        self.ensure((caption.len() as f32 * 14.0 + 40.0).min(self.capacity()));
        self.flow_lines(Face::Bold, 10.5, 14.0, &caption, BLACK);

        // Legend: swatch + name items flowing across lines.
        let (legend_size, legend_leading, swatch) = (8.0, 12.0, 8.0);
        let mut legend_lines: Vec<Vec<(f32, [u8; 3], String)>> = vec![Vec::new()];
        let mut x = left;
        for (name, rgb_colour) in &chart.series {
            let name = self.fonts.clean(Face::Regular, name).replace('\n', " ");
            let name = self
                .fonts
                .ellipsize(Face::Regular, &name, legend_size, total_w - swatch - 4.0);
            let item_w = swatch + 4.0 + self.fonts.width(Face::Regular, &name, legend_size);
            if x > left && x + item_w > right {
                legend_lines.push(Vec::new());
                x = left;
            }
            if let Some(line) = legend_lines.last_mut() {
                line.push((x, *rgb_colour, name));
            }
            x += item_w + 14.0;
        }
        let base = self.baseline(Face::Regular, legend_size, legend_leading);
        for line in legend_lines.iter().filter(|l| !l.is_empty()) {
            self.ensure(legend_leading);
            let top = self.y;
            for (x, c, name) in line {
                let sy = top - (legend_leading + swatch) / 2.0;
                self.page.rect(*x, sy, swatch, swatch, rgb(*c));
                self.page.text(
                    Face::Regular,
                    legend_size,
                    x + swatch + 4.0,
                    top - base,
                    name,
                    BLACK,
                );
            }
            self.y -= legend_leading;
            self.fresh = false;
        }
        self.y -= 4.0;

        if chart.bars.is_empty() {
            self.flow_lines(Face::Regular, 9.0, 12.0, &["No data.".to_string()], GREY_TEXT);
            self.y -= 8.0;
            return;
        }

        // Bars: wrapped labels on the left, stacked segments, the total to the right.
        let (size, leading, bar_h, row_gap) = (8.0, 10.5, 12.0, 5.0);
        let totals: Vec<u128> = chart
            .bars
            .iter()
            .map(|(_, v)| v.iter().map(|&x| u128::from(x)).sum())
            .collect();
        let max_total = totals.iter().copied().max().unwrap_or(0);
        let total_texts: Vec<String> = totals.iter().map(u128::to_string).collect();
        let total_text_w = total_texts
            .iter()
            .map(|t| self.fonts.width(Face::Regular, t, size))
            .fold(0.0_f32, f32::max);
        let labels: Vec<String> = chart
            .bars
            .iter()
            .map(|(l, _)| self.fonts.clean(Face::Regular, l).into_owned())
            .collect();
        let widest = labels
            .iter()
            .flat_map(|l| l.split('\n'))
            .map(|l| self.fonts.width(Face::Regular, l, size))
            .fold(0.0_f32, f32::max);
        let label_w = widest.min(total_w * 0.3);
        let bar_x = left + label_w + 6.0;
        let bar_max = (right - 6.0 - total_text_w - bar_x).max(0.0);
        let label_base = self.baseline(Face::Regular, size, leading);

        for (((label, (_, values)), total), total_text) in
            labels.iter().zip(&chart.bars).zip(&totals).zip(&total_texts)
        {
            let mut lines = self.fonts.wrap(Face::Regular, label, size, label_w);
            if lines.len() > 3 {
                let rest = lines[2..].join(" ");
                lines.truncate(2);
                lines.push(self.fonts.ellipsize(Face::Regular, &rest, size, label_w));
            }
            let content_h = (lines.len() as f32 * leading).max(bar_h);
            self.ensure(content_h + row_gap);
            let top = self.y;
            for (k, line) in lines.iter().enumerate() {
                let y = top - k as f32 * leading - label_base;
                let w = self.fonts.width(Face::Regular, line, size);
                // Labels right-aligned against the bars.
                self.page
                    .text(Face::Regular, size, left + label_w - w, y, line, BLACK);
            }
            let bar_bottom = top - (content_h + bar_h) / 2.0;
            let text_y = bar_bottom + bar_h / 2.0 - size * 0.36;
            let mut acc: u128 = 0;
            let scale = |v: u128| {
                if max_total == 0 {
                    0.0
                } else {
                    (v as f64 / max_total as f64 * f64::from(bar_max)) as f32
                }
            };
            for (i, &v) in values.iter().enumerate() {
                // Cumulative positions, so rounding never opens gaps between segments.
                let x0 = bar_x + scale(acc);
                acc += u128::from(v);
                let x1 = bar_x + scale(acc);
                let c = chart.series.get(i).map_or([160, 160, 160], |s| s.1);
                self.page.rect(x0, bar_bottom, x1 - x0, bar_h, rgb(c));
                if v > 0 {
                    let s = v.to_string();
                    let w = self.fonts.width(Face::Regular, &s, size);
                    if w + 4.0 <= x1 - x0 {
                        let luminance =
                            0.299 * f32::from(c[0]) + 0.587 * f32::from(c[1]) + 0.114 * f32::from(c[2]);
                        let ink = if luminance < 140.0 { [1.0; 3] } else { BLACK };
                        let tx = x0 + (x1 - x0 - w) / 2.0;
                        self.page.text(Face::Regular, size, tx, text_y, &s, ink);
                    }
                }
            }
            let end = bar_x + scale(*total);
            self.page
                .text(Face::Bold, size, end + 4.0, text_y, total_text, BLACK);
            self.y -= content_h + row_gap;
            self.fresh = false;
        }
        self.y -= 8.0;
    }

    /// Closes the last page and adds running headers and footers; returns each page's operations.
    pub(crate) fn finish(mut self, title: &str) -> Vec<Vec<Op>> {
        // A trailing page break leaves an empty page behind: drop it (but keep a lone cover).
        let last = std::mem::replace(&mut self.page, PageOps::new(Vec::new()));
        if !self.fresh || self.pages.is_empty() {
            self.pages.push(last.finish());
        }
        let size = 8.0;
        let title = self.fonts.clean(Face::Regular, title).into_owned();
        let title = self
            .fonts
            .ellipsize(Face::Regular, &title, size, self.content_width());
        let total = self.pages.len();
        let (left, right) = (self.left(), self.left() + self.content_width());
        let mut pages = std::mem::take(&mut self.pages);
        for (i, ops) in pages.iter_mut().enumerate() {
            let mut page = PageOps::new(std::mem::take(ops));
            if i > 0 {
                let y = self.height - HEADER_BASELINE;
                page.text(Face::Regular, size, left, y, &title, GREY_TEXT);
                page.hline(left, right, self.height - HEADER_RULE, 0.5, RULE);
            }
            let footer = format!("Page {} of {}", i + 1, total);
            let w = self.fonts.width(Face::Regular, &footer, size);
            let x = (self.width - w) / 2.0;
            page.text(Face::Regular, size, x, FOOTER_BASELINE, &footer, GREY_TEXT);
            *ops = page.finish();
        }
        pages
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Column, Table};
    use super::*;
    use crate::pdf::text::parsed_faces;

    fn lay_out(blocks: &[Block]) -> Vec<Vec<String>> {
        let mut fonts = Fonts::new(parsed_faces().expect("fonts"));
        let mut layout = Layout::new(&mut fonts, 595.28, 841.89);
        layout.blocks(blocks);
        layout
            .finish("Running title")
            .iter()
            .map(|ops| {
                ops.iter()
                    .filter_map(|op| match op {
                        Op::ShowText { items } => Some(items),
                        _ => None,
                    })
                    .flatten()
                    .filter_map(|item| match item {
                        TextItem::Text(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .collect()
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
                },
                Column {
                    header: "Other".into(),
                    width: 1.0,
                    align: Align::Right,
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
