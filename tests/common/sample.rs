//! The sample archive as tables of text, and the same data written in the forms union
//! offices hold it (intake.md): GB18030 CSV with Chinese names and typed values, a
//! workbook with date cells, and the template filled in as Excel would fill it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use tiexin::ingest::labels;
use tiexin::ingest::schema::{ColType, Column, Table, TABLES};

/// One table of the sample: its header (English names, the file's order) and rows.
pub struct SampleTable {
    pub table: &'static Table,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl SampleTable {
    /// The schema column of header cell `i`.
    pub fn column(&self, i: usize) -> &'static Column {
        self.table
            .column(&self.header[i])
            .unwrap_or_else(|| {
                panic!(
                    "{}.{} is not in the schema",
                    self.table.name, self.header[i]
                )
            })
            .1
    }
}

/// Every table of `sample-data/`, read as text.
pub fn sample() -> Vec<SampleTable> {
    let dir = super::repo().join("sample-data");
    TABLES
        .iter()
        .map(|t| {
            let csv = dir.join(format!("{}.csv", t.name));
            let (header, rows) = if csv.exists() {
                read_csv(&csv)
            } else {
                read_parquet(&dir.join(format!("{}.parquet", t.name)))
            };
            SampleTable {
                table: t,
                header,
                rows,
            }
        })
        .collect()
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    let mut header = rows.remove(0);
    header[0] = header[0].trim_start_matches('\u{feff}').to_string();
    (header, rows)
}

fn read_parquet(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut header = Vec::new();
    let mut rows = Vec::new();
    for b in reader {
        let b = b.unwrap();
        header = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let cols: Vec<_> = b
            .columns()
            .iter()
            .map(|c| cast(c, &DataType::Utf8).unwrap())
            .collect();
        for r in 0..b.num_rows() {
            rows.push(
                cols.iter()
                    .map(|c| {
                        let s = c.as_string::<i32>();
                        if s.is_null(r) {
                            String::new()
                        } else {
                            s.value(r).to_string()
                        }
                    })
                    .collect(),
            );
        }
    }
    (header, rows)
}

/// `(year, month, day)` of `YYYY-MM-DD`.
pub fn ymd(s: &str) -> (u16, u8, u8) {
    (
        s[..4].parse().unwrap(),
        s[5..7].parse().unwrap(),
        s[8..10].parse().unwrap(),
    )
}

/// ASCII letters, digits and `_.-` in their full-width forms.
pub fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
            c => c,
        })
        .collect()
}

/// `1,234,567.50` for `1234567.50`.
pub fn grouped(s: &str) -> String {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if frac.is_empty() {
        out
    } else {
        format!("{out}.{frac}")
    }
}

/// A value as an office types it in a CSV, varied by row: dates in every typed form,
/// money with ¥, 元 and thousands separators, 是/否, Chinese labels, full-width ids.
pub fn typed(t: &Table, c: &Column, v: &str, row: usize) -> String {
    if c.ty == ColType::Text || v.trim().is_empty() {
        return v.to_string();
    }
    // Spaces around a value stay around its typed form.
    let inner = v.trim();
    let at = v.find(inner).unwrap();
    let (before, after) = (&v[..at], &v[at + inner.len()..]);
    format!("{before}{}{after}", typed_inner(t, c, inner, row))
}

fn typed_inner(t: &Table, c: &Column, v: &str, row: usize) -> String {
    match c.ty {
        ColType::Date => {
            let (y, m, d) = ymd(v);
            match row % 6 {
                0 => v.to_string(),
                1 => format!("{y}/{m}/{d}"),
                2 => format!("{y}年{m}月{d}日"),
                3 => format!("{y}.{m}.{d}"),
                4 => v.replace('-', ""),
                _ => format!("{y}-{m}-{d}"),
            }
        }
        ColType::Month => {
            let (y, m) = (&v[..4], v[5..7].parse::<u8>().unwrap());
            match row % 3 {
                0 => v.to_string(),
                1 => format!("{y}年{m}月"),
                _ => format!("{y}/{m}"),
            }
        }
        ColType::Money => match row % 4 {
            0 => v.to_string(),
            1 => format!("¥{}", grouped(v)),
            2 => format!("{}元", grouped(v)),
            _ => format!("￥{v}"),
        },
        ColType::Bool => {
            let b = matches!(v.to_ascii_lowercase().as_str(), "true" | "1");
            match (row % 2, b) {
                (0, true) => "是".into(),
                (0, false) => "否".into(),
                (_, b) => b.to_string().to_uppercase(),
            }
        }
        ColType::Enum(_) => {
            let labels = labels::enum_labels(t.name, c.name);
            let label = labels.iter().find(|(code, _)| *code == v);
            match (row % 3, label) {
                (0, _) => v.to_uppercase(),
                (_, Some((_, ls))) => ls[row % ls.len()].to_string(),
                (_, None) => v.to_string(),
            }
        }
        ColType::Id if row % 3 == 1 => full_width(v),
        ColType::Int if row % 4 == 2 => format!("\u{3000}{v} "),
        _ => v.to_string(),
    }
}

/// The header an office writes: Chinese, the required ones marked in turn with `*`,
/// `（必填）` or nothing.
pub fn chinese_header(t: &Table, c: &Column, i: usize) -> String {
    let h = labels::header(t.name, c.name).unwrap();
    match (c.required, i % 3) {
        (true, 0) => format!("*{h}"),
        (true, 1) => format!("{h}（必填）"),
        _ => h.to_string(),
    }
}

/// The sample as GB18030 CSV files named in Chinese, with Chinese headers, CRLF line
/// endings and values as people type them.
pub fn write_gb18030(s: &[SampleTable], dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for t in s {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let header: Vec<String> = (0..t.header.len())
            .map(|i| chinese_header(t.table, t.column(i), i))
            .collect();
        w.write_record(&header).unwrap();
        for (r, row) in t.rows.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, v)| typed(t.table, t.column(i), v, r))
                .collect();
            w.write_record(&cells).unwrap();
        }
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let (bytes, _, bad) = encoding_rs::GB18030.encode(&text);
        assert!(!bad);
        std::fs::write(dir.join(format!("{}.csv", t.table.label)), &bytes).unwrap();
    }
}

/// The sample as one workbook, a sheet per table (named in English or Chinese in
/// turn): dates and months as date cells, numbers and money as number cells, yes/no as
/// boolean cells, codes as Chinese labels, phone numbers as numbers; plus a sheet
/// 填表说明 and a hidden sheet, which are ignored.
pub fn write_workbook(s: &[SampleTable], path: &Path) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let month = Format::new().set_num_format("yyyy-mm");
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes.write_string(0, 0, "说明文字").unwrap();
    for (k, t) in s.iter().enumerate() {
        let ws = wb.add_worksheet();
        let name = if k % 2 == 0 {
            t.table.label
        } else {
            t.table.name
        };
        ws.set_name(name).unwrap();
        for (i, h) in t.header.iter().enumerate() {
            let h = if k % 2 == 0 {
                chinese_header(t.table, t.column(i), i)
            } else {
                h.clone()
            };
            ws.write_string(0, i as u16, h).unwrap();
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r32 = r as u32 + 1;
            for (i, v) in row.iter().enumerate() {
                let c = t.column(i);
                let col = i as u16;
                let v = if c.ty == ColType::Text {
                    v.as_str()
                } else {
                    v.trim()
                };
                if v.is_empty() {
                    continue;
                }
                match c.ty {
                    ColType::Date => {
                        let (y, m, d) = ymd(v);
                        let dt = ExcelDateTime::from_ymd(y, m, d).unwrap();
                        ws.write_datetime_with_format(r32, col, &dt, &date).unwrap();
                    }
                    ColType::Month => {
                        let dt = ExcelDateTime::from_ymd(
                            v[..4].parse().unwrap(),
                            v[5..7].parse().unwrap(),
                            1,
                        )
                        .unwrap();
                        ws.write_datetime_with_format(r32, col, &dt, &month)
                            .unwrap();
                    }
                    ColType::Int | ColType::Money => {
                        ws.write_number(r32, col, v.parse::<f64>().unwrap())
                            .unwrap();
                    }
                    ColType::Bool => {
                        let b = matches!(v.to_ascii_lowercase().as_str(), "true" | "1");
                        ws.write_boolean(r32, col, b).unwrap();
                    }
                    ColType::Enum(_) => {
                        let label = labels::label_of(
                            t.table.name,
                            c.name,
                            codes(c).iter().find(|x| **x == v).copied().unwrap(),
                        );
                        ws.write_string(r32, col, label).unwrap();
                    }
                    ColType::Text
                        if c.name == "phone"
                            && v.bytes().all(|b| b.is_ascii_digit())
                            && !v.starts_with('0') =>
                    {
                        ws.write_number(r32, col, v.parse::<f64>().unwrap())
                            .unwrap();
                    }
                    _ => {
                        ws.write_string(r32, col, v).unwrap();
                    }
                }
            }
        }
    }
    let hidden = wb.add_worksheet();
    hidden.set_name("old").unwrap();
    hidden.write_string(0, 0, "anything").unwrap();
    hidden.set_hidden(true);
    wb.save(path).unwrap();
}

fn codes(c: &Column) -> &'static [&'static str] {
    match c.ty {
        ColType::Enum(codes) => codes,
        _ => &[],
    }
}

/// XML text.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The letters of a 0-based column.
pub fn letters(c: usize) -> String {
    tiexin::ingest::xlsx::column_letters(c as u32)
}

/// Replaces some sheets of a workbook by `edit(index, xml)`: the sheet files of
/// `xl/worksheets/` in order (sheet1.xml is the first sheet).
pub fn edit_sheets(from: &Path, to: &Path, edit: impl Fn(usize, &str) -> Option<String>) {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        let sheet = name
            .strip_prefix("xl/worksheets/sheet")
            .and_then(|n| n.strip_suffix(".xml"))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(n) = sheet {
            if let Some(new) = edit(n - 1, std::str::from_utf8(&bytes).unwrap()) {
                bytes = new.into_bytes();
            }
        }
        zout.start_file(name, opts).unwrap();
        zout.write_all(&bytes).unwrap();
    }
    zout.finish().unwrap();
}

/// The style of each column of a sheet (`<col min max style>`), as Excel applies it to
/// a cell typed there.
pub fn column_styles(xml: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for part in xml.split("<col ").skip(1) {
        let tag = &part[..part.find('>').unwrap()];
        let attr = |name: &str| {
            let at = tag
                .find(&format!(" {name}=\""))
                .or_else(|| tag.starts_with(&format!("{name}=\"")).then_some(0))?;
            let rest = &tag[at..];
            let rest = &rest[rest.find('"').unwrap() + 1..];
            Some(rest[..rest.find('"').unwrap()].to_string())
        };
        if let (Some(min), Some(max), Some(style)) = (attr("min"), attr("max"), attr("style")) {
            out.push((min.parse().unwrap(), max.parse().unwrap(), style));
        }
    }
    out
}

/// Rows (`(row number, cells as XML)`) put into a sheet after its header.
pub fn add_rows(xml: &str, rows: &[(usize, Vec<String>)]) -> String {
    let body: String = rows
        .iter()
        .map(|(r, cells)| format!("<row r=\"{r}\">{}</row>", cells.concat()))
        .collect();
    xml.replacen("</sheetData>", &format!("{body}</sheetData>"), 1)
}

/// The XML of a cell: text (inline), a number, both with the column's style.
pub fn text_cell(at: &str, style: &str, v: &str) -> String {
    format!(
        "<c r=\"{at}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
        xml_escape(v)
    )
}

/// A number cell.
pub fn number_cell(at: &str, style: &str, v: f64) -> String {
    format!("<c r=\"{at}\"{style}><v>{v}</v></c>")
}

/// The Excel serial day of `YYYY-MM-DD` (1900 system).
pub fn serial(v: &str) -> f64 {
    let (y, m, d) = ymd(v);
    ExcelDateTime::from_ymd(y, m, d).unwrap().to_excel()
}

/// The template of `tiexin template` filled in with the sample as an office would type
/// it into Excel: each cell takes its column's format (dates and months become date
/// cells, money and counts numbers), codes are chosen from the drop-down lists (the
/// Chinese labels), yes/no is 是/否, ids and text are text.
pub fn fill_template(template: &Path, s: &[SampleTable], out: &Path) {
    edit_sheets(template, out, |n, xml| {
        let t = s.get(n.checked_sub(1)?)?;
        let styles = column_styles(xml);
        let rows: Vec<(usize, Vec<String>)> = t
            .rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                let line = r + 2;
                let mut cells = Vec::new();
                for (ci, c) in t.table.columns.iter().enumerate() {
                    let v = t
                        .header
                        .iter()
                        .position(|h| h == c.name)
                        .map(|i| row[i].as_str())
                        .unwrap_or("");
                    let v = if c.ty == ColType::Text { v } else { v.trim() };
                    if v.is_empty() {
                        continue;
                    }
                    let at = format!("{}{line}", letters(ci));
                    let style = styles
                        .iter()
                        .find(|(min, max, _)| (*min..=*max).contains(&(ci + 1)))
                        .map(|(_, _, s)| format!(" s=\"{s}\""))
                        .unwrap_or_default();
                    cells.push(match c.ty {
                        ColType::Date => number_cell(&at, &style, serial(v)),
                        ColType::Month => number_cell(&at, &style, serial(&format!("{v}-01"))),
                        ColType::Money | ColType::Int => {
                            number_cell(&at, &style, v.parse().unwrap())
                        }
                        ColType::Bool => {
                            let b = matches!(v.to_ascii_lowercase().as_str(), "true" | "1");
                            text_cell(&at, &style, if b { "是" } else { "否" })
                        }
                        ColType::Enum(codes) => {
                            let code = codes.iter().find(|x| **x == v).copied().unwrap();
                            text_cell(&at, &style, labels::label_of(t.table.name, c.name, code))
                        }
                        _ => text_cell(&at, &style, v),
                    });
                }
                (line, cells)
            })
            .collect();
        Some(add_rows(xml, &rows))
    });
}
