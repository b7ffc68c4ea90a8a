//! File-system rules every command follows: read only regular files (never block on a FIFO or a
//! device, never follow a link where the caller says not to), and tell the kind of a path in
//! words a person understands.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// What a non-regular path is, for messages ("a FIFO", "a directory").
pub(crate) fn kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        "a regular file"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading only if it is a regular file. The open itself never blocks (a FIFO
/// is opened non-blocking, then refused); with `follow_links` false a symbolic link in the last
/// component is refused too. The check is made on the opened handle, so a file swapped for a
/// FIFO or a link between a check and the open cannot slip through.
pub(crate) fn open_regular(path: &Path, follow_links: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = rustix::fs::OFlags::NONBLOCK.bits();
    if !follow_links {
        flags |= rustix::fs::OFlags::NOFOLLOW.bits();
    }
    let f = match OpenOptions::new()
        .read(true)
        .custom_flags(flags as i32)
        .open(path)
    {
        Ok(f) => f,
        // O_NOFOLLOW on a link fails with ELOOP: say what it is.
        Err(e) if !follow_links && e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a symbolic link; csfkit reads only regular files here",
            ));
        }
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind(&meta)),
        ));
    }
    Ok(f)
}

/// The whole content of a regular file (see [`open_regular`]).
pub(crate) fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = open_regular(path, true)?;
    let mut out = Vec::new();
    f.read_to_end(&mut out)?;
    Ok(out)
}

/// True when an I/O error means the device is full (ENOSPC, EDQUOT): exit 74, whatever was
/// being written.
pub(crate) fn is_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull
        || e.raw_os_error() == Some(rustix::io::Errno::NOSPC.raw_os_error())
        || e.raw_os_error() == Some(rustix::io::Errno::DQUOT.raw_os_error())
}

/// True when an I/O error means the place is read-only or not ours to write (EROFS, EACCES,
/// EPERM).
pub(crate) fn is_read_only(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_links_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        let e = open_regular(&fifo, true).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = open_regular(Path::new("/dev/zero"), true).unwrap_err();
        assert!(e.to_string().contains("device"), "{e}");
        let target = dir.path().join("t.txt");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("l.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_regular(&link, true).is_ok());
        let e = open_regular(&link, false).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(open_regular(dir.path(), true).is_err());
    }
}
