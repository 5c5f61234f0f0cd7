//! Masking of personal data for `tiexin query`: the masked values replace the real ones
//! in the tables the inspector's SQL reads, so no expression can recover them.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};

use crate::error::Result;

/// A masking function: the shown form of a value.
pub type Masker = fn(&str) -> String;

/// The columns masked per table, and how.
pub const MASKED: &[(&str, &str, Masker)] = &[
    ("households", "id_number", id_number),
    ("households", "phone", phone),
    ("contacts", "phone", phone),
];

/// A resident ID keeps its first 6 and last 4 characters: `370102********1234`.
/// Values of 10 characters or fewer are masked entirely.
pub fn id_number(v: &str) -> String {
    keep(v, 6, 4)
}

/// A phone number keeps its first 3 and last 4 characters: `138****5678`. Values of 7
/// characters or fewer are masked entirely.
pub fn phone(v: &str) -> String {
    keep(v, 3, 4)
}

/// A person's name keeps its first and last character: 张*明, 欧**明; a two-character
/// name keeps the first: 张*.
pub fn person_name(v: &str) -> String {
    let chars: Vec<char> = v.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

fn keep(v: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    if n <= head + tail {
        return "*".repeat(n);
    }
    let mut s: String = chars[..head].iter().collect();
    s.push_str(&"*".repeat(n - head - tail));
    s.extend(&chars[n - tail..]);
    s
}

/// `batch` of table `table` with its personal-data columns masked.
pub fn mask_batch(table: &str, batch: &RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for (t, column, f) in MASKED {
        if *t != table {
            continue;
        }
        let Ok(i) = schema.index_of(column) else {
            continue;
        };
        let values = columns[i].as_string::<i32>();
        let masked: StringArray = values.iter().map(|v| v.map(f)).collect();
        columns[i] = Arc::new(masked);
    }
    Ok(RecordBatch::try_new(schema, columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_first_and_last_character() {
        assert_eq!(person_name("张小明"), "张*明");
        assert_eq!(person_name("欧阳小明"), "欧**明");
        assert_eq!(person_name("张三"), "张*");
        assert_eq!(person_name("王"), "*");
        assert_eq!(person_name(""), "");
    }

    #[test]
    fn masks_keep_the_ends() {
        assert_eq!(id_number("370102199001011234"), "370102********1234");
        assert_eq!(id_number("37010219900101123X"), "370102********123X");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(phone("1234567"), "*******");
        assert_eq!(id_number("1234567890"), "**********");
        assert_eq!(phone(""), "");
    }
}
