//! The Chinese of a bulletin: the opening (basis and purpose), the overview of its
//! figures, the note on the ranking's ▲ marks and the assessment, written once per
//! figure, with the previous period named once. A bulletin dated inside its period says
//! 截至 the day its figures run to ([`Cover`]).

use super::super::text::{percent, yuan};
use crate::analysis::metrics::{Earlier, Row};
use crate::calendar::civil;
use crate::sql::Period;

/// What a bulletin's figures cover: a period, up to a day.
#[derive(Debug, Clone, Copy)]
pub struct Cover {
    /// The period.
    pub period: Period,
    /// The day the figures run to: the period's last day, or an earlier document date.
    pub cut: i32,
}

impl Cover {
    /// Whether the figures stop before the period's end.
    pub fn is_cut(&self) -> bool {
        self.cut < self.period.last_day()
    }

    /// The period as the document names it: `2026年第3季度`, or when cut
    /// `2026年（截至8月15日）`.
    pub fn name(&self) -> String {
        if !self.is_cut() {
            return self.period.chinese();
        }
        let (_, m, d) = civil(self.cut);
        format!("{}（截至{m}月{d}日）", self.period.chinese())
    }

    /// The day the figures run to, in full (`2026年8月15日`).
    pub fn cut_date(&self) -> String {
        let (y, m, d) = civil(self.cut);
        format!("{y}年{m}月{d}日")
    }

    /// The days covered, `2025年1月1日至8月15日`.
    pub fn span(&self) -> String {
        let (y, m, d) = civil(self.period.first_day());
        let (y2, m2, d2) = civil(self.cut);
        if y2 == y {
            format!("{y}年{m}月{d}日至{m2}月{d2}日")
        } else {
            format!("{y}年{m}月{d}日至{y2}年{m2}月{d2}日")
        }
    }

    /// The quarters of the period that have ended by the cut-off (due for a visit).
    pub fn ended(&self) -> Vec<Period> {
        super::figures::ended_quarters(&self.period, self.cut)
    }
}

/// The correction deadline of the findings a bulletin reports, for its requirements
/// (`{deadline}`): d(f) = the quarter's last day + 60 days (accountability.md). For a
/// quarter `2026年11月29日前`; for a year, the rule with the deadline of the latest
/// quarter covered.
pub fn deadline(cover: &Cover) -> String {
    let last = Period::containing(cover.cut);
    let (y, m, d) = civil(last.last_day() + 60);
    if cover.period.is_quarter() {
        format!("{y}年{m}月{d}日前")
    } else {
        format!(
            "所在季度结束后60日内（{}的问题为{y}年{m}月{d}日前）",
            last.chinese()
        )
    }
}

/// `第1、2季度` for a list of quarters.
fn quarters_cn(qs: &[Period]) -> String {
    let n: Vec<String> = qs
        .iter()
        .map(|q| match q {
            Period::Quarter { quarter, .. } => quarter.to_string(),
            y => y.to_string(),
        })
        .collect();
    format!("第{}季度", n.join("、"))
}

/// The visit rate below which a unit among the last three is marked ▲ (the policy asks
/// for every household every quarter).
pub const MARK_BELOW: f64 = 0.9;
/// Fewer units than this are not marked at all.
pub const MARK_FROM: usize = 4;

/// The opening: basis, purpose and what follows (when cut, the day in full).
pub fn opening(basis: Option<&str>, cover: &Cover, union_name: &str) -> String {
    let basis = basis.unwrap_or("为落实《关于建立健全困难职工联系人制度的意见》关于“定期考核、验收通报”的要求，推动困难职工联系人责任落实");
    let period = if cover.is_cut() {
        format!("{}（截至{}）", cover.period.chinese(), cover.cut_date())
    } else {
        cover.period.chinese()
    };
    format!(
        "{basis}，根据精准帮扶信息化平台档案数据，现将{period}{union_name}（含所属各级工会）困难职工联系人制度落实情况通报如下："
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

/// The share of the year gone by the day the figures run to (the budget's time
/// schedule).
pub fn year_elapsed(cover: &Cover) -> f64 {
    let y = cover.period.year();
    let first = crate::calendar::day(y, 1, 1);
    let next = crate::calendar::day(y + 1, 1, 1);
    (cover.cut - first + 1) as f64 / (next - first) as f64
}

/// The visits part of 一、总体情况: the households due and visited in the quarters
/// ended by the cut-off, or that none has ended yet.
fn visits(cover: &Cover, name: &str, cur: &Row) -> String {
    let period = cover.period;
    let who = format!("{}，{name}（含所属各级工会）", cover.name());
    let ended = cover.ended();
    if !cover.is_cut() {
        let rate_name = if period.is_quarter() {
            "季度家访率"
        } else {
            "全年家访率（四个季度合计）"
        };
        return format!(
            "{who}应走访困难职工家庭{}户次，按期有效走访{}户次，{rate_name}{}。",
            cur.due,
            cur.visited,
            percent(cur.visit_compliance),
        );
    }
    let open: Vec<Period> = period
        .quarters()
        .into_iter()
        .filter(|q| !ended.contains(q))
        .collect();
    if ended.is_empty() {
        let which = if period.is_quarter() {
            "本季度".to_string()
        } else {
            quarters_cn(&open[..1])
        };
        return format!("{who}{which}尚未结束，家访率待季度结束后统计。");
    }
    let rate_name = if ended.len() == 1 {
        "季度家访率".to_string()
    } else {
        format!("家访率（{}合计）", quarters_cn(&ended))
    };
    format!(
        "{who}已结束的{}应走访困难职工家庭{}户次，按期有效走访{}户次，{rate_name}{}；{}尚未结束，不计入家访率。",
        quarters_cn(&ended),
        cur.due,
        cur.visited,
        percent(cur.visit_compliance),
        quarters_cn(&open),
    )
}

/// The paragraphs of 一、总体情况. `prev` is what the previous period's figures cover
/// (the same part of it when `cover` is cut).
pub fn overview(
    cover: &Cover,
    prev: &Cover,
    name: &str,
    cur: &Row,
    old: Option<&Earlier>,
) -> Vec<String> {
    let was = |f: fn(&Earlier) -> Option<f64>| old.and_then(f);
    let visits = format!(
        "{}在档困难职工家庭{}户，解困脱困{}户，解困脱困率{}；其中程序合规{}户，脱困程序合规率{}。",
        visits(cover, name, cur),
        cur.base,
        cur.exits,
        percent(cur.exit_rate),
        cur.exits_compliant,
        percent(cur.exit_procedure_rate),
    );
    let progress = year_elapsed(cover);
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
    // A period cut before its end is compared with the same part of the period before.
    let (before, visit_change) = if cover.is_cut() {
        let same = if cover.period.is_quarter() {
            "上季度同期"
        } else {
            "上年同期"
        };
        let visit = (!cover.ended().is_empty()).then(|| {
            format!(
                "家访率{}，",
                change(cur.visit_compliance, was(|r| r.visit_compliance))
            )
        });
        (format!("{same}（{}）", prev.span()), visit)
    } else {
        let visit = format!(
            "家访率{}，",
            change(cur.visit_compliance, was(|r| r.visit_compliance))
        );
        (format!("上期（{}）", prev.period.chinese()), Some(visit))
    };
    let compare = match old {
        None => format!("{before}无可比数据。"),
        Some(o) => {
            let majors = match cur.findings_major - o.findings_major {
                d if d > 0 => format!("增加{d}个"),
                d if d < 0 => format!("减少{}个", -d),
                _ => "持平".to_string(),
            };
            format!(
                "与{before}相比，{}解困脱困率{}，精准发放率{}，重大问题{majors}。",
                visit_change.unwrap_or_default(),
                change(cur.exit_rate, was(|r| r.exit_rate)),
                change(cur.on_target_share, was(|r| r.on_target_share)),
            )
        }
    };
    vec![visits, funds + &compare]
}

/// Whether a unit among the last three is marked ▲: below [`MARK_BELOW`] visits (when
/// `visits_due`: some quarter has ended by the cut-off), or with a major finding.
pub fn below_standard(visit: Option<f64>, majors: i64, visits_due: bool) -> bool {
    (visits_due && visit.is_none_or(|v| v < MARK_BELOW)) || majors > 0
}

/// The sentence on the ▲ marks, stating the rule (without visits when no quarter has
/// ended yet).
pub fn ranking_note(units: usize, marked: usize, visits_due: bool) -> String {
    if units < MARK_FROM {
        return format!("下级单位不足{MARK_FROM}个，不作“▲”标示。");
    }
    let rule = if visits_due {
        format!(
            "排名后三位的单位中，家访率低于{:.0}%或存在重大问题的，以“▲”标示",
            MARK_BELOW * 100.0
        )
    } else {
        "尚无已结束的季度，家访率暂不统计；排名后三位的单位中，存在重大问题的，以“▲”标示"
            .to_string()
    };
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
