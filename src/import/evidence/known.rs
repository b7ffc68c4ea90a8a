//! Rows the catalogue already holds, and rows repeating an earlier row of the file, found by
//! sorting content keys on disk (memory stays at a few sorted runs whatever the number of rows).

use std::collections::HashMap;

use crate::catalogue::Tx;
use crate::error::{Error, Result};
use crate::import::keysort::{Rec, Sorter};

/// What the storing side of an import pass does with content keys: the first pass collects
/// them for the sorted check, a second pass leaves out what that check found.
pub(super) enum KeyCheck<'a> {
    Collect(&'a mut Sorter),
    Skip(&'a Known),
}

/// Records a sorted run holds in memory (24 bytes each, so about 6 MiB).
pub(super) const SORT_RUN: usize = 1 << 18;

/// Rows up to this number are marked in a bitmap (4 bytes a row, so at most 16 MiB).
const BITMAP_ROWS: usize = 1 << 22;

/// Rows the first pass of an import found it must not store: rows whose content is already in
/// the catalogue, and rows repeating an earlier row of the file (with that row).
#[derive(Default)]
pub(super) struct Known {
    /// Per spreadsheet row, a bit per evidence row made from it (bit `succ`).
    already: Vec<u32>,
    /// The rare index past 31 or row past [`BITMAP_ROWS`].
    already_more: std::collections::HashSet<(usize, u16)>,
    pub(super) dups: HashMap<(usize, u16), usize>,
}

impl Known {
    pub(super) fn is_empty(&self) -> bool {
        self.already_more.is_empty() && self.dups.is_empty() && self.already.iter().all(|b| *b == 0)
    }

    fn mark_already(&mut self, row: usize, succ: u16) {
        // The bitmap is indexed by row; a row number far past any real tracker (a CSV with
        // millions of blank lines) goes to the set instead of growing it.
        if succ >= 32 || row >= BITMAP_ROWS {
            self.already_more.insert((row, succ));
            return;
        }
        if self.already.len() <= row {
            self.already.resize(row + 1, 0);
        }
        self.already[row] |= 1 << succ;
    }

    pub(super) fn is_already(&self, row: usize, succ: u16) -> bool {
        if succ >= 32 || row >= BITMAP_ROWS {
            return self.already_more.contains(&(row, succ));
        }
        self.already.get(row).is_some_and(|b| b & (1 << succ) != 0)
    }
}

/// The sorted key check: merges this import's keys (sorted by key, then row) with the keys of
/// every other evidence row, the rows up to id `before` (sorted the same way). A key already stored marks its first row as
/// already there; a key seen twice in the file marks the later rows as duplicates of the first.
/// Memory stays at a few sorted runs whatever the number of rows.
pub(super) fn find_known(tx: &Tx<'_>, (batch, before): (i64, i64), keys: Sorter) -> Result<Known> {
    let sort_err = |e| Error::io("sorting the import's content keys", e);
    let mut old = Sorter::new(SORT_RUN);
    tx.each_other_key(batch, before, |key| {
        old.push(Rec { key, row: 0, succ: 0 }).map_err(sort_err)
    })?;
    let mut old = old.finish().map_err(sort_err)?;
    let mut old_head = old.next().transpose().map_err(sort_err)?;
    let mut known = Known::default();
    // The first record of the current key group.
    let mut group: Option<Rec> = None;
    for r in keys.finish().map_err(sort_err)? {
        let r = r.map_err(sort_err)?;
        let row = r.row as usize;
        match group {
            // A repeat inside the file is a duplicate of its first row, stored before or not.
            Some(first) if first.key == r.key => {
                known.dups.insert((row, r.succ), first.row as usize);
            }
            _ => {
                while old_head.is_some_and(|o| o.key < r.key) {
                    old_head = old.next().transpose().map_err(sort_err)?;
                }
                if old_head.is_some_and(|o| o.key == r.key) {
                    known.mark_already(row, r.succ);
                }
                group = Some(r);
            }
        }
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_per_row_and_index_even_far_out() {
        let mut k = Known::default();
        assert!(k.is_empty());
        k.mark_already(5, 0);
        k.mark_already(5, 3);
        k.mark_already(7, 40);
        k.mark_already(BITMAP_ROWS + 10, 1);
        assert!(!k.is_empty());
        assert!(k.is_already(5, 0) && k.is_already(5, 3));
        assert!(!k.is_already(5, 1) && !k.is_already(6, 0));
        assert!(k.is_already(7, 40) && !k.is_already(7, 0));
        assert!(k.is_already(BITMAP_ROWS + 10, 1) && !k.is_already(BITMAP_ROWS + 10, 0));
        assert!(k.already.len() <= 8, "the far row did not grow the bitmap");
    }
}
