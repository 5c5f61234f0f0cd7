//! The Chinese of documents: dates, percentages, numerals of headings, short names of
//! unions, and the sentences that compare a figure with the previous period.

/// `2026年11月28日`: a date as official documents print it.
pub fn chinese_date(y: i32, m: u8, d: u8) -> String {
    format!("{y}年{m}月{d}日")
}

/// A rate as a percentage with one decimal (`85.7%`), or "—" when undefined.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) if r.is_finite() => format!("{:.1}%", r * 100.0),
        _ => "—".to_string(),
    }
}

/// A union's name without the trailing 总工会/工会, for chart labels.
pub fn short_name(name: &str) -> String {
    let n = name
        .strip_suffix("总工会")
        .or_else(|| name.strip_suffix("工会"))
        .unwrap_or(name);
    if n.is_empty() {
        name.to_string()
    } else {
        n.to_string()
    }
}

/// `较上期（2026年第2季度）上升1.2个百分点`.
pub fn rate_change(now: Option<f64>, before: Option<f64>, prev: &str) -> String {
    match (now, before) {
        (Some(a), Some(b)) => {
            let pp = ((a - b) * 1000.0).round() / 10.0;
            if pp > 0.0 {
                format!("较上期（{prev}）上升{pp:.1}个百分点")
            } else if pp < 0.0 {
                format!("较上期（{prev}）下降{:.1}个百分点", -pp)
            } else {
                format!("与上期（{prev}）持平")
            }
        }
        _ => format!("上期（{prev}）无可比数据"),
    }
}

/// `较上期增加2个`: the change of a count against the previous period.
pub fn count_change(now: Option<i64>, before: Option<i64>, prev: &str) -> String {
    match (now, before) {
        (Some(a), Some(b)) if a > b => format!("较上期（{prev}）增加{}个", a - b),
        (Some(a), Some(b)) if a < b => format!("较上期（{prev}）减少{}个", b - a),
        (Some(_), Some(_)) => format!("与上期（{prev}）持平"),
        _ => format!("上期（{prev}）无可比数据"),
    }
}

/// 1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五: the numerals of headings.
pub fn chinese_numeral(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_string(),
        10..=19 => format!("十{}", if n > 10 { D[n % 10] } else { "" }),
        20..=99 => format!(
            "{}十{}",
            D[n / 10],
            if !n.is_multiple_of(10) { D[n % 10] } else { "" }
        ),
        _ => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", D[rest]),
                10..=19 => format!("一{}", chinese_numeral(rest)),
                _ => chinese_numeral(rest),
            };
            format!("{}百{tail}", chinese_numeral(n / 100))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chinese_numerals() {
        let n = super::chinese_numeral;
        assert_eq!(
            [
                n(1),
                n(10),
                n(11),
                n(20),
                n(21),
                n(99),
                n(100),
                n(105),
                n(110),
                n(123)
            ],
            [
                "一",
                "十",
                "十一",
                "二十",
                "二十一",
                "九十九",
                "一百",
                "一百零五",
                "一百一十",
                "一百二十三"
            ]
        );
    }
}
