//! Table geometry: where each column sits (from its weight, widened to its longest word when
//! the rows are known), each cell's text wrapped to its column, and a row's lines drawn at a
//! given height. Which page a row goes on, and the header
//! repeated on the next, is `layout`'s business.

use super::doc::{Align, CellLink, Column};
use super::ops::{BLACK, PageOps};
use super::text::{Face, Fonts};

/// A font size from the caller, made usable (NaN, zero, negative and absurd values are clamped).
pub(crate) fn sane_size(size: f32, default: f32) -> f32 {
    if size.is_finite() && size > 0.0 {
        size.clamp(4.0, 48.0)
    } else {
        default
    }
}

/// One table or key-value cell, already wrapped.
pub(crate) struct Cell {
    x: f32,
    width: f32,
    align: Align,
    face: Face,
    pub(crate) lines: Vec<String>,
}

/// The most of a table's width one column's longest word can claim.
const MAX_WORD_SHARE: f32 = 1.0 / 3.0;

/// A word up to this many characters is never broken when the rows are known: its column is
/// made as wide as it (control IDs, statuses, `customer`, dates, owners). A longer one (a URL,
/// a path) may break at its slashes, hyphens and dots, so only its longest piece counts.
const WHOLE_WORD: usize = 24;

/// The geometry of a table, fixed for all its rows.
pub(crate) struct TablePlan {
    pub(crate) size: f32,
    pub(crate) leading: f32,
    pad_x: f32,
    pub(crate) pad_y: f32,
    /// (x, width, align, face) per column.
    columns: Vec<(f32, f32, Align, Face)>,
    /// What each column's cells link to.
    links: Vec<CellLink>,
    pub(crate) header: Vec<Cell>,
}

/// What the cells of one row link to: link annotations (rectangles in page space) and the
/// named destinations the row defines.
#[derive(Default)]
pub(crate) struct RowLinks {
    /// (x1, x2, target) of each linked cell.
    pub(crate) links: Vec<(f32, f32, LinkTarget)>,
    /// Destinations the row's anchor cells name.
    pub(crate) anchors: Vec<String>,
}

/// Where a link goes.
pub(crate) enum LinkTarget {
    /// A named destination.
    Dest(String),
    /// A URI (a web address or a relative path).
    Uri(String),
}

/// Whether `s` is something a URI link can open: a web address, or a path inside a package.
fn linkable(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || ((s.starts_with("evidence/") || s.starts_with("attestations/")) && !s.contains(".."))
}

/// The height of a row of `cells`: its tallest cell's lines and the padding.
pub(crate) fn rows_height(cells: &[Cell], leading: f32, pad_y: f32) -> f32 {
    let n = cells.iter().map(|c| c.lines.len()).max().unwrap_or(1).max(1);
    n as f32 * leading + 2.0 * pad_y
}

/// The width a word of `face` needs so it is not broken: the whole word up to [`WHOLE_WORD`]
/// characters, else its widest piece between break points ([`Fonts::wrap`] breaks there).
fn word_need(fonts: &mut Fonts, face: Face, word: &str, size: f32) -> f32 {
    if word.chars().count() <= WHOLE_WORD {
        return fonts.width(face, word, size);
    }
    super::text::pieces(word)
        .map(|p| fonts.width(face, p, size))
        .fold(0.0, f32::max)
}

/// The width of each column: its share of `total` by weight, widened to fit the longest word
/// of its header and of `rows` (each with `pad` on both sides), the room taken from the columns
/// with room to spare in proportion to it. When the words cannot all fit, every column gets
/// its need scaled down to the total.
fn fit_widths(
    fonts: &mut Fonts,
    spec: &[Column],
    weights: &[f32],
    size: f32,
    pad: f32,
    total: f32,
    rows: &[Vec<String>],
) -> Vec<f32> {
    let sum: f32 = weights.iter().sum();
    let share: Vec<f32> = weights.iter().map(|w| total * w / sum).collect();
    if rows.is_empty() {
        return share;
    }
    let need: Vec<f32> = spec
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let face = if col.mono { Face::Mono } else { Face::Regular };
            let header = col
                .header
                .split_whitespace()
                .map(|w| word_need(fonts, Face::Bold, w, size))
                .fold(0.0, f32::max);
            let cells = rows
                .iter()
                .filter_map(|r| r.get(i))
                .flat_map(|c| c.split_whitespace())
                .map(|w| word_need(fonts, face, w, size))
                .fold(0.0, f32::max);
            // One long word (a URL in a note) never takes more than a third of the table: it
            // breaks after its slashes instead.
            (header.max(cells) + 2.0 * pad + 0.5).min(total * MAX_WORD_SHARE)
        })
        .collect();
    let deficit: f32 = need.iter().zip(&share).map(|(n, s)| (n - s).max(0.0)).sum();
    if deficit <= 0.0 {
        return share;
    }
    let slack: f32 = need.iter().zip(&share).map(|(n, s)| (s - n).max(0.0)).sum();
    if slack < deficit {
        let needed: f32 = need.iter().sum();
        return need.iter().map(|n| n * total / needed).collect();
    }
    need.iter()
        .zip(&share)
        .map(|(n, s)| if n >= s { *n } else { s - (s - n) * deficit / slack })
        .collect()
}

impl TablePlan {
    /// Column geometry for a table from `left`, `total` wide, and the wrapped header (at most a
    /// third of `capacity`, a page's usable height, so a data row always fits below it); None
    /// for a table without columns. With its `rows` known, a column is as wide as its longest
    /// word (see [`fit_widths`]).
    pub(crate) fn new(
        fonts: &mut Fonts,
        spec: &[Column],
        font_size: f32,
        (left, total, capacity): (f32, f32, f32),
        rows: &[Vec<String>],
    ) -> Option<TablePlan> {
        if spec.is_empty() {
            return None;
        }
        let size = sane_size(font_size, 9.0);
        let leading = size * 1.25;
        let (pad_x, pad_y) = ((size * 0.4).min(4.0), (size * 0.25).min(3.0));
        let weights: Vec<f32> = spec
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
        let widths = fit_widths(fonts, spec, &weights, size, pad_x, total, rows);
        let mut x = left;
        let mut columns: Vec<(f32, f32, Align, Face)> = Vec::with_capacity(weights.len());
        for (width, col) in widths.into_iter().zip(spec) {
            let face = if col.mono { Face::Mono } else { Face::Regular };
            columns.push((x, width, col.align, face));
            x += width;
        }
        let max_header_lines = ((capacity / 3.0 - 2.0 * pad_y) / leading).max(1.0) as usize;
        let header = columns
            .iter()
            .zip(spec)
            .map(|(&(x, width, align, _), col)| {
                let clean = fonts.clean(Face::Bold, &col.header).into_owned();
                let mut lines = fonts.wrap(Face::Bold, &clean, size, width - 2.0 * pad_x);
                lines.truncate(max_header_lines);
                Cell {
                    x,
                    width,
                    align,
                    face: Face::Bold,
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
            links: spec.iter().map(|c| c.link.clone()).collect(),
            header,
        })
    }

    /// The height of the header row.
    pub(crate) fn header_height(&self) -> f32 {
        rows_height(&self.header, self.leading, self.pad_y)
    }

    /// The right edge of the last column.
    pub(crate) fn right(&self) -> f32 {
        self.columns.last().map_or(0.0, |&(x, w, _, _)| x + w)
    }

    /// The links and anchors of `row` (its raw cells).
    pub(crate) fn row_links(&self, row: &[String]) -> RowLinks {
        let mut out = RowLinks::default();
        for (i, link) in self.links.iter().enumerate() {
            let first = row.get(i).and_then(|c| c.lines().next()).unwrap_or("").trim();
            if first.is_empty() {
                continue;
            }
            let (x, w, _, _) = self.columns[i];
            match link {
                CellLink::None => {}
                CellLink::Dest(prefix) => {
                    out.links
                        .push((x, x + w, LinkTarget::Dest(format!("{prefix}{first}"))))
                }
                CellLink::Uri if linkable(first) => {
                    out.links.push((x, x + w, LinkTarget::Uri(first.to_string())))
                }
                CellLink::Uri => {}
                CellLink::Anchor(prefix) => out.anchors.push(format!("{prefix}{first}")),
            }
        }
        out
    }

    /// The cells of `row`, wrapped to their columns (a missing cell is empty).
    pub(crate) fn row_cells(&self, fonts: &mut Fonts, row: &[String]) -> Vec<Cell> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, &(x, width, align, face))| {
                let raw = row.get(i).map_or("", String::as_str);
                let clean = fonts.clean(face, raw);
                let lines = fonts.wrap(face, &clean, self.size, width - 2.0 * self.pad_x);
                Cell {
                    x,
                    width,
                    align,
                    face,
                    lines,
                }
            })
            .collect()
    }

    /// Draws the lines `lines` (`from..to`) of each cell on `page`, the first at `top`: one
    /// run of text per line and face.
    pub(crate) fn draw_cells(
        &self,
        page: &mut PageOps,
        fonts: &mut Fonts,
        cells: &[Cell],
        top: f32,
        lines: std::ops::Range<usize>,
    ) {
        let (from, to) = (lines.start, lines.end);
        let last = cells.iter().map(|c| c.lines.len()).max().unwrap_or(0).min(to);
        let mut parts = Vec::with_capacity(cells.len());
        for face in [Face::Regular, Face::Bold, Face::Mono] {
            if !cells.iter().any(|c| c.face == face) {
                continue;
            }
            let base = fonts.baseline(face, self.size, self.leading);
            for k in from..last {
                let y = top - self.pad_y - (k - from) as f32 * self.leading - base;
                parts.clear();
                for cell in cells.iter().filter(|c| c.face == face) {
                    let Some(line) = cell.lines.get(k).filter(|l| !l.is_empty()) else {
                        continue;
                    };
                    let w = fonts.width(face, line, self.size);
                    let x = match cell.align {
                        Align::Left => cell.x + self.pad_x,
                        Align::Right => cell.x + cell.width - self.pad_x - w,
                    };
                    parts.push((x, w, line.as_str()));
                }
                page.text_run(fonts, face, self.size, y, &parts, BLACK);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::text::parsed_faces;

    fn column(header: &str, width: f32) -> Column {
        Column {
            header: header.into(),
            width,
            ..Column::default()
        }
    }

    #[test]
    fn columns_fit_their_longest_word_and_one_long_word_takes_at_most_a_third() {
        let mut fonts = Fonts::new(parsed_faces().expect("fonts"));
        let spec = [column("ID", 1.0), column("Text", 8.0), column("Status", 1.0)];
        let weights = [1.0, 8.0, 1.0];
        // `not-applicable` needs more than a tenth of 300 points: taken from the text column.
        let rows = vec![vec![
            "GV.OC-01".to_string(),
            "words".into(),
            "not-applicable".into(),
        ]];
        let w = fit_widths(&mut fonts, &spec, &weights, 8.0, 3.0, 300.0, &rows);
        let need = fonts.width(Face::Regular, "not-applicable", 8.0) + 6.0;
        assert!(w[2] >= need, "{w:?}");
        assert!((w.iter().sum::<f32>() - 300.0).abs() < 0.01, "{w:?}");
        // A 2,000-character word in the status column: a third of the width, not all of it.
        let rows = vec![vec!["GV.OC-01".to_string(), "words".into(), "x".repeat(2000)]];
        let w = fit_widths(&mut fonts, &spec, &weights, 8.0, 3.0, 300.0, &rows);
        assert!(w[2] <= 100.01 && w[1] > 100.0, "{w:?}");
        assert!((w.iter().sum::<f32>() - 300.0).abs() < 0.01, "{w:?}");
    }
}
