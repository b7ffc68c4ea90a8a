//! External sort of fixed-size key records, so that an import can find rows whose content is
//! already in the catalogue or repeated in the file without holding a key per row in memory:
//! records are sorted in memory in runs of bounded size, runs are spilled to anonymous
//! temporary files, and a k-way merge streams them back in order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// One record: a content-hash key, the spreadsheet row and the index of the evidence row made
/// from it (a CSF 1.1 ID can make several). Ordered by key, then row, then index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rec {
    /// First 16 bytes of the content hash.
    pub key: [u8; 16],
    /// Row as the user sees it.
    pub row: u32,
    /// Index among the evidence rows of that spreadsheet row.
    pub succ: u16,
}

const REC_BYTES: usize = 22;

impl Rec {
    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut b = [0u8; REC_BYTES];
        b[..16].copy_from_slice(&self.key);
        b[16..20].copy_from_slice(&self.row.to_be_bytes());
        b[20..22].copy_from_slice(&self.succ.to_be_bytes());
        out.write_all(&b)
    }

    fn read(input: &mut impl Read) -> io::Result<Option<Rec>> {
        let mut b = [0u8; REC_BYTES];
        match input.read_exact(&mut b) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut key = [0u8; 16];
        key.copy_from_slice(&b[..16]);
        Ok(Some(Rec {
            key,
            row: u32::from_be_bytes([b[16], b[17], b[18], b[19]]),
            succ: u16::from_be_bytes([b[20], b[21]]),
        }))
    }
}

/// Collects records; memory is bounded by the run size.
pub(crate) struct Sorter {
    buf: Vec<Rec>,
    run: usize,
    runs: Vec<File>,
}

impl Sorter {
    /// A sorter that keeps at most `run` records in memory (about 24 bytes each).
    pub(crate) fn new(run: usize) -> Self {
        Sorter {
            buf: Vec::new(),
            run: run.max(1),
            runs: Vec::new(),
        }
    }

    /// Adds a record.
    ///
    /// # Errors
    /// If a full run cannot be written to a temporary file.
    pub(crate) fn push(&mut self, r: Rec) -> io::Result<()> {
        self.buf.push(r);
        if self.buf.len() >= self.run {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        self.buf.sort_unstable();
        let mut f = tempfile::tempfile()?;
        {
            let mut w = BufWriter::with_capacity(1 << 16, &mut f);
            for r in &self.buf {
                r.write(&mut w)?;
            }
            w.flush()?;
        }
        f.seek(SeekFrom::Start(0))?;
        self.runs.push(f);
        self.buf.clear();
        Ok(())
    }

    /// Every record, in order.
    ///
    /// # Errors
    /// If a run cannot be read back.
    pub(crate) fn finish(mut self) -> io::Result<Merge> {
        self.buf.sort_unstable();
        let mut readers: Vec<BufReader<File>> = self
            .runs
            .into_iter()
            .map(|f| BufReader::with_capacity(1 << 16, f))
            .collect();
        let mut heap = BinaryHeap::with_capacity(readers.len());
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(rec) = Rec::read(r)? {
                heap.push(Reverse((rec, i)));
            }
        }
        let mem = std::mem::take(&mut self.buf).into_iter().peekable();
        Ok(Merge { readers, heap, mem })
    }
}

/// The records of a [`Sorter`] in order.
pub(crate) struct Merge {
    readers: Vec<BufReader<File>>,
    heap: BinaryHeap<Reverse<(Rec, usize)>>,
    mem: std::iter::Peekable<std::vec::IntoIter<Rec>>,
}

impl Iterator for Merge {
    type Item = io::Result<Rec>;

    fn next(&mut self) -> Option<io::Result<Rec>> {
        let from_runs = self.heap.peek().map(|Reverse((r, _))| *r);
        match (from_runs, self.mem.peek().copied()) {
            (None, None) => None,
            (Some(a), Some(b)) if b < a => self.mem.next().map(Ok),
            (None, Some(_)) => self.mem.next().map(Ok),
            (Some(_), _) => {
                let Reverse((rec, i)) = self.heap.pop()?;
                match self.readers.get_mut(i).map(Rec::read) {
                    Some(Ok(Some(next))) => self.heap.push(Reverse((next, i))),
                    Some(Err(e)) => return Some(Err(e)),
                    _ => {}
                }
                Some(Ok(rec))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(k: u8, row: u32, succ: u16) -> Rec {
        Rec {
            key: [k; 16],
            row,
            succ,
        }
    }

    #[test]
    fn merges_spilled_runs_in_order() {
        let mut s = Sorter::new(7);
        let mut all = Vec::new();
        // A scrambled sequence with repeated keys, across several runs.
        for i in 0u32..200 {
            let r = rec(((i * 37) % 23) as u8, (i * 11) % 101, (i % 3) as u16);
            all.push(r);
            s.push(r).unwrap();
        }
        all.sort();
        let got: Vec<Rec> = s.finish().unwrap().map(Result::unwrap).collect();
        assert_eq!(got, all);
    }

    #[test]
    fn empty_and_memory_only() {
        assert_eq!(Sorter::new(4).finish().unwrap().count(), 0);
        let mut s = Sorter::new(100);
        s.push(rec(2, 1, 0)).unwrap();
        s.push(rec(1, 5, 0)).unwrap();
        let got: Vec<Rec> = s.finish().unwrap().map(Result::unwrap).collect();
        assert_eq!(got, vec![rec(1, 5, 0), rec(2, 1, 0)]);
    }
}
