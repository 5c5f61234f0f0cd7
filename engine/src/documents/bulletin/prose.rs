//! The Chinese of a bulletin: the opening (basis and purpose), the overview of its
//! figures, the note on the ranking's ▲ marks and the assessment, written once per
//! figure, with the previous period named once.

use super::super::text::{percent, yuan};
use crate::analysis::metrics::Row;
use crate::sql::Period;

/// The visit rate below which a unit among the last three is marked ▲ (the policy asks
/// for every household every quarter).
pub const MARK_BELOW: f64 = 0.9;
/// Fewer units than this are not marked at all.
pub const MARK_FROM: usize = 4;

/// The opening: basis, purpose and what follows.
pub fn opening(basis: Option<&str>, period: &Period, union_name: &str) -> String {
    let basis = basis.unwrap_or("为落实《关于建立健全困难职工联系人制度的意见》关于“定期考核、验收通报”的要求，推动困难职工联系人责任落实");
    format!(
        "{basis}，根据精准帮扶信息化平台档案数据，现将{}{union_name}（含所属各级工会）困难职工联系人制度落实情况通报如下：",
        period.chinese()
    )
}

/// The change of a rate against the previous period, without naming it
/// (上升1.2个百分点, 下降…, 持平, or 上期无可比数据).
fn change(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => {
            let pp = ((a - b) * 1000.0).round() / 10.0;
            if pp > 0.0 {
                format!("上升{pp:.1}个百分点")
            } else if pp < 0.0 {
                format!("下降{:.1}个百分点", -pp)
            } else {
                "持平".to_string()
            }
        }
        _ => "无可比数据".to_string(),
    }
}

/// The share of the year gone by the period's last day (the budget's time schedule).
pub fn year_elapsed(period: &Period) -> f64 {
    let y = period.year();
    let first = crate::calendar::day(y, 1, 1);
    let next = crate::calendar::day(y + 1, 1, 1);
    (period.last_day() - first + 1) as f64 / (next - first) as f64
}

/// The paragraphs of 一、总体情况.
pub fn overview(
    period: &Period,
    prev: &Period,
    name: &str,
    cur: &Row,
    old: Option<&Row>,
) -> Vec<String> {
    let rate_name = if period.is_quarter() {
        "季度家访率"
    } else {
        "全年家访率（四个季度合计）"
    };
    let was = |f: fn(&Row) -> Option<f64>| old.and_then(f);
    let visits = format!(
        "{}，{name}（含所属各级工会）应走访困难职工家庭{}户次，按期有效走访{}户次，{rate_name}{}。在档困难职工家庭{}户，解困脱困{}户，解困脱困率{}；其中程序合规{}户，脱困程序合规率{}。",
        period.chinese(),
        cur.due,
        cur.visited,
        percent(cur.visit_compliance),
        cur.base,
        cur.exits,
        percent(cur.exit_rate),
        cur.exits_compliant,
        percent(cur.exit_procedure_rate),
    );
    let progress = year_elapsed(period);
    let budget = match cur.budget_execution {
        Some(b) if b < progress / 2.0 => format!(
            "年度预算执行率{}，明显低于{}的时间进度，资金使用进度滞后",
            percent(Some(b)),
            percent(Some(progress))
        ),
        Some(b) => format!(
            "年度预算执行率{}（时间进度{}）",
            percent(Some(b)),
            percent(Some(progress))
        ),
        None => "未录入年度预算，无法计算预算执行率".to_string(),
    };
    let funds = format!(
        "共支付帮扶资金{}（{}笔），精准发放率{}；{budget}。发现重大问题{}个、一般问题{}个。",
        yuan(&cur.funds_paid),
        cur.payments,
        percent(cur.on_target_share),
        cur.findings_major,
        cur.findings_minor,
    );
    let compare = match old {
        None => format!("上期（{}）无可比数据。", prev.chinese()),
        Some(o) => {
            let majors = match cur.findings_major - o.findings_major {
                d if d > 0 => format!("增加{d}个"),
                d if d < 0 => format!("减少{}个", -d),
                _ => "持平".to_string(),
            };
            format!(
                "与上期（{}）相比，家访率{}，解困脱困率{}，精准发放率{}，重大问题{majors}。",
                prev.chinese(),
                change(cur.visit_compliance, was(|r| r.visit_compliance)),
                change(cur.exit_rate, was(|r| r.exit_rate)),
                change(cur.on_target_share, was(|r| r.on_target_share)),
            )
        }
    };
    vec![visits, funds + &compare]
}

/// Whether a unit among the last three is marked ▲: below [`MARK_BELOW`] visits, or
/// with a major finding.
pub fn below_standard(visit: Option<f64>, majors: i64) -> bool {
    visit.is_none_or(|v| v < MARK_BELOW) || majors > 0
}

/// The sentence on the ▲ marks, stating the rule.
pub fn ranking_note(units: usize, marked: usize) -> String {
    if units < MARK_FROM {
        return format!("下级单位不足{MARK_FROM}个，不作“▲”标示。");
    }
    let rule = format!(
        "排名后三位的单位中，家访率低于{:.0}%或存在重大问题的，以“▲”标示",
        MARK_BELOW * 100.0
    );
    if marked == 0 {
        format!("{rule}；本期后三位单位均达到要求，无标示单位。")
    } else {
        format!("{rule}（本期{marked}个）。")
    }
}

/// The assessment: what went well, and where the problems lie, naming the units.
pub fn assessment(cur: &Row, best: Option<&str>, worst: &[String], progress: f64) -> Vec<String> {
    let mut out = Vec::new();
    let good = match (cur.visit_compliance, best) {
        (Some(v), Some(b)) if v >= MARK_BELOW => format!(
            "总体看，各级工会联系人走访责任基本落实，家访率达到{}，{b}等单位走访全覆盖。",
            percent(Some(v))
        ),
        (_, Some(b)) => format!("{b}等单位走访责任落实较好，可供各单位借鉴。"),
        _ => "各级工会联系人制度总体运行平稳。".to_string(),
    };
    out.push(good);
    let mut problems = Vec::new();
    if !worst.is_empty() {
        problems.push(format!(
            "{}走访、资金管理等方面问题相对集中",
            worst.join("、")
        ));
    }
    if cur.budget_execution.is_some_and(|b| b < progress / 2.0) {
        problems.push("专项资金预算执行明显滞后，资金未能及时用于困难职工".to_string());
    }
    if cur.findings_major > 0 {
        problems.push(format!(
            "发现重大问题{}个，主要原因是联系人责任压得不实、建档脱困审批和资金发放程序执行不严",
            cur.findings_major
        ));
    }
    if !problems.is_empty() {
        out.push(format!("但也要看到：{}。", problems.join("；")));
    }
    out
}
