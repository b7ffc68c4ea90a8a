//! A point in time: the catalogue as it stood at the end of an as-of date. Every read of the
//! history goes through [`AsOf`] (set once on the open catalogue, [`super::Catalogue::stand_at`]),
//! so a listing, `status` or a package made "as of D" leaves out what was recorded after D:
//! assessment records, remediation plans, ownership changes, evidence import batches (with
//! their rows) and a scope set later. The cut is the end of D in UTC, the zone every recorded
//! time is in. Judging evidence at D (expired, stale, not yet collected) is
//! [`crate::model::evidence::freshness`]'s.

use chrono::NaiveDate;

/// The point in time the catalogue is read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AsOf {
    date: NaiveDate,
    /// Records at or after this moment (the start of the day after `date`, UTC) are left out;
    /// None: nothing is (the catalogue as it is now).
    cut: Option<NaiveDate>,
}

impl AsOf {
    /// The end of `date`: what was recorded after it is left out.
    pub(crate) fn end_of(date: NaiveDate) -> AsOf {
        AsOf {
            date,
            cut: date.succ_opt(),
        }
    }

    /// Now, judged at `today`: nothing recorded is left out (a record made today in UTC may be
    /// dated after a local `today`).
    pub(crate) fn now(today: NaiveDate) -> AsOf {
        AsOf {
            date: today,
            cut: None,
        }
    }

    /// The as-of date.
    pub(crate) fn date(&self) -> NaiveDate {
        self.date
    }

    /// Whether the point is a past moment that leaves records out.
    pub(crate) fn is_cut(&self) -> bool {
        self.cut.is_some()
    }

    /// The first recorded time left out, as stored times are written (`2026-01-16T00:00:00Z`),
    /// for `at < bound` in SQL; None when nothing is left out. Recorded times are RFC 3339 in
    /// UTC, so they compare as text.
    pub(crate) fn bound(&self) -> Option<String> {
        self.cut.map(|d| format!("{d}T00:00:00Z"))
    }

    /// Whether a record made at `at` (RFC 3339, UTC) is in the catalogue at this point.
    pub(crate) fn includes(&self, at: &str) -> bool {
        self.bound().is_none_or(|b| at < b.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_a_day_is_the_cut() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        let p = AsOf::end_of(d);
        assert!(p.includes("2026-01-15T23:59:59Z"));
        assert!(!p.includes("2026-01-16T00:00:00Z"));
        assert!(!p.includes("2026-12-06T10:00:00Z"));
        assert_eq!(p.bound().as_deref(), Some("2026-01-16T00:00:00Z"));
        let now = AsOf::now(d);
        assert!(now.includes("2026-12-06T10:00:00Z"));
        assert!(!now.is_cut() && p.is_cut());
    }
}
