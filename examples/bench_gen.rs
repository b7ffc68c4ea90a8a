//! Benchmark input: `cargo run --release --example bench_gen -- [--long] ROWS OUT.xlsx|OUT.csv [IDS]`
//! writes an evidence tracker of ROWS rows × 9 columns (real date cells in xlsx), cycling through
//! the 106 CSF 2.0 subcategories, every row distinct. IDS, a file of one control ID per line (e.g.
//! the SP 800-53 column of `csfkit crosswalk --from sp800-53 --format csv`), replaces the CSF IDs.
//! `--long` writes descriptions of about 190 characters, as real trackers hold, which wrap over
//! several lines in the workbook's Evidence sheet (the short default fits on one).

use rust_xlsxwriter::{Format, Workbook};

const FUNCTIONS: [(&str, &[(&str, u32)]); 6] = [
    (
        "GV",
        &[("OC", 5), ("RM", 7), ("RR", 4), ("PO", 2), ("OV", 3), ("SC", 10)],
    ),
    ("ID", &[("AM", 7), ("RA", 10), ("IM", 4)]),
    ("PR", &[("AA", 6), ("AT", 2), ("DS", 4), ("PS", 6), ("IR", 4)]),
    ("DE", &[("CM", 5), ("AE", 6)]),
    ("RS", &[("MA", 5), ("AN", 4), ("CO", 2), ("MI", 2)]),
    ("RC", &[("RP", 6), ("CO", 2)]),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let long = std::env::args().any(|a| a == "--long");
    let args: Vec<String> = std::env::args().filter(|a| a != "--long").collect();
    let describe = |r: u32| {
        if long {
            format!(
                "Exported from the GRC tool, record {r}: quarterly access review of the production \
                 accounts, signed off by the control owner; the screenshots and the ticket are \
                 attached to the record"
            )
        } else {
            format!("Exported from the GRC tool, record {r}")
        }
    };
    let (Some(rows), Some(out)) = (args.get(1).and_then(|r| r.parse::<u32>().ok()), args.get(2)) else {
        eprintln!("usage: bench_gen [--long] ROWS OUT.xlsx|OUT.csv [IDS]");
        std::process::exit(2);
    };
    // Approximate ID lists are fine for throughput; the real catalogue decides validity, so use
    // only IDs that exist: numbers 01..n per category as listed above (a subset of CSF 2.0).
    let mut ids = Vec::new();
    if let Some(list) = args.get(3) {
        ids = std::fs::read_to_string(list)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if ids.is_empty() {
            return Err(format!("{list}: no control IDs").into());
        }
    }
    for (f, cats) in FUNCTIONS.iter().filter(|_| args.get(3).is_none()) {
        for (c, n) in cats.iter() {
            for i in 1..=*n {
                ids.push(format!("{f}.{c}-{i:02}"));
            }
        }
    }
    let header = csfkit::EVIDENCE_FIELDS;
    let types = ["policy", "log", "screenshot", "report", "ticket"];
    if out.ends_with(".csv") {
        let mut w = csv::Writer::from_path(out)?;
        w.write_record(header)?;
        for r in 0..rows {
            let day = (r % 365) as i64;
            let c = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(day);
            let v = c + chrono::Duration::days(365);
            w.write_record([
                ids[r as usize % ids.len()].as_str(),
                &format!("Evidence item {r}"),
                &describe(r),
                types[r as usize % types.len()],
                &format!("owner{}", r % 50),
                &c.to_string(),
                &v.to_string(),
                &format!("https://grc.example/evidence/{r}"),
                "GRC",
            ])?;
        }
        w.flush()?;
        return Ok(());
    }
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet_with_constant_memory()?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for r in 0..rows {
        let row = r + 1;
        // Excel serial dates: 46023 is 2026-01-01.
        let c = 46023.0 + f64::from(r % 365);
        let v = c + 365.0;
        ws.write_string(row, 0, &ids[r as usize % ids.len()])?;
        ws.write_string(row, 1, format!("Evidence item {r}"))?;
        ws.write_string(row, 2, describe(r))?;
        ws.write_string(row, 3, types[r as usize % types.len()])?;
        ws.write_string(row, 4, format!("owner{}", r % 50))?;
        ws.write_number_with_format(row, 5, c, &date)?;
        ws.write_number_with_format(row, 6, v, &date)?;
        ws.write_string(row, 7, format!("https://grc.example/evidence/{r}"))?;
        ws.write_string(row, 8, "GRC")?;
    }
    wb.save(out)?;
    Ok(())
}
