//! The 整改台账 workbook attached to each circular: one row per major finding, with the
//! record keys an office needs to report its correction (`rule`, `subject_id`,
//! `occurred_on`, accountability.md), the finding in plain Chinese, and the columns the
//! office fills in. Its sheet 整改报告 has the Chinese headers of the `rectifications`
//! table, so that the filled ledger, put in the archive folder, loads as that table
//! (the descriptive columns are not part of the table and are passed over with a
//! warning; the sheet 填表说明 is ignored).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};

use super::circulars::Row;
use crate::analysis::rules;
use crate::error::{Error, Result};
use crate::sql::Period;

/// The record keys of one finding (accountability.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Key {
    /// The rule (`V1`).
    pub rule: String,
    /// The finding's subject_id.
    pub subject_id: String,
    /// The finding's occurred_on, `YYYY-MM-DD`.
    pub occurred_on: String,
}

/// The header of the sheet 整改报告: the columns of `rectifications` (their Chinese
/// headers), then the finding in plain Chinese.
pub const HEADER: &[&str] = &[
    "整改编号",
    "问题规则",
    "问题对象编号",
    "问题发生日期",
    "报告日期",
    "核查工会编号",
    "核查日期",
    "整改措施",
    "问题类别",
    "问题对象",
    "责任联系人",
    "问题情况",
    "整改期限",
];

/// The sheet intake reads: the Chinese name of the `rectifications` table.
pub const SHEET: &str = "整改报告";

/// The text of a K1 finding (a correction overdue): the earlier finding in plain
/// Chinese, from its subject `<rule>:<subject_id>:<occurred_on>`, and what became of it.
pub fn k1_detail(state: Option<&str>, subject: &str) -> String {
    let mut parts = subject.splitn(3, ':');
    let (rule, _, day) = (parts.next(), parts.next(), parts.next());
    let name = rule
        .and_then(rules::get)
        .map(|r| r.name)
        .unwrap_or("重大问题");
    let when = day
        .and_then(|d| {
            let mut p = d.split('-').map(|x| x.parse::<u32>().ok());
            let (y, m, dd) = (p.next()??, p.next()??, p.next()??);
            Some(super::text::chinese_date(y as i32, m as u8, dd as u8))
        })
        .map(|d| format!("（{d}）"))
        .unwrap_or_default();
    match state {
        Some(s) => format!("上季度“{name}”问题{when}逾期未整改：{s}"),
        None => format!("上季度“{name}”问题{when}逾期未整改"),
    }
}

/// The ledger of `union_name`'s findings of `period`, due by `deadline`.
pub fn workbook(
    union_name: &str,
    period: &Period,
    deadline: &str,
    rows: &[&Row],
) -> Result<Vec<u8>> {
    build(union_name, period, deadline, rows)
        .map_err(|e| Error::Internal(format!("writing the 整改台账: {e}")))
}

fn build(
    union_name: &str,
    period: &Period,
    deadline: &str,
    rows: &[&Row],
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{union_name}整改台账（{}）", period.chinese()))
            .set_creation_datetime(&fixed),
    );
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let text = Format::new().set_num_format("@");
    let fill = Format::new()
        .set_background_color(0xFFF2CC)
        .set_num_format("@");
    let fill_date = Format::new()
        .set_background_color(0xFFF2CC)
        .set_num_format("yyyy-mm-dd");

    let ws = wb.add_worksheet();
    ws.set_name("填表说明")?;
    let notes = [
        format!("{union_name}{}重大问题整改台账", period.chinese()),
        format!("每个问题一行，整改期限为{deadline}。"),
        "请在黄色各列填写：报告日期（本单位报告整改的日期）、核查工会编号（核查整改的县级以上工会）、核查日期、整改措施。".to_string(),
        "整改编号、问题规则、问题对象编号、问题发生日期四列是问题的记录编号，请勿修改。".to_string(),
        "填好的台账放入档案文件夹，即作为“整改报告”表读入；问题类别至整改期限各列仅供阅读，读入时略过。".to_string(),
        "未填写报告日期的行读入时会被拒绝，不影响其他各行。".to_string(),
    ];
    ws.set_column_width(0, 100)?;
    for (i, n) in notes.iter().enumerate() {
        if i == 0 {
            ws.write_string_with_format(i as u32, 0, n, &bold)?;
        } else {
            ws.write_string_with_format(i as u32, 0, n, &wrap)?;
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let widths = [
        22.0, 9.0, 16.0, 13.0, 13.0, 14.0, 13.0, 30.0, 24.0, 24.0, 12.0, 40.0, 16.0,
    ];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let n = (i + 1) as u32;
        let k = &r.key;
        let id = format!("ZG-{period}-{}-{n:03}", k.rule);
        ws.write_string_with_format(n, 0, &id, &text)?;
        ws.write_string_with_format(n, 1, &k.rule, &text)?;
        ws.write_string_with_format(n, 2, &k.subject_id, &text)?;
        ws.write_string_with_format(n, 3, &k.occurred_on, &text)?;
        ws.write_blank(n, 4, &fill_date)?;
        ws.write_blank(n, 5, &fill)?;
        ws.write_blank(n, 6, &fill_date)?;
        ws.write_blank(n, 7, &fill)?;
        let name = rules::get(&k.rule).map(|r| r.name).unwrap_or("");
        ws.write_string_with_format(n, 8, name, &wrap)?;
        ws.write_string_with_format(n, 9, &r.subject, &wrap)?;
        ws.write_string_with_format(n, 10, &r.contact, &wrap)?;
        ws.write_string_with_format(n, 11, &r.detail, &wrap)?;
        ws.write_string_with_format(n, 12, deadline, &wrap)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #[test]
    fn k1_names_the_earlier_finding_in_plain_chinese() {
        let t = super::k1_detail(Some("未报告整改情况"), "V1:H32:2026-05-03");
        assert_eq!(
            t,
            "上季度“本季度未按期家访”问题（2026年5月3日）逾期未整改：未报告整改情况"
        );
    }
}
