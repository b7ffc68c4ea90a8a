//! The floor of the import benchmark: `bench_floor FILE.xlsx` reads every cell of the first
//! sheet with calamine's streaming reader and does nothing else. CSV: the csv crate reading
//! every record.

use calamine::Reader;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: bench_floor FILE")?;
    let mut cells = 0u64;
    if path.ends_with(".csv") {
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(&path)?;
        let mut rec = csv::StringRecord::new();
        while r.read_record(&mut rec)? {
            cells += rec.len() as u64;
        }
    } else {
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path)?;
        let name = wb.sheet_names().first().cloned().ok_or("no sheet")?;
        let mut reader = wb.worksheet_cells_reader(&name)?;
        while let Some(c) = reader.next_cell()? {
            if !matches!(c.get_value(), calamine::DataRef::Empty) {
                cells += 1;
            }
        }
    }
    println!("{cells} cells");
    Ok(())
}
