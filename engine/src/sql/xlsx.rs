//! Workbooks for people (`--format xlsx`, and the figures a scheduled bulletin or
//! circular attaches beside its PDF): one sheet per table with Chinese column labels
//! (the CSV keeps the English names, for machines), rates as percentages, money with
//! two decimals, a frozen header, an autofilter and widths that fit CJK text; then a
//! sheet `说明` with the period, the archive's SHA-256 and the query files used. The
//! values are those of the CSV: a text that begins with `=`, `+`, `-` or `@` is written
//! as text (with Excel's quote prefix), never as a formula.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::catalog::{self, Catalog};
use super::table::{Cell, Tabular};
use crate::error::{Error, Result};
use crate::ingest::{labels, Archive};

/// The rows a sheet holds at most, below its header.
pub const MAX_ROWS: usize = 1_048_575;

/// One sheet of data.
pub struct Sheet<'a> {
    /// The sheet's name (at most 31 characters).
    pub name: &'a str,
    /// The table.
    pub table: &'a Tabular,
    /// Chinese labels of this table's columns that differ from [`column_label`]'s
    /// (`name` is 姓名 in the shortlist, 名称 elsewhere).
    pub labels: &'a [(&'a str, &'a str)],
}

/// The archive a workbook was made from: its folder, its SHA-256, and each file read
/// with its SHA-256.
pub type ArchiveFiles = (String, String, Vec<(String, String)>);

/// What the sheet `说明` says.
#[derive(Debug, Clone, Default)]
pub struct About {
    /// What the workbook holds (`各级工会指标`).
    pub title: String,
    /// The period (`2026Q3`, `2026`), if the figures have one.
    pub period: Option<String>,
    /// The archive folder, its SHA-256 and each file read with its SHA-256.
    pub archive: Option<ArchiveFiles>,
    /// The query files used (`queries/metrics/metrics.sql`, and each one replaced).
    pub queries: Vec<String>,
    /// Further lines (`命令`, …).
    pub notes: Vec<(String, String)>,
}

impl About {
    /// The note of `archive`, with the query files of `kinds` (`metrics`, `findings`, …)
    /// of `catalog`, replaced ones named with their file and SHA-256.
    pub fn new(
        title: &str,
        period: Option<String>,
        archive: &Archive,
        catalog: &Catalog,
        kinds: &[&str],
    ) -> About {
        let files = archive
            .tables
            .iter()
            .filter_map(|t| t.source.as_ref())
            .map(|s| (s.file_name(), s.sha256.clone()))
            .collect();
        About {
            title: title.to_string(),
            period,
            archive: Some((archive.dir.display().to_string(), archive.sha256(), files)),
            queries: query_files(catalog, kinds),
            notes: Vec::new(),
        }
    }
}

/// The query files of `kinds`, each replaced one with the file that replaces it.
pub fn query_files(catalog: &Catalog, kinds: &[&str]) -> Vec<String> {
    catalog::all()
        .filter(|q| kinds.contains(&q.kind))
        .map(|q| match catalog.replacement(q) {
            Some(r) => format!(
                "{}（已替换为 {}，SHA-256 {}）",
                q.path(),
                r.path.display(),
                r.sha256
            ),
            None => q.path(),
        })
        .collect()
}

/// The Chinese label of an output column of tiexin, else the archive's header of a
/// column of that name ([`labels::column_header`]), or `None` for a column neither
/// knows (an inspector's query), which keeps its name.
pub fn column_label(name: &str) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, l)| *l)
        .or_else(|| labels::column_header(name))
}

/// The workbook of `sheets` and the sheet `说明`, as bytes.
pub fn workbook(sheets: &[Sheet], about: &About) -> Result<Vec<u8>> {
    build(sheets, about).map_err(|e| Error::Internal(format!("writing the workbook: {e}")))
}

fn build(sheets: &[Sheet], about: &About) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(&about.title)
            .set_creation_datetime(&fixed),
    );
    for s in sheets {
        if s.table.rows.len() > MAX_ROWS {
            return Err(XlsxError::RowColumnLimitError);
        }
        let ws = wb.add_worksheet();
        ws.set_name(s.name)?;
        data_sheet(ws, s)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("说明")?;
    about_sheet(ws, about)?;
    wb.save_to_buffer()
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color("DDEBF7")
        .set_align(FormatAlign::Center)
}

fn data_sheet(ws: &mut Worksheet, s: &Sheet) -> std::result::Result<(), XlsxError> {
    let t = s.table;
    let header = header_format();
    let percent = Format::new().set_num_format("0.0%");
    let money = Format::new().set_num_format("#,##0.00");
    let quoted = Format::new().set_quote_prefix();
    let mut widths: Vec<usize> = Vec::with_capacity(t.columns.len());
    for (c, name) in t.columns.iter().enumerate() {
        let label = s
            .labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, l)| *l)
            .or_else(|| column_label(name))
            .unwrap_or(name);
        ws.write_string_with_format(0, c as u16, label, &header)?;
        widths.push(display_width(label));
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let shown = match cell {
                Cell::Null => 0,
                Cell::Int(i) => {
                    ws.write_number(r, col, *i as f64)?;
                    i.to_string().len()
                }
                Cell::Rate(x) => {
                    ws.write_number_with_format(r, col, *x, &percent)?;
                    7
                }
                Cell::Decimal(d) => match d.parse::<f64>() {
                    Ok(v) if d.split_once('.').is_some_and(|(_, f)| f.len() == 2) => {
                        ws.write_number_with_format(r, col, v, &money)?;
                        d.len() + d.len() / 3
                    }
                    Ok(v) => {
                        ws.write_number(r, col, v)?;
                        d.len()
                    }
                    Err(_) => {
                        ws.write_string(r, col, d)?;
                        d.len()
                    }
                },
                Cell::Text(s) => {
                    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                        ws.write_string_with_format(r, col, s, &quoted)?;
                    } else {
                        ws.write_string(r, col, s)?;
                    }
                    display_width(s)
                }
            };
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(shown);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 2.0)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !t.columns.is_empty() {
        let last = t.rows.len().max(1) as u32;
        ws.autofilter(0, 0, last, (t.columns.len() - 1) as u16)?;
    }
    Ok(())
}

fn about_sheet(ws: &mut Worksheet, about: &About) -> std::result::Result<(), XlsxError> {
    let header = header_format();
    let wrap = Format::new().set_text_wrap();
    let mut lines: Vec<(String, String)> = vec![("内容".into(), about.title.clone())];
    if let Some(p) = &about.period {
        lines.push(("期间".into(), p.clone()));
    }
    if let Some((dir, sha, files)) = &about.archive {
        lines.push(("档案文件夹".into(), dir.clone()));
        lines.push(("档案 SHA-256".into(), sha.clone()));
        for (f, s) in files {
            lines.push((format!("档案文件 {f}"), format!("SHA-256 {s}")));
        }
    }
    for q in &about.queries {
        lines.push(("查询文件".into(), q.clone()));
    }
    lines.extend(about.notes.iter().cloned());
    lines.push((
        "生成".into(),
        format!("贴心 tiexin {}", env!("CARGO_PKG_VERSION")),
    ));
    ws.write_string_with_format(0, 0, "项目", &header)?;
    ws.write_string_with_format(0, 1, "说明", &header)?;
    let mut w0 = 8;
    for (i, (k, v)) in lines.iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string(r, 0, k)?;
        ws.write_string_with_format(r, 1, v, &wrap)?;
        w0 = w0.max(display_width(k));
    }
    ws.set_column_width(0, w0.min(60) as f64 + 2.0)?;
    ws.set_column_width(1, 90)?;
    Ok(())
}

/// The width of text in a spreadsheet column, counting CJK and full-width characters
/// as two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// The Chinese labels of tiexin's output columns.
const LABELS: &[(&str, &str)] = &[
    ("union_id", "工会编号"),
    ("name", "名称"),
    ("level", "层级"),
    ("period", "期间"),
    ("due", "应家访户数"),
    ("visited", "已家访户数"),
    ("visit_compliance", "季度家访率"),
    ("base", "在档户数"),
    ("exits", "解困脱困户数"),
    ("exits_compliant", "程序合规脱困户数"),
    ("exit_rate", "解困脱困率"),
    ("exit_procedure_rate", "脱困程序合规率"),
    ("median_days_to_exit", "脱困用时中位数（天）"),
    ("payments", "发放笔数"),
    ("funds_paid", "发放金额（元）"),
    ("funds_on_target", "精准发放金额（元）"),
    ("on_target_share", "精准发放占比"),
    ("funds_flagged", "问题资金（元）"),
    ("budget", "专项预算（元）"),
    ("budget_execution", "预算执行率"),
    ("subsidies_paid", "联系人补贴（元）"),
    ("findings_major", "重大问题数"),
    ("findings_minor", "一般问题数"),
    ("rectifications_due", "应整改数"),
    ("rectified_on_time", "按期整改数"),
    ("rectification_rate", "按期整改率"),
    ("referrals", "需求转介数"),
    ("referrals_closed_90", "90天内办结数"),
    ("referral_closure_rate", "转介办结率"),
    ("rule", "规则"),
    ("severity", "性质"),
    ("subject_type", "对象类型"),
    ("subject_id", "对象编号"),
    ("contact_id", "联系人编号"),
    ("occurred_on", "发生日期"),
    ("detail", "问题说明"),
    ("rank", "名次"),
    ("city_id", "所在市工会编号"),
    ("score", "综合得分"),
    ("visit_score", "家访得分"),
    ("exit_score", "解困脱困得分"),
    ("request_score", "诉求办理得分"),
    ("satisfaction_score", "满意度得分"),
    ("households", "联系户数"),
    ("via", "入选方式"),
    ("warning", "预警"),
    ("due_on", "到期日"),
    ("days_left", "剩余天数"),
    ("deadline", "整改期限"),
    ("reported_on", "报告日期"),
    ("verified_on", "核查日期"),
    ("verified_by", "核查工会编号"),
    ("status", "状态"),
    ("table", "表"),
    ("file", "文件"),
    ("read", "读取行数"),
    ("accepted", "接受行数"),
    ("rejected", "拒收行数"),
    ("warnings", "警告数"),
    ("line", "行号"),
    ("column", "列"),
    ("value", "值"),
    ("reason", "原因"),
    // the columns of queries/audits/ that are not the archive's (those take its
    // headers, `column_label`), and `amount`, whose header differs between the
    // archive's tables (金额, 预算金额)
    ("paid", "实际发放（元）"),
    ("execution", "执行率"),
    ("household", "家庭档案编号"),
    ("other_household", "另一家庭档案编号"),
    ("overlap_from", "重叠起始日"),
    ("overlap_to", "重叠截止日"),
    ("days_after_filing", "建档后天数"),
    ("last_visited_on", "最近家访日期"),
    ("as_of", "截至日期"),
    ("amount", "金额（元）"),
    ("threshold", "审批额度（元）"),
    ("first_payment", "前一笔发放编号"),
    ("first_paid_on", "前一笔发放日期"),
    ("first_amount", "前一笔金额（元）"),
    ("next_payment", "后一笔发放编号"),
    ("next_paid_on", "后一笔发放日期"),
    ("next_amount", "后一笔金额（元）"),
    ("together", "两笔合计（元）"),
    ("crosscheck_department", "反馈部门"),
    ("contact_union", "联系人所在工会编号"),
    ("paying_unions", "发放工会数"),
    ("months", "发放月数"),
    ("total", "补贴合计（元）"),
    ("visits", "走访次数"),
    ("households_visited", "走访户数"),
    ("days_late", "上传间隔（天）"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_widths_count_cjk_twice() {
        let mut names: Vec<_> = LABELS.iter().map(|(n, _)| n).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), LABELS.len());
        assert_eq!(display_width("济南市abc"), 9);
        assert_eq!(column_label("visit_compliance"), Some("季度家访率"));
        assert_eq!(column_label("my_column"), None);
    }
}
