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

/// A day (days since 1970) as official documents print it (`2026年11月28日`).
pub fn chinese_day(day: i32) -> String {
    let (y, m, d) = crate::calendar::civil(day);
    chinese_date(y, m as u8, d as u8)
}

/// An amount of yuan as documents print it: thousands separated, cents only when there
/// are any (`34,790元`, `1,234.50元`); the text given when it is not a number.
pub fn yuan(amount: &str) -> String {
    format!("{}元", yuan_figure(amount))
}

/// [`yuan`] without the unit, for a table whose header says 元.
pub fn yuan_figure(amount: &str) -> String {
    let Ok(v) = amount.trim().parse::<f64>() else {
        return amount.to_string();
    };
    let cents = (v.abs() * 100.0).round() as u64;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && cents > 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac:02}")
    }
}

/// The width of a title's text in characters of its size: a CJK character is 1, a
/// Latin letter or digit a little over half.
fn title_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// The characters of a 2号 title line in the 156 mm type area.
pub const TITLE_LINE: f64 = 20.0;

/// A title's lines: broken only between the `parts` given (phrases that are never cut,
/// unless one is longer than a line), each line at most [`TITLE_LINE`] wide, as few lines
/// as fit, shaped as a trapezoid (no line longer than the one above it where the parts
/// allow) and no line of a single character.
pub fn title_lines(parts: &[&str]) -> Vec<String> {
    // Parts longer than a line are cut into pieces of nearly equal width.
    let mut tokens: Vec<String> = Vec::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        let w = title_width(p);
        if w <= TITLE_LINE {
            tokens.push(p.to_string());
            continue;
        }
        let pieces = (w / TITLE_LINE).ceil() as usize;
        let chars: Vec<char> = p.chars().collect();
        let per = chars.len().div_ceil(pieces);
        for chunk in chars.chunks(per.max(2)) {
            tokens.push(chunk.iter().collect());
        }
    }
    let n = tokens.len();
    if n == 0 {
        return Vec::new();
    }
    let widths: Vec<f64> = tokens.iter().map(|t| title_width(t)).collect();
    let span = |a: usize, b: usize| widths[a..b].iter().sum::<f64>();
    // best[k][i]: the least cost of tokens[..i] in k lines, with the last line's width.
    let total = span(0, n);
    let lines = (total / TITLE_LINE).ceil().max(1.0) as usize;
    for k in lines..=n {
        let mut best: Vec<Vec<Option<(f64, f64, usize)>>> = vec![vec![None; n + 1]; k + 1];
        best[0][0] = Some((0.0, f64::INFINITY, 0));
        for l in 1..=k {
            for i in 1..=n {
                for j in (l - 1)..i {
                    let Some((cost, above, _)) = best[l - 1][j] else {
                        continue;
                    };
                    let w = span(j, i);
                    let chars: usize = tokens[j..i].iter().map(|t| t.chars().count()).sum();
                    if w > TITLE_LINE || chars < 2 {
                        continue;
                    }
                    // Short lines cost; a line longer than the one above costs more.
                    let mut c = cost + (TITLE_LINE - w).powi(2);
                    if w > above + 0.01 {
                        c += 4.0 * (w - above).powi(2) + 50.0;
                    }
                    if best[l][i].is_none_or(|(b, _, _)| c < b) {
                        best[l][i] = Some((c, w, j));
                    }
                }
            }
        }
        if best[k][n].is_some() {
            let mut cuts = vec![n];
            let mut i = n;
            for l in (1..=k).rev() {
                let (_, _, j) = best[l][i].expect("a path back");
                cuts.push(j);
                i = j;
            }
            cuts.reverse();
            return cuts
                .windows(2)
                .map(|w| tokens[w[0]..w[1]].concat())
                .collect();
        }
    }
    vec![tokens.concat()]
}

/// The one-character name of a province (鲁 for 山东省总工会), the start of the default
/// document-number prefixes; the union name's first character when it names no province.
pub fn province_short(union_name: &str) -> String {
    const P: &[(&str, &str)] = &[
        ("北京", "京"),
        ("天津", "津"),
        ("河北", "冀"),
        ("山西", "晋"),
        ("内蒙古", "内蒙古"),
        ("辽宁", "辽"),
        ("吉林", "吉"),
        ("黑龙江", "黑"),
        ("上海", "沪"),
        ("江苏", "苏"),
        ("浙江", "浙"),
        ("安徽", "皖"),
        ("福建", "闽"),
        ("江西", "赣"),
        ("山东", "鲁"),
        ("河南", "豫"),
        ("湖北", "鄂"),
        ("湖南", "湘"),
        ("广东", "粤"),
        ("广西", "桂"),
        ("海南", "琼"),
        ("重庆", "渝"),
        ("四川", "川"),
        ("贵州", "黔"),
        ("云南", "云"),
        ("西藏", "藏"),
        ("陕西", "陕"),
        ("甘肃", "甘"),
        ("青海", "青"),
        ("宁夏", "宁"),
        ("新疆", "新"),
    ];
    P.iter()
        .find(|(p, _)| union_name.starts_with(p))
        .map(|(_, s)| s.to_string())
        .unwrap_or_else(|| union_name.chars().take(1).collect())
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
    fn money_is_grouped_in_yuan() {
        assert_eq!(super::yuan("34790.00"), "34,790元");
        assert_eq!(super::yuan("1234.5"), "1,234.50元");
        assert_eq!(super::yuan("999"), "999元");
        assert_eq!(super::yuan("1000000.04"), "1,000,000.04元");
    }

    #[test]
    fn titles_break_between_phrases_in_a_trapezoid() {
        let t = super::title_lines(&[
            "关于对",
            "青岛海滨食品有限公司工会",
            "2026年第3季度",
            "困难职工联系人制度",
            "落实问题的通报",
        ]);
        assert_eq!(
            t,
            [
                "关于对青岛海滨食品有限公司工会",
                "2026年第3季度困难职工联系人制度",
                "落实问题的通报"
            ]
        );
        let t = super::title_lines(&[
            "关于",
            "2026年第3季度",
            "困难职工联系人制度",
            "落实情况的通报",
        ]);
        assert_eq!(t, ["关于2026年第3季度困难职工联系人制度", "落实情况的通报"]);
        assert!(t.iter().all(|l| l.chars().count() > 1));
    }

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
