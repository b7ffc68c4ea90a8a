//! Fonts and text measurement: the embedded DejaVu faces, glyph-advance widths, replacement of
//! characters the font cannot draw, and greedy word wrapping.
//!
//! Widths come from the font's `hmtx` advances (advance / units-per-em × size), the same numbers
//! printpdf writes into the PDF `/W` array, so measured and drawn text agree exactly (no kerning
//! is applied on either side).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use printpdf::ParsedFont;

const REGULAR_TTF: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans-Bold.ttf");
const MONO_TTF: &[u8] = include_bytes!("../../templates/fonts/DejaVuSansMono.ttf");

/// PDF resource names of the three faces. The first six letters also become the subset tag (`DJVREG+DejaVuSans`), which ISO 32000-1
/// 9.6.4 wants to be six upper-case letters.
pub(crate) const REGULAR_ID: &str = "DJVREG";
pub(crate) const BOLD_ID: &str = "DJVBLD";
pub(crate) const MONO_ID: &str = "DJVMNO";

/// Drawn instead of a character the font has no glyph for.
pub(crate) const REPLACEMENT: char = '?';

/// Characters a word wider than its line may break after (a path's slashes, a hyphen, a
/// dot, an owner's `@`, a URL's query): the pieces [`pieces`] cuts.
const BREAK_AFTER: &[char] = &[
    '/', '\\', '-', '_', '.', '@', ':', '?', '&', '=', ',', ';', '#', '+',
];

/// The pieces of `word` a line may end after (see [`BREAK_AFTER`]); they join back to `word`.
pub(crate) fn pieces(word: &str) -> impl Iterator<Item = &str> {
    word.split_inclusive(BREAK_AFTER)
}

/// Which embedded face a piece of text uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
    /// DejaVu Sans Mono, for digests: every character one width.
    Mono,
}

impl Face {
    /// The PDF resource name (and subset tag) of the face.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Face::Regular => REGULAR_ID,
            Face::Bold => BOLD_ID,
            Face::Mono => MONO_ID,
        }
    }
}

/// The parsed faces (regular, bold, mono), parsed once per process (parsing ~1.8 MB of TrueType
/// is the slowest part of rendering a small document).
pub(crate) type Faces = (ParsedFont, ParsedFont, ParsedFont);

/// See [`Faces`].
pub(crate) fn parsed_faces() -> Result<&'static Faces, super::doc::PdfError> {
    static FACES: OnceLock<Result<Faces, super::doc::PdfError>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let parse = |bytes: &[u8], name: &str| {
                let mut warnings = Vec::new();
                ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| {
                    super::doc::PdfError::Font(format!("cannot parse the embedded font `{name}`"))
                })
            };
            Ok((
                parse(REGULAR_TTF, "DejaVuSans.ttf")?,
                parse(BOLD_TTF, "DejaVuSans-Bold.ttf")?,
                parse(MONO_TTF, "DejaVuSansMono.ttf")?,
            ))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Glyph id and advance of one character of one face, cached per character (`None`: no
/// glyph), and the glyphs the document used so far (for subsetting, `/W` and `/ToUnicode`).
pub(crate) struct Metrics {
    pub(crate) font: &'static ParsedFont,
    units_per_em: f32,
    ascii: [Option<(u16, u16)>; 128],
    other: HashMap<char, Option<(u16, u16)>>,
    /// Character drawn with each glyph id, indexed by glyph id.
    used: Vec<Option<char>>,
}

impl Metrics {
    fn new(font: &'static ParsedFont) -> Self {
        let upem = f32::from(font.units_per_em);
        let mut m = Metrics {
            font,
            units_per_em: if upem > 0.0 { upem } else { 1000.0 },
            ascii: [None; 128],
            other: HashMap::new(),
            used: Vec::new(),
        };
        for c in 0u8..128 {
            m.ascii[usize::from(c)] = m.lookup(char::from(c));
        }
        m
    }

    fn lookup(&self, c: char) -> Option<(u16, u16)> {
        self.font
            .lookup_glyph_index(u32::from(c))
            .map(|gid| (gid, self.font.get_glyph_width(gid).unwrap_or(0)))
    }

    /// Glyph id and advance in font units, or `None` when the face has no glyph for `c`.
    fn glyph(&mut self, c: char) -> Option<(u16, u16)> {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        if let Some(a) = self.other.get(&c) {
            return *a;
        }
        let a = self.lookup(c);
        self.other.insert(c, a);
        a
    }

    fn advance(&mut self, c: char) -> Option<u16> {
        self.glyph(c).map(|g| g.1)
    }

    /// Appends the glyph ids of cleaned text `s` as big-endian pairs (the Identity-H codes)
    /// and records them as used.
    pub(crate) fn encode(&mut self, s: &str, out: &mut Vec<u8>) {
        for c in s.chars() {
            let gid = self
                .glyph(c)
                .or_else(|| self.glyph(REPLACEMENT))
                .map_or(0, |g| g.0);
            out.extend_from_slice(&gid.to_be_bytes());
            let i = usize::from(gid);
            if i >= self.used.len() {
                self.used.resize(i + 1, None);
            }
            if self.used[i].is_none() {
                self.used[i] = Some(c);
            }
        }
    }

    /// Glyphs used so far: glyph id, the character it shows, and its advance in 1/1000 em.
    pub(crate) fn used(&self) -> Vec<(u16, char, i64)> {
        self.used
            .iter()
            .enumerate()
            .filter_map(|(gid, c)| {
                let gid = u16::try_from(gid).ok()?;
                let adv = f32::from(self.font.get_glyph_width(gid).unwrap_or(0));
                c.map(|c| (gid, c, (adv * 1000.0 / self.units_per_em).round() as i64))
            })
            .collect()
    }
}

/// The three faces plus the set of characters that had to be replaced.
pub(crate) struct Fonts {
    regular: Metrics,
    bold: Metrics,
    mono: Metrics,
    /// Characters without a glyph, reported back to the caller.
    pub(crate) missing: BTreeSet<char>,
}

impl Fonts {
    pub(crate) fn new(faces: &'static Faces) -> Self {
        Fonts {
            regular: Metrics::new(&faces.0),
            bold: Metrics::new(&faces.1),
            mono: Metrics::new(&faces.2),
            missing: BTreeSet::new(),
        }
    }

    pub(crate) fn metrics(&mut self, face: Face) -> &mut Metrics {
        match face {
            Face::Regular => &mut self.regular,
            Face::Bold => &mut self.bold,
            Face::Mono => &mut self.mono,
        }
    }

    /// Ascent of the face as a fraction of the font size (baseline below the line top).
    pub(crate) fn ascent(&mut self, face: Face) -> f32 {
        let m = self.metrics(face);
        let a = f32::from(m.font.font_metrics.ascent) / m.units_per_em;
        if a.is_finite() && a > 0.0 && a < 2.0 {
            a
        } else {
            0.8
        }
    }

    /// Baseline offset below the top of a line box of height `leading`, centring the glyphs.
    pub(crate) fn baseline(&mut self, face: Face, size: f32, leading: f32) -> f32 {
        let ascent = self.ascent(face);
        // DejaVu's descent is about 0.24 em; centring ascent+descent in the line box.
        (leading + size * (ascent - 0.24)) / 2.0
    }

    /// Makes `s` drawable with `face`: control characters become spaces (a newline is kept for
    /// the wrapper), characters without a glyph become [`REPLACEMENT`] and are recorded in
    /// [`Fonts::missing`].
    pub(crate) fn clean<'a>(&mut self, face: Face, s: &'a str) -> Cow<'a, str> {
        // Fast path: printable ASCII is always covered by DejaVu.
        if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if c == '\n' {
                out.push('\n');
            } else if c.is_control() {
                out.push(' ');
            } else if self.metrics(face).advance(c).is_some() {
                out.push(c);
            } else {
                self.missing.insert(c);
                out.push(REPLACEMENT);
            }
        }
        Cow::Owned(out)
    }

    /// Width of one character in points; characters without a glyph measure as the replacement.
    pub(crate) fn char_width(&mut self, face: Face, c: char, size: f32) -> f32 {
        let m = self.metrics(face);
        let adv = m.advance(c).or_else(|| m.advance(REPLACEMENT)).unwrap_or(0);
        f32::from(adv) / m.units_per_em * size
    }

    /// Width of `s` (already [`clean`](Fonts::clean)ed) in points.
    pub(crate) fn width(&mut self, face: Face, s: &str, size: f32) -> f32 {
        let m = self.metrics(face);
        let units: u64 = s
            .chars()
            .map(|c| u64::from(m.advance(c).or_else(|| m.advance(REPLACEMENT)).unwrap_or(0)))
            .sum();
        units as f32 / m.units_per_em * size
    }

    /// Greedy word wrap of cleaned text into lines no wider than `max_width` points.
    ///
    /// Newlines are hard breaks; runs of spaces collapse; a word wider than the line starts a
    /// line and is broken after its slashes, hyphens, dots and the like ([`pieces`]), a piece
    /// still wider than the line between characters. Every line holds at least one character, so a zero or negative width
    /// still terminates (one character per line). Always returns at least one (maybe empty) line.
    pub(crate) fn wrap(&mut self, face: Face, text: &str, size: f32, max_width: f32) -> Vec<String> {
        // A little slack so text measured at exactly the width is not pushed to the next line
        // by float rounding.
        let limit = max_width + 0.01;
        let space = self.char_width(face, ' ', size);
        let mut lines = Vec::new();
        for hard in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0_f32;
            for word in hard.split(' ').filter(|w| !w.is_empty()) {
                let word_w = self.width(face, word, size);
                if line.is_empty() && word_w <= limit {
                    line.push_str(word);
                    line_w = word_w;
                    continue;
                }
                if !line.is_empty() && line_w + space + word_w <= limit {
                    line.push(' ');
                    line.push_str(word);
                    line_w += space + word_w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                if word_w <= limit {
                    line.push_str(word);
                    line_w = word_w;
                    continue;
                }
                for piece in pieces(word) {
                    let piece_w = self.width(face, piece, size);
                    if line_w + piece_w <= limit {
                        line.push_str(piece);
                        line_w += piece_w;
                        continue;
                    }
                    if !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    if piece_w <= limit {
                        line.push_str(piece);
                        line_w = piece_w;
                        continue;
                    }
                    for c in piece.chars() {
                        let cw = self.char_width(face, c, size);
                        if !line.is_empty() && line_w + cw > limit {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += cw;
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Cuts cleaned single-line text to `max_width`, ending it with an ellipsis when shortened.
    pub(crate) fn ellipsize(&mut self, face: Face, s: &str, size: f32, max_width: f32) -> String {
        let s = s.replace('\n', " ");
        if self.width(face, &s, size) <= max_width {
            return s;
        }
        let limit = max_width - self.char_width(face, '…', size);
        let mut out = String::new();
        let mut w = 0.0;
        for c in s.chars() {
            let cw = self.char_width(face, c, size);
            if w + cw > limit {
                break;
            }
            out.push(c);
            w += cw;
        }
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::new(parsed_faces().expect("embedded fonts parse"))
    }

    #[test]
    fn widths_use_real_advances() {
        let mut f = fonts();
        // DejaVu Sans: 'i' is much narrower than 'W', and the space is not zero-width.
        assert!(f.width(Face::Regular, "i", 10.0) < f.width(Face::Regular, "W", 10.0));
        assert!(f.char_width(Face::Regular, ' ', 10.0) > 2.0);
        let w = f.width(Face::Regular, "abc", 10.0);
        let sum: f32 = "abc".chars().map(|c| f.char_width(Face::Regular, c, 10.0)).sum();
        assert!((w - sum).abs() < 1e-3);
    }

    #[test]
    fn clean_replaces_and_records_missing_glyphs() {
        let mut f = fonts();
        let s = f.clean(Face::Regular, "Ελληνικά Кириллица ✓ 漢\tx");
        assert_eq!(s, "Ελληνικά Кириллица ✓ ? x");
        assert_eq!(f.missing, BTreeSet::from(['漢']));
    }

    #[test]
    fn wrap_fits_width_and_breaks_long_words() {
        let mut f = fonts();
        let text = "the quick brown fox jumps over the lazy dog";
        let lines = f.wrap(Face::Regular, text, 10.0, 60.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(f.width(Face::Regular, l, 10.0) <= 60.01, "{l}");
        }
        assert_eq!(lines.join(" "), text);

        let long = "x".repeat(200);
        let lines = f.wrap(Face::Regular, &long, 10.0, 50.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), long);

        // A long path or address breaks after its slashes, an owner after its hyphen.
        let path = "evidence/screenshots/identity-provider/mfa-configuration-2026.png";
        let lines = f.wrap(Face::Regular, path, 10.0, 150.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.concat(), path);
        for l in &lines[..lines.len() - 1] {
            assert!(l.ends_with(['/', '-']), "{lines:?}");
        }
        let owner = f.wrap(Face::Regular, "@security-operations-team", 10.0, 70.0);
        assert_eq!(owner, ["@security-", "operations-", "team"]);

        // Degenerate widths still terminate with one character per line.
        assert_eq!(f.wrap(Face::Regular, "abc", 10.0, 0.0), ["a", "b", "c"]);
        assert_eq!(f.wrap(Face::Regular, "", 10.0, 0.0), [""]);
        assert_eq!(f.wrap(Face::Regular, "a\nb", 10.0, 100.0), ["a", "b"]);
    }
}
