//! The workbook's hyperlinks are bounded (rust_xlsxwriter keeps each one in memory until the file
//! is saved: 65,530 of them took an export of 100,000 web locations from 35 to 137 MB peak). The
//! first 4,000 evidence locations are links; the rows after them keep their text.

use std::io::Read;

use crate::util::Workdir;

#[test]
fn the_workbook_links_the_first_4000_locations_and_keeps_every_text() {
    let w = Workdir::new();
    let mut csv = String::from("control_id,title,owner,collected_on,valid_until,location\r\n");
    for i in 0..4_100 {
        csv.push_str(&format!(
            "PR.AA-01,Item {i},Anna,2026-01-05,2027-01-05,https://grc.example/e/{i}\r\n"
        ));
    }
    w.write("t.csv", csv);
    w.run(&["evidence", "import", "t.csv"]).ok();
    w.payments_scope("iaas");
    w.run(&["export", "--out", "pkg", "--formats", "xlsx"]).ok();
    let file = std::fs::File::open(w.path().join("pkg/audit-workbook.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let (mut links, mut texts) = (0, 0);
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        if !part.name().unwrap().starts_with("xl/worksheets/sheet") {
            continue;
        }
        let mut xml = String::new();
        part.read_to_string(&mut xml).unwrap();
        links += xml.matches("<hyperlink ").count();
        texts += xml.matches("https://grc.example/e/").count();
    }
    assert_eq!(links, 4_000, "hyperlinks in the workbook");
    assert!(
        texts >= 4_100,
        "every location's text is in the Evidence sheet: {texts}"
    );
}
