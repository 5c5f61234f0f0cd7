//! Converts one table of a generated archive from CSV to a workbook as an office keeps
//! it, for `bench/validate.sh` (issue 12): Chinese headers, dates as date cells, counts
//! and money as numbers, codes as their Chinese labels, text in the shared strings as
//! Excel keeps it; written row by row (low-memory mode), so a million households fit.
//!
//! usage: cargo run --release --example csv_to_xlsx -- TABLE IN.csv OUT.xlsx

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use tiexin::ingest::labels;
use tiexin::ingest::schema::{self, ColType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [table, input, output] = args.as_slice() else {
        return Err("usage: csv_to_xlsx TABLE IN.csv OUT.xlsx".into());
    };
    let t = schema::table(table).ok_or("no such table")?;
    let mut r = csv::Reader::from_path(input)?;
    let header: Vec<String> = r.headers()?.iter().map(String::from).collect();
    let cols: Vec<_> = header
        .iter()
        .map(|h| t.column(h.trim_start_matches('\u{feff}')).map(|(_, c)| c))
        .collect();
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet_with_low_memory()?;
    ws.set_name(t.label)?;
    for (i, (h, c)) in header.iter().zip(&cols).enumerate() {
        let name = c.and_then(|c| labels::header(t.name, c.name)).unwrap_or(h);
        ws.write_string(0, i as u16, name)?;
    }
    let mut record = csv::StringRecord::new();
    let mut row = 0u32;
    while r.read_record(&mut record)? {
        row += 1;
        for (i, v) in record.iter().enumerate() {
            let col = i as u16;
            if v.is_empty() {
                continue;
            }
            match cols[i].map(|c| (c, c.ty)) {
                Some((_, ColType::Date)) => {
                    let dt = ExcelDateTime::from_ymd(
                        v[..4].parse()?,
                        v[5..7].parse()?,
                        v[8..10].parse()?,
                    )?;
                    ws.write_datetime_with_format(row, col, &dt, &date)?;
                }
                Some((_, ColType::Int | ColType::Money)) => {
                    ws.write_number(row, col, v.parse::<f64>()?)?;
                }
                Some((c, ColType::Enum(codes))) => {
                    let code = codes.iter().find(|x| **x == v).copied().unwrap_or("");
                    ws.write_string(row, col, labels::label_of(t.name, c.name, code))?;
                }
                _ => {
                    ws.write_string(row, col, v)?;
                }
            }
        }
    }
    wb.save(output)?;
    eprintln!("{output}: {row} rows of {}", t.name);
    Ok(())
}
