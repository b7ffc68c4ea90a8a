//! The PDF file structure, written as a stream: every object goes to the output as soon as it is
//! complete, and only its byte offset stays in memory (for the cross-reference table). Pages are
//! therefore written while the layout is still running, and a report of any length needs about
//! the same memory as a short one.
//!
//! Object numbers 1 to [`FIRST_FREE`]` - 1` are reserved for the objects written last (catalog,
//! page tree, shared resources, document information and the two embedded faces); pages take
//! numbers from [`FIRST_FREE`] on.
//!
//! Fonts are Type 0 / CIDFontType2 with Identity-H encoding. Content streams show text as the
//! face's own glyph ids (CID = glyph id of the full face), so a page can be written before the
//! set of used glyphs is known. At the end the faces are subset with allsorts (which renumbers
//! glyphs) and a `/CIDToGIDMap` maps the CIDs in the content to the glyph ids of the subset.
//! `/W` gives each used CID its advance and `/ToUnicode` its character, so text extracts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use sha2::{Digest, Sha256};

use super::doc::PdfError;
use super::text::{Face, Fonts};

pub(crate) const CATALOG: u32 = 1;
pub(crate) const PAGES: u32 = 2;
pub(crate) const RESOURCES: u32 = 3;
pub(crate) const INFO: u32 = 4;
/// Six objects per face: Type0 font, CIDFont, descriptor, font program, ToUnicode, CIDToGIDMap.
const FONT_OBJECTS: u32 = 6;
const REGULAR_FONT: u32 = 5;
const BOLD_FONT: u32 = REGULAR_FONT + FONT_OBJECTS;
const MONO_FONT: u32 = BOLD_FONT + FONT_OBJECTS;
pub(crate) const FIRST_FREE: u32 = MONO_FONT + FONT_OBJECTS;

/// First object number of a face's six objects.
pub(crate) fn font_object(face: Face) -> u32 {
    match face {
        Face::Regular => REGULAR_FONT,
        Face::Bold => BOLD_FONT,
        Face::Mono => MONO_FONT,
    }
}

/// Writes objects to `out`, counting bytes and hashing them (the hash becomes the trailer `/ID`,
/// so the file identifies its own content and stays reproducible).
pub(crate) struct FileWriter<W: Write> {
    out: W,
    pos: u64,
    hash: Sha256,
    /// Byte offset of each object, by object number (0 unused; 0 also means "not written").
    offsets: Vec<u64>,
    next: u32,
}

impl<W: Write> FileWriter<W> {
    pub(crate) fn new(out: W) -> io::Result<Self> {
        let mut w = FileWriter {
            out,
            pos: 0,
            hash: Sha256::new(),
            offsets: vec![0; FIRST_FREE as usize],
            next: FIRST_FREE,
        };
        // A comment with high bytes marks the file as binary for transfer tools.
        w.raw(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(w)
    }

    fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.hash.update(b);
        self.pos += b.len() as u64;
        Ok(())
    }

    /// A new object number.
    pub(crate) fn alloc(&mut self) -> u32 {
        let id = self.next;
        self.next += 1;
        self.offsets.push(0);
        id
    }

    fn begin(&mut self, id: u32) -> io::Result<()> {
        if let Some(slot) = self.offsets.get_mut(id as usize) {
            *slot = self.pos;
        }
        self.raw(format!("{id} 0 obj\n").as_bytes())
    }

    /// Writes object `id` with the body `body` (a dictionary, array, ...).
    pub(crate) fn object(&mut self, id: u32, body: &str) -> io::Result<()> {
        self.begin(id)?;
        self.raw(body.as_bytes())?;
        self.raw(b"\nendobj\n")
    }

    /// Writes object `id` as a Flate-compressed stream; `dict` holds any entries besides
    /// `/Length` and `/Filter` (may be empty).
    pub(crate) fn stream(&mut self, id: u32, dict: &str, data: &[u8]) -> io::Result<()> {
        // Level 3: at 100,000 evidence rows the PDF is written 11% faster than at level 6
        // (1.70 against 1.91 s) and is 7% larger (12.3 against 11.5 MB).
        let mut z = ZlibEncoder::new(Vec::with_capacity(data.len() / 3 + 64), Compression::new(3));
        z.write_all(data)?;
        let packed = z.finish()?;
        self.begin(id)?;
        let sep = if dict.is_empty() { "" } else { " " };
        self.raw(
            format!(
                "<< /Length {} /Filter /FlateDecode{sep}{dict} >>\nstream\n",
                packed.len()
            )
            .as_bytes(),
        )?;
        self.raw(&packed)?;
        self.raw(b"\nendstream\nendobj\n")
    }

    /// Writes the cross-reference table and trailer and hands back the output.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let id: [u8; 32] = self.hash.clone().finalize().into();
        let xref = self.pos;
        let mut t = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len());
        for off in self.offsets.iter().skip(1) {
            if *off == 0 {
                // Never written (only after a failure): a free entry keeps the table valid.
                t.push_str("0000000000 00000 f \n");
            } else {
                let _ = writeln!(t, "{off:010} 00000 n ");
            }
        }
        let id_hex = hex(&id[..16]);
        let _ = write!(
            t,
            "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R /ID [<{id_hex}> <{id_hex}>] >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len()
        );
        self.raw(t.as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// A PDF text string: UTF-16BE with a byte order mark, in hex (any character, no escaping).
pub(crate) fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

/// A name (of a named destination) as a PDF string: its UTF-8 bytes in hex. Name-tree keys
/// sort by these bytes.
pub(crate) fn name_string(s: &str) -> String {
    format!("<{}>", hex(s.as_bytes()))
}

/// A URI as a PDF string: ASCII, every byte outside letters, digits and `-._~/:?#[]@!$&'*+,;=%`
/// percent-encoded (spaces, parentheses, backslashes and anything not ASCII included).
pub(crate) fn uri_string(s: &str) -> String {
    let mut out = String::from("(");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:?#[]@!$&'*+,;=%".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out.push(')');
    out
}

/// A face cut down to the glyphs a document used.
struct Subset {
    /// The subset font program.
    bytes: Vec<u8>,
    /// Glyph id in the full face -> glyph id in the subset.
    glyph_mapping: BTreeMap<u16, u16>,
}

/// Subsets a TrueType face to `glyphs` (glyph ids of the full face, ascending) with allsorts.
/// Glyph 0 (.notdef) comes first, as allsorts requires; allsorts numbers the subset's glyphs in
/// the order they are asked for, so the glyph at position i of the request is glyph i of the
/// subset (composite glyphs' components are appended after the requested ones).
fn subset_face(bytes: &[u8], glyphs: &[u16]) -> Result<Subset, PdfError> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile, subset};
    let data = ReadScope::new(bytes)
        .read::<FontData<'_>>()
        .map_err(|e| PdfError::Font(e.to_string()))?;
    let provider = data
        .table_provider(0)
        .map_err(|e| PdfError::Font(e.to_string()))?;
    let ids: Vec<u16> = std::iter::once(0)
        .chain(glyphs.iter().copied().filter(|g| *g != 0))
        .collect();
    let bytes = subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| PdfError::Font(e.to_string()))?;
    let glyph_mapping = ids
        .iter()
        .enumerate()
        .filter(|(_, g)| glyphs.contains(g))
        .filter_map(|(i, g)| Some((*g, u16::try_from(i).ok()?)))
        .collect();
    Ok(Subset { bytes, glyph_mapping })
}

/// The PostScript name of a face (name table, id 6), for `/BaseFont`.
fn postscript_name(bytes: &[u8]) -> Option<String> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::tables::{FontTableProvider, NameTable};
    let data = ReadScope::new(bytes).read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    let table = provider.read_table_data(allsorts::tag::NAME).ok()?;
    let name = ReadScope::new(&table).read::<NameTable<'_>>().ok()?;
    name.string_for_id(NameTable::POSTSCRIPT_NAME)
}

/// Writes the six objects of one face, subset to the glyphs the document used.
pub(crate) fn write_face<W: Write>(
    file: &mut FileWriter<W>,
    fonts: &mut Fonts,
    face: Face,
) -> Result<(), PdfError> {
    let base = font_object(face);
    let metrics = fonts.metrics(face);
    let font = metrics.font;
    let used = metrics.used();
    let glyphs: Vec<u16> = used.iter().map(|&(gid, _, _)| gid).collect();
    let subset = subset_face(&font.original_bytes, &glyphs)
        .map_err(|e| PdfError::Font(format!("cannot subset the embedded font {}: {e}", face.id())))?;
    let name = format!(
        "{}+{}",
        face.id(),
        postscript_name(&font.original_bytes)
            .unwrap_or_else(|| "DejaVuSans".into())
            .replace([' ', '/', '(', ')', '<', '>', '[', ']', '{', '}', '%'], "")
    );

    // CIDToGIDMap: two bytes per CID, the glyph id in the subset (0 for unused CIDs).
    let max_cid = used.last().map_or(0, |u| usize::from(u.0));
    let mut map = vec![0u8; 2 * (max_cid + 1)];
    for (orig, new) in &subset.glyph_mapping {
        let i = 2 * usize::from(*orig);
        if i + 1 < map.len() {
            map[i..i + 2].copy_from_slice(&new.to_be_bytes());
        }
    }

    // /W: runs of consecutive CIDs share one array.
    let mut widths = String::from("[");
    let mut prev: Option<u16> = None;
    for &(gid, _, w) in &used {
        if prev.is_some_and(|p| p + 1 == gid) {
            let _ = write!(widths, " {w}");
        } else {
            if prev.is_some() {
                widths.push(']');
            }
            let _ = write!(widths, " {gid} [{w}");
        }
        prev = Some(gid);
    }
    if prev.is_some() {
        widths.push(']');
    }
    widths.push_str(" ]");

    let cmap = printpdf::ToUnicodeCMap {
        mappings: used
            .iter()
            .map(|&(gid, c, _)| (u32::from(gid), vec![u32::from(c)]))
            .collect(),
    }
    .to_cmap_string(face.id());

    let m = &font.pdf_font_metrics;
    let upem = f32::from(m.units_per_em.max(1));
    let scale = |v: f32| (v * 1000.0 / upem).round() as i64;
    let ascent = scale(f32::from(font.font_metrics.ascent));
    let descent = scale(f32::from(font.font_metrics.descent));
    // The faces carry no cap height printpdf reads; the ascent stands in (as printpdf does).
    let cap = ascent;
    let stem_v = if m.us_weight_class == 0 {
        80
    } else {
        50 + (f32::from(m.us_weight_class) / 65.0).powi(2).round() as i64
    };
    let (type0, cid, descriptor, program, to_unicode, cid_to_gid) =
        (base, base + 1, base + 2, base + 3, base + 4, base + 5);
    let io = PdfError::Io;
    file.object(
        type0,
        &format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{cid} 0 R] /ToUnicode {to_unicode} 0 R >>"
        ),
    )
    .map_err(io)?;
    file.object(
        cid,
        &format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /DW 1000 /W {widths} /CIDToGIDMap {cid_to_gid} 0 R >>"
        ),
    )
    .map_err(io)?;
    file.object(
        descriptor,
        &format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {ascent} /Descent {descent} /CapHeight {cap} /StemV {stem_v} /FontFile2 {program} 0 R >>",
            scale(f32::from(m.x_min)),
            scale(f32::from(m.y_min)),
            scale(f32::from(m.x_max)),
            scale(f32::from(m.y_max)),
        ),
    )
    .map_err(io)?;
    file.stream(
        program,
        &format!("/Length1 {}", subset.bytes.len()),
        &subset.bytes,
    )
    .map_err(io)?;
    file.stream(to_unicode, "", cmap.as_bytes()).map_err(io)?;
    file.stream(cid_to_gid, "", &map).map_err(io)?;
    Ok(())
}
