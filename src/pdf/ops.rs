//! The content stream of one page: text, rectangles and rules as PDF operators, with the
//! colours the layout uses.

use super::text::{Face, Fonts};

/// Text colours and fills.
pub(crate) const BLACK: [f32; 3] = [0.0, 0.0, 0.0];
pub(crate) const GREY_TEXT: [f32; 3] = [0.35, 0.35, 0.35];
pub(crate) const RULE: [f32; 3] = [0.72, 0.72, 0.72];
pub(crate) const HEADER_FILL: [f32; 3] = [0.88, 0.90, 0.93];

/// Converts a 0–255 colour to the 0–1 floats PDF wants.
pub(crate) fn rgb(c: [u8; 3]) -> [f32; 3] {
    [
        f32::from(c[0]) / 255.0,
        f32::from(c[1]) / 255.0,
        f32::from(c[2]) / 255.0,
    ]
}

/// The content stream of one page, tracking text-object, font and colour state so that
/// repeated settings are not emitted again (a 100,000-row table otherwise doubles its size).
pub(crate) struct PageOps {
    pub(crate) buf: Vec<u8>,
    in_text: bool,
    font: Option<(Face, f32)>,
    fill: Option<[f32; 3]>,
    stroke: Option<([f32; 3], f32)>,
    scratch: Vec<u8>,
    /// The page's link annotations, as PDF dictionaries.
    pub(crate) annots: Vec<String>,
    /// Every piece of text shown, for the layout tests.
    #[cfg(test)]
    pub(crate) texts: Vec<String>,
}

/// Appends a number with at most two decimals (PDF wants no exponent; NaN draws at 0).
fn num(out: &mut Vec<u8>, v: f32) {
    let v = if v.is_finite() { v } else { 0.0 };
    let hundredths = (f64::from(v) * 100.0).round() as i64;
    if hundredths < 0 {
        out.push(b'-');
    }
    let a = hundredths.unsigned_abs();
    out.extend_from_slice((a / 100).to_string().as_bytes());
    let frac = a % 100;
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + (frac / 10) as u8);
        if frac % 10 != 0 {
            out.push(b'0' + (frac % 10) as u8);
        }
    }
}

fn nums(out: &mut Vec<u8>, vs: &[f32], op: &[u8]) {
    for v in vs {
        num(out, *v);
        out.push(b' ');
    }
    out.extend_from_slice(op);
    out.push(b'\n');
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

impl PageOps {
    pub(crate) fn new() -> Self {
        PageOps {
            buf: Vec::with_capacity(16 * 1024),
            annots: Vec::new(),
            in_text: false,
            font: None,
            fill: None,
            stroke: None,
            scratch: Vec::new(),
            #[cfg(test)]
            texts: Vec::new(),
        }
    }

    fn set_fill(&mut self, c: [f32; 3]) {
        if self.fill != Some(c) {
            nums(&mut self.buf, &c, b"rg");
            self.fill = Some(c);
        }
    }

    fn begin_text(&mut self, face: Face, size: f32, c: [f32; 3]) {
        if !self.in_text {
            self.buf.extend_from_slice(b"BT\n");
            self.in_text = true;
        }
        if self.font != Some((face, size)) {
            self.buf.push(b'/');
            self.buf.extend_from_slice(face.id().as_bytes());
            self.buf.push(b' ');
            nums(&mut self.buf, &[size], b"Tf");
            self.font = Some((face, size));
        }
        self.set_fill(c);
    }

    /// Appends `s` as a hex string of glyph ids.
    fn glyphs(&mut self, fonts: &mut Fonts, face: Face, s: &str) {
        #[cfg(test)]
        self.texts.push(s.to_string());
        self.scratch.clear();
        fonts.metrics(face).encode(s, &mut self.scratch);
        self.buf.push(b'<');
        for b in &self.scratch {
            self.buf.push(HEX[usize::from(b >> 4)]);
            self.buf.push(HEX[usize::from(b & 15)]);
        }
        self.buf.push(b'>');
    }

    /// Draws one line of cleaned text with its baseline starting at (`x`, `y`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(
        &mut self,
        fonts: &mut Fonts,
        face: Face,
        size: f32,
        x: f32,
        y: f32,
        s: &str,
        c: [f32; 3],
    ) {
        if s.is_empty() {
            return;
        }
        self.begin_text(face, size, c);
        // Absolute positioning (`Tm`), never the relative `Td` cursor.
        nums(&mut self.buf, &[1.0, 0.0, 0.0, 1.0, x, y], b"Tm");
        self.glyphs(fonts, face, s);
        self.buf.extend_from_slice(b" Tj\n");
    }

    /// Draws several pieces of cleaned text on one baseline as a single `TJ`: each part is
    /// (x, measured width, text), left to right; the gaps become kerning offsets. For a wide
    /// table this is one operation per line instead of two per cell.
    pub(crate) fn text_run(
        &mut self,
        fonts: &mut Fonts,
        face: Face,
        size: f32,
        y: f32,
        parts: &[(f32, f32, &str)],
        c: [f32; 3],
    ) {
        let mut parts = parts.iter().filter(|p| !p.2.is_empty());
        let Some(&(x0, w0, s0)) = parts.next() else {
            return;
        };
        self.begin_text(face, size, c);
        nums(&mut self.buf, &[1.0, 0.0, 0.0, 1.0, x0, y], b"Tm");
        self.buf.push(b'[');
        self.glyphs(fonts, face, s0);
        let mut pen = x0 + w0;
        for &(x, w, s) in parts {
            // TJ numbers are thousandths of an em, subtracted from the pen position.
            self.buf.push(b' ');
            num(&mut self.buf, -(x - pen) * 1000.0 / size);
            self.buf.push(b' ');
            self.glyphs(fonts, face, s);
            pen = x + w;
        }
        self.buf.extend_from_slice(b"] TJ\n");
    }

    fn end_text(&mut self) {
        if self.in_text {
            self.buf.extend_from_slice(b"ET\n");
            self.in_text = false;
        }
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: [f32; 3]) {
        if !(w > 0.0 && h > 0.0) {
            return;
        }
        self.end_text();
        self.set_fill(c);
        nums(&mut self.buf, &[x, y, w, h], b"re f");
    }

    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, c: [f32; 3]) {
        self.end_text();
        if self.stroke != Some((c, thickness)) {
            nums(&mut self.buf, &c, b"RG");
            nums(&mut self.buf, &[thickness], b"w");
            self.stroke = Some((c, thickness));
        }
        nums(&mut self.buf, &[x1, y], b"m");
        nums(&mut self.buf, &[x2, y], b"l S");
    }

    pub(crate) fn finish(mut self) -> Self {
        self.end_text();
        self
    }
}
