//! The bar chart's geometry and drawing: legend items flowed across lines, then one stacked bar
//! per label (wrapped labels on the left, the segments' values inside when they fit, the total
//! to the right). Where each line and bar goes on which page is `layout`'s business.

use super::doc::BarChart;
use super::ops::{BLACK, PageOps, rgb};
use super::text::{Face, Fonts};

/// Legend text size, line height and swatch size.
pub(crate) const LEGEND_SIZE: f32 = 8.0;
pub(crate) const LEGEND_LEADING: f32 = 12.0;
const SWATCH: f32 = 8.0;

/// Bar label size, label line height, bar height and the gap below each bar.
const SIZE: f32 = 8.0;
const LEADING: f32 = 10.5;
const BAR_H: f32 = 12.0;
pub(crate) const ROW_GAP: f32 = 5.0;

/// One line of the legend: each item's x, colour and name.
pub(crate) type LegendLine = Vec<(f32, [u8; 3], String)>;

/// The legend's items flowed into lines from `left`, `total_w` wide.
pub(crate) fn legend_lines(fonts: &mut Fonts, chart: &BarChart, left: f32, total_w: f32) -> Vec<LegendLine> {
    let right = left + total_w;
    let mut lines: Vec<LegendLine> = vec![Vec::new()];
    let mut x = left;
    for (name, rgb_colour) in &chart.series {
        let name = fonts.clean(Face::Regular, name).replace('\n', " ");
        let name = fonts.ellipsize(Face::Regular, &name, LEGEND_SIZE, total_w - SWATCH - 4.0);
        let item_w = SWATCH + 4.0 + fonts.width(Face::Regular, &name, LEGEND_SIZE);
        if x > left && x + item_w > right {
            lines.push(Vec::new());
            x = left;
        }
        if let Some(line) = lines.last_mut() {
            line.push((x, *rgb_colour, name));
        }
        x += item_w + 14.0;
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// Draws one legend line whose top is `top`.
pub(crate) fn draw_legend_line(page: &mut PageOps, fonts: &mut Fonts, line: &LegendLine, top: f32) {
    let base = fonts.baseline(Face::Regular, LEGEND_SIZE, LEGEND_LEADING);
    for (x, c, name) in line {
        let sy = top - (LEGEND_LEADING + SWATCH) / 2.0;
        page.rect(*x, sy, SWATCH, SWATCH, rgb(*c));
        page.text(
            fonts,
            Face::Regular,
            LEGEND_SIZE,
            x + SWATCH + 4.0,
            top - base,
            name,
            BLACK,
        );
    }
}

/// The bars' geometry, fixed for all of them: the labels' column, where bars start and how long
/// the longest may be, each bar's total.
pub(crate) struct Bars {
    left: f32,
    labels: Vec<String>,
    totals: Vec<u128>,
    total_texts: Vec<String>,
    max_total: u128,
    label_w: f32,
    bar_x: f32,
    bar_max: f32,
}

impl Bars {
    /// The geometry of `chart`'s bars from `left`, `total_w` wide.
    pub(crate) fn new(fonts: &mut Fonts, chart: &BarChart, left: f32, total_w: f32) -> Bars {
        let right = left + total_w;
        let totals: Vec<u128> = chart
            .bars
            .iter()
            .map(|(_, v)| v.iter().map(|&x| u128::from(x)).sum())
            .collect();
        let max_total = totals.iter().copied().max().unwrap_or(0);
        let total_texts: Vec<String> = totals.iter().map(u128::to_string).collect();
        let total_text_w = total_texts
            .iter()
            .map(|t| fonts.width(Face::Regular, t, SIZE))
            .fold(0.0_f32, f32::max);
        let labels: Vec<String> = chart
            .bars
            .iter()
            .map(|(l, _)| fonts.clean(Face::Regular, l).into_owned())
            .collect();
        let widest = labels
            .iter()
            .flat_map(|l| l.split('\n'))
            .map(|l| fonts.width(Face::Regular, l, SIZE))
            .fold(0.0_f32, f32::max);
        let label_w = widest.min(total_w * 0.3);
        let bar_x = left + label_w + 6.0;
        let bar_max = (right - 6.0 - total_text_w - bar_x).max(0.0);
        Bars {
            left,
            labels,
            totals,
            total_texts,
            max_total,
            label_w,
            bar_x,
            bar_max,
        }
    }

    /// The lines of bar `i`'s label (at most three, the last shortened) and the height of its
    /// row.
    pub(crate) fn label(&self, fonts: &mut Fonts, i: usize) -> (Vec<String>, f32) {
        let mut lines = fonts.wrap(Face::Regular, &self.labels[i], SIZE, self.label_w);
        if lines.len() > 3 {
            let rest = lines[2..].join(" ");
            lines.truncate(2);
            lines.push(fonts.ellipsize(Face::Regular, &rest, SIZE, self.label_w));
        }
        let height = (lines.len() as f32 * LEADING).max(BAR_H);
        (lines, height)
    }

    /// The x of the end of a bar segment `v` long (scaled so the longest bar fills the room).
    fn scale(&self, v: u128) -> f32 {
        if self.max_total == 0 {
            0.0
        } else {
            (v as f64 / self.max_total as f64 * f64::from(self.bar_max)) as f32
        }
    }

    /// Draws bar `i` of `chart` (its label `lines`, its row `height` tall) with its top at `top`.
    pub(crate) fn draw(
        &self,
        page: &mut PageOps,
        fonts: &mut Fonts,
        chart: &BarChart,
        i: usize,
        (lines, height): (&[String], f32),
        top: f32,
    ) {
        let label_base = fonts.baseline(Face::Regular, SIZE, LEADING);
        for (k, line) in lines.iter().enumerate() {
            let y = top - k as f32 * LEADING - label_base;
            let w = fonts.width(Face::Regular, line, SIZE);
            // Labels right-aligned against the bars.
            page.text(
                fonts,
                Face::Regular,
                SIZE,
                self.left + self.label_w - w,
                y,
                line,
                BLACK,
            );
        }
        let bar_bottom = top - (height + BAR_H) / 2.0;
        let text_y = bar_bottom + BAR_H / 2.0 - SIZE * 0.36;
        let mut acc: u128 = 0;
        for (s, &v) in chart.bars[i].1.iter().enumerate() {
            // Cumulative positions, so rounding never opens gaps between segments.
            let x0 = self.bar_x + self.scale(acc);
            acc += u128::from(v);
            let x1 = self.bar_x + self.scale(acc);
            let c = chart.series.get(s).map_or([160, 160, 160], |s| s.1);
            page.rect(x0, bar_bottom, x1 - x0, BAR_H, rgb(c));
            if v > 0 {
                let s = v.to_string();
                let w = fonts.width(Face::Regular, &s, SIZE);
                if w + 4.0 <= x1 - x0 {
                    let luminance =
                        0.299 * f32::from(c[0]) + 0.587 * f32::from(c[1]) + 0.114 * f32::from(c[2]);
                    let ink = if luminance < 140.0 { [1.0; 3] } else { BLACK };
                    let tx = x0 + (x1 - x0 - w) / 2.0;
                    page.text(fonts, Face::Regular, SIZE, tx, text_y, &s, ink);
                }
            }
        }
        let end = self.bar_x + self.scale(self.totals[i]);
        page.text(
            fonts,
            Face::Bold,
            SIZE,
            end + 4.0,
            text_y,
            &self.total_texts[i],
            BLACK,
        );
    }
}
