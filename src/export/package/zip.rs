//! The deterministic zip of a package.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::export::package::signals::check_interrupted;

/// Zips `files` (relative to `root`, in the given order) with fixed timestamps (the time the
/// package was generated, `SOURCE_DATE_EPOCH` when set, to the two seconds a zip records) and
/// permissions, so the same content and time give the same bytes. A file of 4 GiB or more is
/// written as a zip64 member. `out` must not exist: it is created, never opened over another
/// export's.
pub(super) fn write_zip(
    root: &Path,
    files: &[String],
    out: &Path,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use chrono::{Datelike, Timelike};
    let f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| crate::error::cant_create(out, e))?;
    let mut z = zip::ZipWriter::new(io::BufWriter::new(f));
    let year = u16::try_from(at.year()).unwrap_or(1980).clamp(1980, 2107);
    let stamp = zip::DateTime::from_date_and_time(
        year,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_default();
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let zerr =
        |e: zip::result::ZipError| Error::io(format!("writing `{}`", out.display()), io::Error::other(e));
    for rel in files {
        check_interrupted()?;
        let mut src = fs::File::open(root.join(rel)).map_err(|e| Error::io(format!("reading `{rel}`"), e))?;
        let size = src
            .metadata()
            .map_err(|e| Error::io(format!("reading `{rel}`"), e))?
            .len();
        z.start_file(rel.as_str(), opts.large_file(size >= u64::from(u32::MAX)))
            .map_err(zerr)?;
        io::copy(&mut src, &mut z).map_err(|e| Error::io(format!("writing `{}`", out.display()), e))?;
    }
    let mut w = z.finish().map_err(zerr)?;
    w.flush()
        .map_err(|e| Error::io(format!("writing `{}`", out.display()), e))?;
    Ok(())
}
