//! The workbook an office fills in (`tiexin template`): a first sheet `填表说明` that
//! explains every column in plain Chinese, then one sheet per table named with its
//! Chinese name. Each sheet has the Chinese headers (required columns marked `*`, which
//! intake ignores when it matches a header), a drop-down list of the Chinese labels of
//! every enumeration (and 是/否 for yes-or-no columns), and each column formatted for
//! its type: dates `yyyy-mm-dd`, months `yyyy-mm`, money with two decimals, ids and text
//! as text, so that an 18-digit ID number keeps its digits.

use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet,
    XlsxError,
};

use super::labels;
use super::schema::{ColType, Column, Range, Table, TABLES};
use crate::error::{Error, Result};

/// The template workbook, as bytes (the same bytes for the same tiexin).
pub fn template() -> Result<Vec<u8>> {
    build().map_err(|e| Error::Internal(format!("writing the template: {e}")))
}

/// The name of the first sheet, which intake passes over.
pub const INSTRUCTIONS: &str = "填表说明";

/// Rows below the header that carry the drop-down lists.
const LAST_ROW: u32 = 1_048_575;

fn build() -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("困难职工帮扶档案模板")
            .set_creation_datetime(&fixed),
    );
    let ws = wb.add_worksheet();
    ws.set_name(INSTRUCTIONS)?;
    instructions(ws)?;
    for t in TABLES {
        let ws = wb.add_worksheet();
        ws.set_name(t.label)?;
        table_sheet(ws, t)?;
    }
    wb.save_to_buffer()
}

/// The header of a column as the template writes it: `*` before a required one.
pub fn header(t: &Table, c: &Column) -> String {
    let h = labels::header(t.name, c.name).unwrap_or(c.name);
    if c.required {
        format!("*{h}")
    } else {
        h.to_string()
    }
}

/// The drop-down list of a column: its codes' first Chinese labels, 是/否 for a
/// boolean, the codes themselves for an enumeration without labels.
pub fn choices(t: &Table, c: &Column) -> Option<Vec<&'static str>> {
    match c.ty {
        ColType::Bool => Some(vec!["是", "否"]),
        ColType::Enum(codes) => {
            let l = labels::enum_labels(t.name, c.name);
            if l.is_empty() {
                Some(codes.to_vec())
            } else {
                Some(l.iter().filter_map(|(_, ls)| ls.first().copied()).collect())
            }
        }
        _ => None,
    }
}

fn table_sheet(ws: &mut Worksheet, t: &Table) -> std::result::Result<(), XlsxError> {
    let plain = Format::new().set_bold().set_background_color("DDEBF7");
    let required = plain.clone().set_font_color("C00000");
    for (i, c) in t.columns.iter().enumerate() {
        let col = i as u16;
        let h = header(t, c);
        let f = if c.required { &required } else { &plain };
        ws.write_string_with_format(0, col, &h, f)?;
        let num = match c.ty {
            ColType::Date => "yyyy-mm-dd",
            ColType::Month => "yyyy-mm",
            ColType::Money => "0.00",
            ColType::Int => "0",
            ColType::Id | ColType::Text | ColType::Enum(_) => "@",
            ColType::Bool => "General",
        };
        ws.set_column_format(col, &Format::new().set_num_format(num))?;
        let width = crate::ingest::labels::nfkc(&h).chars().count() * 2 + 4;
        let width = match c.ty {
            ColType::Text if c.name == "id_number" => width.max(22),
            ColType::Text => width.max(16),
            _ => width.max(12),
        };
        ws.set_column_width(col, width as f64)?;
        if let Some(list) = choices(t, c) {
            let v = DataValidation::new()
                .allow_list_strings(&list)?
                .set_input_title(labels::header(t.name, c.name).unwrap_or(c.name))?
                .set_input_message("请从下拉列表中选择")?;
            ws.add_data_validation(1, col, LAST_ROW, col, &v)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// How to fill a column, in plain Chinese.
fn how(t: &Table, c: &Column) -> String {
    let mut s = match c.ty {
        ColType::Id => "编号：字母、数字、下划线、点或连字符，最长64个字符".to_string(),
        ColType::Text if c.name == "id_number" => {
            "18位公民身份号码（末位可为X），按文本填写".to_string()
        }
        ColType::Text if c.name == "phone" => "电话号码，按文本填写".to_string(),
        ColType::Text if c.name == "email" => "接收通报的电子邮箱地址".to_string(),
        ColType::Text => "文字".to_string(),
        ColType::Date => "日期，如 2026-07-05、2026/7/5 或 2026年7月5日".to_string(),
        ColType::Month => "月份，如 2026-07 或 2026年7月".to_string(),
        ColType::Bool => "填“是”或“否”".to_string(),
        ColType::Int => "整数".to_string(),
        ColType::Money => "金额（元），最多两位小数，可带千分位逗号".to_string(),
        ColType::Enum(_) => format!(
            "从下拉列表中选择：{}",
            choices(t, c).unwrap_or_default().join("、")
        ),
    };
    match c.range {
        Range::AtLeast(n) => s += &format!("，不小于{n}"),
        Range::Between(lo, hi) => s += &format!("，{lo}至{hi}"),
        Range::Positive => s += "，大于0",
        Range::None => {}
    }
    if let Some(r) = t.references.iter().find(|r| r.column == c.name) {
        let target = labels::table_label(r.target).unwrap_or(r.target);
        s += &format!("；应为《{target}》中已有的编号");
    }
    if let Some((from, to)) = t.ordered_dates {
        if c.name == to {
            let h = labels::header(t.name, from).unwrap_or(from);
            s += &format!("，不早于{h}");
        }
    }
    if t.key.len() == 1 && t.key[0] == c.name {
        s += "；不得重复";
    }
    if !c.required && matches!(c.ty, ColType::Date) {
        s += "；未发生的留空";
    }
    s
}

const RULES: &[&str] = &[
    "本工作簿的每个工作表是一张档案表，工作表名称就是表名。请不要修改工作表名称和表头（第一行）。",
    "表头前带“*”的列为必填列，不能留空；其他列没有内容时留空即可。",
    "带下拉箭头的列，请从下拉列表中选择。",
    "日期可填写 2026-07-05、2026/7/5 或 2026年7月5日；月份填写 2026-07；金额以元为单位，最多两位小数。",
    "编号、身份证号码和电话号码的列已设为文本格式。18位身份证号码如果被Excel当作数字，末三位会丢失，请勿改为数值格式。",
    "一行填写一条记录，不要合并单元格。不需要的工作表可以留空，但不要删除表头。",
    "填好后把本文件放进档案文件夹，运行 tiexin validate --archive 档案文件夹 检查；有问题的行会列出行号和原因。",
];

fn instructions(ws: &mut Worksheet) -> std::result::Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(16);
    let header = Format::new()
        .set_bold()
        .set_background_color("DDEBF7")
        .set_align(FormatAlign::Center);
    let wrap = Format::new().set_text_wrap();
    ws.write_string_with_format(0, 0, "困难职工帮扶档案填表说明", &title)?;
    let mut r = 2u32;
    for (i, rule) in RULES.iter().enumerate() {
        ws.write_string(r, 0, format!("{}.", i + 1))?;
        ws.write_string(r, 1, *rule)?;
        r += 1;
    }
    r += 1;
    for (c, h) in ["工作表", "列名", "必填", "英文列名", "填写要求"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(r, c as u16, *h, &header)?;
    }
    ws.set_freeze_panes(r + 1, 0)?;
    for t in TABLES {
        for c in t.columns {
            r += 1;
            ws.write_string(r, 0, t.label)?;
            ws.write_string(r, 1, labels::header(t.name, c.name).unwrap_or(c.name))?;
            ws.write_string(r, 2, if c.required { "是" } else { "否" })?;
            ws.write_string(r, 3, format!("{}.{}", t.name, c.name))?;
            ws.write_string_with_format(r, 4, how(t, c), &wrap)?;
        }
    }
    for (c, w) in [20.0, 20.0, 6.0, 30.0, 80.0].into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
    }
    Ok(())
}
