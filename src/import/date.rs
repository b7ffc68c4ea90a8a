//! Dates as trackers write them: date cells are the reader's business; text is read here, as
//! ISO 8601 (`2025-03-01`, optionally followed by a real time of day), or with the
//! `--date-format` the user gives. Ambiguous or impossible dates and times are refused, never
//! guessed or cut off.

use chrono::NaiveDate;

use crate::error::ValueError;

/// `YYYY-MM-DD`, written directly (chrono's `Display` goes through its formatter).
pub(crate) fn iso_date(d: NaiveDate) -> String {
    let mut s = String::with_capacity(10);
    push_iso_date(&mut s, d);
    s
}

/// Appends `YYYY-MM-DD` to `out`, digit by digit (`format!` costs more than the rest of a
/// date cell's import); a year outside 0-9999 as chrono writes it.
pub(crate) fn push_iso_date(out: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    let Ok(y) = u32::try_from(y) else {
        out.push_str(&d.to_string());
        return;
    };
    if y > 9999 {
        out.push_str(&d.to_string());
        return;
    }
    push_digits(out, y, 4);
    out.push('-');
    push_digits(out, m, 2);
    out.push('-');
    push_digits(out, day, 2);
}

/// Appends the last `width` decimal digits of `n`, zero-padded.
pub(crate) fn push_digits(out: &mut String, n: u32, width: u32) {
    for p in (0..width).rev() {
        out.push(char::from(b'0' + ((n / 10u32.pow(p)) % 10) as u8));
    }
}

/// Checks what follows an ISO date in a cell (`T10:30`, ` 10:30:05.250Z`, `T10:30:00+02:00`):
/// a separator (`T` or a space), a real time of day `HH:MM` or `HH:MM:SS` (a fraction after the
/// seconds, `:60` for a leap second, ` AM`/` PM` after an hour up to 12), and optionally a zone:
/// `Z`, `+HH:MM`, `+HHMM`, `+HH` (or `-`), ` UTC`, ` GMT`. `Err` says what is wrong with it. Only the date is kept: the time
/// is checked so that `9999-12-31T25:61` or `2026-10-01Tgarbage` is refused, never cut off.
fn check_time_tail(tail: &str) -> Result<(), String> {
    let b = tail.as_bytes();
    let two = |i: usize| -> Option<u32> {
        let d = b.get(i..i + 2)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
    };
    let shape = || "expected a time THH:MM or THH:MM:SS, optionally with a zone (Z, +02:00)".to_string();
    if !matches!(b.first(), Some(b'T' | b't' | b' ')) {
        return Err(shape());
    }
    let (Some(h), Some(b':'), Some(m)) = (two(1), b.get(3), two(4)) else {
        return Err(shape());
    };
    if h > 23 {
        return Err(format!("there is no hour {h} (00 to 23)"));
    }
    if m > 59 {
        return Err(format!("there is no minute {m} (00 to 59)"));
    }
    let mut i = 6;
    if b.get(i) == Some(&b':') {
        let Some(sec) = two(i + 1) else {
            return Err(shape());
        };
        if sec > 60 {
            return Err(format!("there is no second {sec} (00 to 59)"));
        }
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(shape());
            }
            i += 1 + digits;
        }
    }
    // A 12-hour clock, as some systems export it (`2026-10-01 09:15:00 PM`).
    if let Some(half) = tail
        .get(i..i + 3)
        .filter(|x| x.eq_ignore_ascii_case(" am") || x.eq_ignore_ascii_case(" pm"))
    {
        if h > 12 {
            return Err(format!(
                "there is no hour {h}{} (a 12-hour clock)",
                half.to_uppercase()
            ));
        }
        i += 3;
    }
    let zone = &tail[i..];
    let zone = zone.strip_prefix(' ').unwrap_or(zone);
    if zone.is_empty() || matches!(zone, "Z" | "z" | "UTC" | "GMT") {
        return Ok(());
    }
    let zb = zone.as_bytes();
    let digits = |x: &[u8]| -> Option<u32> {
        (x.len() == 2 && x.iter().all(u8::is_ascii_digit))
            .then(|| u32::from(x[0] - b'0') * 10 + u32::from(x[1] - b'0'))
    };
    let offset = match &zb[1..] {
        z if z.len() == 2 => digits(z).map(|h| (h, 0)),
        z if z.len() == 4 => digits(&z[..2]).zip(digits(&z[2..])),
        z if z.len() == 5 && z[2] == b':' => digits(&z[..2]).zip(digits(&z[3..])),
        _ => None,
    };
    match (zb[0], offset) {
        (b'+' | b'-', Some((zh, zm))) if zh <= 14 && zm <= 59 => Ok(()),
        (b'+' | b'-', Some(_)) => Err(format!("`{zone}` is not a time zone offset (at most 14:00)")),
        _ => Err(format!(
            "`{zone}` after the time is not a time zone (Z, +02:00, -0500)"
        )),
    }
}

/// Parses a date typed as text: ISO 8601 (`2025-03-01`, with or without a time, which must be
/// a real time of day), or with `format` (chrono syntax, e.g. `%d/%m/%Y`). Other text is
/// refused with a reason: an impossible date or time, an ambiguous day/month order, or simply
/// an unknown form.
pub(crate) fn parse_date(s: &str, format: Option<&str>) -> Result<Option<NaiveDate>, ValueError> {
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(f) = format {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Ok(Some(d));
        }
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(Some(d.date()));
        }
    }
    let iso = s.get(..10).unwrap_or(s);
    let iso_shape = iso.len() == 10
        && iso.as_bytes().iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if iso_shape && (s.len() == 10 || matches!(s.as_bytes()[10], b'T' | b' ')) {
        // The shape is checked: the digits parse directly (chrono's format parser is a good
        // part of the time of a CSV import).
        let num = |r: std::ops::Range<usize>| iso[r].parse::<u32>().unwrap_or(0);
        let ymd = i32::try_from(num(0..4))
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, num(5..7), num(8..10)));
        if let Some(Err(why)) = (s.len() > 10).then(|| check_time_tail(&s[10..])) {
            return Err(ValueError::new(
                s,
                format!(
                    "`{s}` is not a date and time csfkit can read: {why}; expected YYYY-MM-DD, optionally followed by a time such as T14:30 or T14:30:00Z"
                ),
            ));
        }
        return match ymd {
            Some(d) => Ok(Some(d)),
            None => Err(ValueError::new(
                s,
                format!("`{s}` is not a real date (no such day); expected a valid YYYY-MM-DD date"),
            )),
        };
    }
    // d/m/y or m/d/y with `/`, `.` or `-`.
    let parts: Vec<&str> = s.split(['/', '.', '-']).map(str::trim).collect();
    let fix = |f: &str| match format {
        Some(given) => format!("it does not match --date-format {given}"),
        None => format!("give --date-format {f} or write it as YYYY-MM-DD"),
    };
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
        let sep = s.chars().find(|c| matches!(c, '/' | '.' | '-')).unwrap_or('/');
        if parts[2].len() == 4 {
            let y = n[2] as i32;
            let dm = NaiveDate::from_ymd_opt(y, n[1], n[0]);
            let md = NaiveDate::from_ymd_opt(y, n[0], n[1]);
            return Err(ValueError::new(
                s,
                match (dm, md) {
                    (None, None) => {
                        format!(
                            "`{s}` is not a real date under either day/month order; expected a valid date"
                        )
                    }
                    (Some(a), Some(b)) if a != b => format!(
                        "`{s}` is ambiguous: {} or {}; {}",
                        a.format("%-d %B %Y"),
                        b.format("%-d %B %Y"),
                        fix(&format!("%d{sep}%m{sep}%Y"))
                    ),
                    (Some(_), _) => {
                        format!("`{s}` is not an ISO date; {}", fix(&format!("%d{sep}%m{sep}%Y")))
                    }
                    (None, Some(_)) => {
                        format!("`{s}` is not an ISO date; {}", fix(&format!("%m{sep}%d{sep}%Y")))
                    }
                },
            ));
        }
    }
    Err(ValueError::new(
        s,
        match format {
            Some(f) => format!("`{s}` does not match --date-format {f} and is not YYYY-MM-DD"),
            None => format!(
                "`{s}` is not a date csfkit can read; expected YYYY-MM-DD, a date cell, or give --date-format"
            ),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_iso_formatted_ambiguous_and_impossible() {
        assert_eq!(parse_date("2025-03-04", None).unwrap(), Some(d("2025-03-04")));
        assert_eq!(parse_date("2024-02-29", None).unwrap(), Some(d("2024-02-29")));
        assert!(parse_date("2025-02-29", None).is_err());
        assert!(parse_date("2025-13-01", None).is_err());
        assert_eq!(iso_date(d("0987-01-02")), "0987-01-02");
        // Written digit by digit, as chrono writes them, across the whole range.
        for (y, m, day) in [
            (0, 1, 1),
            (9, 9, 9),
            (2026, 12, 31),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 30),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, day).unwrap();
            assert_eq!(iso_date(date), date.to_string(), "{y}-{m}-{day}");
        }
        assert_eq!(
            parse_date("2025-03-04T10:00:00Z", None).unwrap(),
            Some(d("2025-03-04"))
        );
        assert!(
            parse_date("2025-02-30", None)
                .unwrap_err()
                .message
                .contains("not a real date")
        );
        let e = parse_date("03/04/2025", None).unwrap_err().message;
        assert!(
            e.contains("ambiguous") && e.contains("3 April 2025") && e.contains("4 March 2025"),
            "{e}"
        );
        assert!(
            parse_date("31/02/2025", None)
                .unwrap_err()
                .message
                .contains("not a real date")
        );
        assert!(
            parse_date("31/02/2025", Some("%d/%m/%Y"))
                .unwrap_err()
                .message
                .contains("not a real date")
        );
        assert_eq!(
            parse_date("03/04/2025", Some("%d/%m/%Y")).unwrap(),
            Some(d("2025-04-03"))
        );
        assert!(
            parse_date("25/12/2025", None)
                .unwrap_err()
                .message
                .contains("--date-format %d/%m/%Y")
        );
        assert!(parse_date("next week", None).is_err());
    }

    #[test]
    fn times_after_an_iso_date_must_be_real() {
        for ok in [
            "2026-10-01T14:30",
            "2026-10-01 14:30:05",
            "2026-10-01T23:59:60Z",
            "2026-10-01T00:00:00.000+02:00",
            "2026-10-01T09:15:00,5-0500",
            "2026-10-01 09:15 +01",
            "2026-10-01 09:15:00 UTC",
            "2026-10-01 09:15:00 PM",
            "2026-10-01 12:00 am",
        ] {
            assert_eq!(parse_date(ok, None).unwrap(), Some(d("2026-10-01")), "{ok}");
        }
        for (bad, why) in [
            ("9999-12-31T25:61", "no hour 25"),
            ("2026-10-01T23:61", "no minute 61"),
            ("2026-10-01T23:59:61", "no second 61"),
            ("2026-10-01Tgarbage", "expected a time"),
            ("2026-10-01T", "expected a time"),
            ("2026-10-01 ", "expected a time"),
            ("2026-10-01T10:00:00.", "expected a time"),
            ("2026-10-01T10:00Zulu", "not a time zone"),
            ("2026-10-01T10:00+15:00", "not a time zone offset"),
            ("2026-10-01 13:00 PM", "no hour 13 PM"),
        ] {
            let e = parse_date(bad, None).unwrap_err().message;
            assert!(e.contains(why) && e.contains(bad), "{bad}: {e}");
        }
    }
}
