//! The periodic bulletin (工作通报) of a union: its figures for a quarter or a year, the
//! ranking of the unions directly below it, charts, the major findings by rule, the
//! requirements of the configuration, and an appendix naming the query behind every
//! figure and the SHA-256 of every archive file read.
//!
//! [`build`] runs the SQL ([`figures`]) and gathers the document's data; [`render`]
//! typesets it. No household-level data is in a bulletin: only counts, rates and sums.

pub mod figures;
pub mod prose;

use std::collections::BTreeMap;

use serde::Serialize;

use super::appendix::{Appendix, QueryRef};
use super::settings::{DocumentConfig, Requirement};
use super::text::{percent, short_name};
use super::{charts, numbering, text, Meta, Rendered};
use crate::analysis::rules;
use crate::error::{Error, Result};
use crate::sql::catalog;
use crate::sql::{Period, Session};
pub use figures::{prepare, prepare_until, previous, Prepared};

/// What to render.
pub struct Options {
    /// The quarter or year the bulletin covers.
    pub period: Period,
    /// Default: the root of the union tree.
    pub union: Option<String>,
    /// The document's date (year, month, day).
    pub date: (i32, u8, u8),
    /// The serial of the document number; default: the state directory's counter.
    pub number: Option<u32>,
}

/// One union directly below, a row of the ranking table (各单位情况排名).
#[derive(Debug, Serialize)]
pub struct ChildRow {
    /// Its place in the ranking (名次).
    pub rank: String,
    /// The union's id.
    pub union_id: String,
    /// The union's name (单位).
    pub name: String,
    /// Its quarterly visit rate (家访率).
    pub visit: String,
    /// Its exit rate (脱困率).
    pub exit: String,
    /// Its exit procedure compliance rate (脱困程序合规率).
    pub procedure: String,
    /// Its on-target share of funds (精准发放率).
    pub on_target: String,
    /// Its budget execution rate (预算执行率).
    pub budget: String,
    /// Its major and minor findings, `major/minor` (重大/一般问题).
    pub findings: String,
    /// One of the last three (marked ▲).
    pub last: bool,
}

/// Section 二、各单位情况排名: the unions directly below, best first.
#[derive(Debug, Serialize)]
pub struct Children {
    /// The sentence on the ▲ marking of the last three (or why there is none).
    pub note: String,
    /// The ranking table's rows, best first.
    pub rows: Vec<ChildRow>,
}

/// One category of assistance funds, a row of section 三's table.
#[derive(Debug, Serialize)]
pub struct FundRow {
    /// The category's Chinese label (类别).
    pub category: String,
    /// Payments made in the category (笔数).
    pub payments: String,
    /// The amount paid, in yuan, grouped (34,790) (金额（元）).
    pub amount: String,
    /// The category's share of all funds paid (占比).
    pub share: String,
}

/// One rule's major findings, a row of section 四、重大问题.
#[derive(Debug, Serialize)]
pub struct FindingRow {
    /// The kind of problem in Chinese (问题).
    pub name: String,
    /// Its major findings in all (个数).
    pub count: String,
    /// The findings per union directly below (济南市总工会3、…) (分布).
    pub by_union: String,
}

/// The data of `report-templates/bulletin.typ`.
#[derive(Debug, Serialize)]
pub struct Data {
    /// The header and closing block.
    pub meta: Meta,
    /// The opening: basis, purpose and what follows (为落实…，现将…通报如下：).
    pub opening: String,
    /// The period in Chinese, for the captions (2026年第3季度).
    pub period: String,
    /// The union's name.
    pub union: String,
    /// Section 一、总体情况, its paragraphs.
    pub overview: Vec<String>,
    /// The caption of the trend chart's note on quarters without data.
    pub trend_note: String,
    /// Section 二、各单位情况排名.
    pub children: Children,
    /// Section 三、帮扶资金使用情况: its opening sentence.
    pub funds_intro: String,
    /// Section 三, by category.
    pub funds: Vec<FundRow>,
    /// Section 四、重大问题, by kind of problem.
    pub findings: Vec<FindingRow>,
    /// The sentence opening section 四.
    pub findings_intro: String,
    /// Section 五、整改落实情况, when the archive records corrections.
    pub rectification: Option<Rectification>,
    /// The assessment (成效、问题及原因) opening the requirements.
    pub assessment: Vec<String>,
    /// Section 工作要求 (五 or 六).
    pub requirements: Vec<Requirement>,
    /// The 附件说明 line: the attachments' names.
    pub attachments: Vec<String>,
    /// The 附注 under the date (联系人、电话).
    pub note: String,
}

/// One union directly below in 整改落实情况.
#[derive(Debug, Serialize)]
pub struct RectificationRow {
    /// The union's name.
    pub name: String,
    /// Major findings due for correction in the period.
    pub due: String,
    /// Of those, rectified on time.
    pub on_time: String,
    /// The rectification rate (`—` when nothing was due).
    pub rate: String,
}

/// Section 整改落实情况 (accountability.md): the union's rectification rate, the rate of
/// each union directly below, and the unions with corrections overdue.
#[derive(Debug, Serialize)]
pub struct Rectification {
    /// The opening sentence with the union's own figures.
    pub intro: String,
    /// The unions directly below.
    pub rows: Vec<RectificationRow>,
    /// The sentence naming the unions with overdue corrections (K1).
    pub overdue: String,
}

/// The figures behind the charts, kept for checks and tests.
#[derive(Debug, Clone, Serialize)]
pub struct ChartData {
    /// Child unions (short names) and their visit compliance in percent.
    pub children: Vec<(String, Option<f64>)>,
    /// The last eight quarters (`2026Q3`) and the union's visit compliance in percent
    /// (`None` before the archive's first visit, or when nothing was due).
    pub trend: Vec<(String, Option<f64>)>,
    /// Categories and the amount paid, in yuan.
    pub funds: Vec<(String, f64)>,
}

/// A bulletin ready to typeset: its data, charts, date and identifier.
pub struct Bulletin {
    /// The data of the template.
    pub data: Data,
    /// Its attachment 数据来源与复核说明, a PDF of its own.
    pub appendix: Appendix,
    /// The figures behind the charts.
    pub chart_data: ChartData,
    /// The charts as `(name, svg)`: `trend`, `children`, `funds`.
    pub charts: Vec<(String, String)>,
    /// The document's date (year, month, day).
    pub date: (i32, u8, u8),
    /// The PDF's identifier (`tiexin-bulletin-<period>-<union>`).
    pub ident: String,
}

/// The document's date as days since 1970-01-01.
pub fn date_day((y, m, d): (i32, u8, u8)) -> i32 {
    crate::calendar::day(y, m as u32, d as u32)
}

/// Runs the bulletin's queries and gathers its data. Its figures run to its date or the
/// period's end, whichever is earlier.
pub async fn build(s: &Session, cfg: &DocumentConfig, opts: &Options) -> Result<Bulletin> {
    let p = prepare_until(s, &opts.period, date_day(opts.date)).await?;
    build_for(s, &p, cfg, opts).await
}

/// The bulletin of `opts.union` from figures [`prepare`]d for `opts.period`.
pub async fn build_for(
    s: &Session,
    p: &Prepared,
    cfg: &DocumentConfig,
    opts: &Options,
) -> Result<Bulletin> {
    if p.period != opts.period || p.cut != opts.period.cut(date_day(opts.date)) {
        return Err(Error::Internal(
            "bulletin figures prepared for another period or day".into(),
        ));
    }
    let cover = prose::Cover {
        period: p.period,
        cut: p.cut,
    };
    let prev_cover = prose::Cover {
        period: p.prev,
        cut: p.prev_cut,
    };
    // Visits are judged only when a quarter has ended by the cut-off.
    let visits_due = !cover.ended().is_empty();
    let union = match &opts.union {
        Some(u) => u.clone(),
        None => p.unions.root.clone().ok_or_else(|| {
            Error::Unreadable("unions.csv has no root union (a union without parent_id)".into())
        })?,
    };
    let Some(union_name) = p.unions.names.get(&union).cloned() else {
        return Err(Error::Usage(format!(
            "--union {union}: no union with this union_id in unions.csv"
        )));
    };
    let period = &opts.period;
    let cur = p.now.get(&union).ok_or_else(|| {
        Error::Internal(format!(
            "queries/metrics/metrics.sql gave no row for {union}"
        ))
    })?;
    let old = p.before.get(&union);
    let own = figures::of_union(s, p, &union).await?;

    // The unions directly below, best first; ▲ on those of the last three below the
    // standard (prose::below_standard), when there are enough units.
    let n = own.ranking.len();
    let mut rows = Vec::new();
    let mut chart_children = Vec::new();
    for (k, c) in own.ranking.iter().enumerate() {
        chart_children.push((short_name(&c.name), c.visit_compliance.map(|x| x * 100.0)));
        let last = n >= prose::MARK_FROM
            && k + 3 >= n
            && prose::below_standard(c.visit_compliance, c.findings_major, visits_due);
        rows.push(ChildRow {
            rank: c.position.to_string(),
            union_id: c.union_id.clone(),
            name: c.name.clone(),
            visit: percent(c.visit_compliance),
            exit: percent(c.exit_rate),
            procedure: percent(c.exit_procedure_rate),
            on_target: percent(c.on_target_share),
            budget: percent(c.budget_execution),
            findings: format!("{}/{}", c.findings_major, c.findings_minor),
            last,
        });
    }
    let marked = rows.iter().filter(|r| r.last).count();
    let note = prose::ranking_note(n, marked, visits_due);

    // Funds by category.
    let funds_q = catalog::named("bulletin", "funds_by_category")?;
    let mut funds = Vec::new();
    let mut chart_funds = Vec::new();
    for f in &own.funds {
        let yuan: f64 = f.amount.parse().map_err(|_| {
            Error::Query(format!(
                "{} gives the amount {:?}",
                funds_q.path(),
                f.amount
            ))
        })?;
        chart_funds.push((f.label.clone(), yuan));
        funds.push(FundRow {
            category: f.label.clone(),
            payments: f.payments.to_string(),
            amount: text::yuan_figure(&f.amount),
            share: percent(f.share),
        });
    }

    // Major findings by rule and child union.
    let majors_q = catalog::named("bulletin", "major_findings")?;
    let mut by_rule: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for m in &own.majors {
        let name = p.unions.names.get(&m.child_id).cloned().ok_or_else(|| {
            Error::Query(format!(
                "{} names the union {}, which is not in unions.csv",
                majors_q.path(),
                m.child_id
            ))
        })?;
        by_rule
            .entry(m.rule.clone())
            .or_default()
            .push((name, m.findings));
    }
    let findings = by_rule
        .into_iter()
        .map(|(rule, list)| {
            let r = rules::get(&rule).ok_or_else(|| {
                Error::Query(format!("{} gives the unknown rule {rule}", majors_q.path()))
            })?;
            Ok(FindingRow {
                name: r.name.to_string(),
                count: list.iter().map(|(_, c)| c).sum::<i64>().to_string(),
                by_union: list
                    .iter()
                    .map(|(n, c)| format!("{n}{c}个"))
                    .collect::<Vec<_>>()
                    .join("、"),
            })
        })
        .collect::<Result<Vec<_>>>()?;

    // The union's visit compliance over the last eight quarters.
    let trend = p.trend(&union);

    let chart_data = ChartData {
        children: chart_children,
        trend,
        funds: chart_funds,
    };
    let charts = draw(&chart_data)?;

    // The document number and the header.
    let (y, m, d) = opts.date;
    let root_name = p
        .unions
        .root
        .as_ref()
        .and_then(|r| p.unions.names.get(r))
        .cloned()
        .unwrap_or_else(|| union_name.clone());
    let prefix = cfg.bulletin_prefix(&root_name);
    let serial = match opts.number {
        Some(n) => n,
        None => numbering::number_for(
            cfg.state_dir.as_deref(),
            &prefix,
            y,
            &format!("bulletin|{period}|{union}"),
        )?,
    };
    let date = text::chinese_date(y, m, d);
    let meta = Meta {
        issuer: cfg
            .issuer
            .clone()
            .unwrap_or_else(|| format!("{union_name}文件")),
        number: numbering::format(&prefix, y, serial),
        title: format!("关于{}困难职工联系人制度落实情况的通报", cover.name()),
        title_lines: text::title_lines(&[
            "关于",
            &cover.name(),
            "困难职工联系人制度",
            "落实情况的通报",
        ]),
        addressee: cfg.addressee.clone().unwrap_or_else(|| {
            if p.unions.root.as_deref() == Some(union.as_str()) {
                "各市总工会，省产业工会，省直机关工会，大企业工会".to_string()
            } else {
                "各下级工会".to_string()
            }
        }),
        office: union_name.clone(),
        date: date.clone(),
        cc: cfg
            .cc
            .clone()
            .unwrap_or_else(|| vec!["各级工会困难职工帮扶中心".to_string()]),
        printer: cfg
            .printer
            .clone()
            .unwrap_or_else(|| format!("{union_name}办公室")),
        print_date: date,
        draft: false,
        red_header: true,
        keywords: Vec::new(),
    };

    let rectification = match (cur.rectifications_due, cur.rectified_on_time) {
        (Some(due), Some(on_time)) => Some(Rectification {
            intro: format!(
                "{}，{}（含所属各级工会）整改期限在本期的重大问题{due}个，按期整改并经县级以上工会核实{on_time}个，整改率{}。",
                cover.name(),
                union_name,
                percent(cur.rectification_rate)
            ),
            rows: own
                .ranking
                .iter()
                .map(|c| RectificationRow {
                    name: c.name.clone(),
                    due: c.rectifications_due.unwrap_or_default().to_string(),
                    on_time: c.rectified_on_time.unwrap_or_default().to_string(),
                    rate: percent(c.rectification_rate),
                })
                .collect(),
            overdue: if own.overdue.is_empty() {
                "本期没有逾期未整改的重大问题。".to_string()
            } else {
                format!(
                    "逾期未整改的单位：{}。",
                    own.overdue
                        .iter()
                        .map(|o| format!("{}（{}个问题）", o.name, o.overdue))
                        .collect::<Vec<_>>()
                        .join("、")
                )
            },
        }),
        _ => None,
    };
    let requirements = cfg.requirements(&prose::deadline(&cover), &cfg.department(&union_name));
    let title = meta.title.clone();
    let appendix = Appendix::new(
        &s.archive,
        &s.catalog,
        ("本通报", &title),
        &[
            "tiexin",
            "bulletin",
            "--archive",
            "档案目录",
            "--period",
            &period.to_string(),
            "--union",
            &union,
            "--date",
            &format!("{y:04}-{m:02}-{d:02}"),
            "--number",
            &serial.to_string(),
            "--out",
            "通报.pdf",
        ],
        "数字",
        figure_queries(),
    );
    let mut meta = meta;
    meta.keywords = appendix.keywords();
    let best: Vec<String> = own
        .ranking
        .iter()
        .filter(|c| c.visit_compliance == Some(1.0) && c.findings_major == 0)
        .map(|c| c.name.clone())
        .collect();
    let worst: Vec<String> = rows
        .iter()
        .filter(|r| r.last)
        .map(|r| r.name.clone())
        .collect();
    let assessment = prose::assessment(
        cur,
        (!best.is_empty()).then(|| best.join("、")).as_deref(),
        &worst,
        prose::year_elapsed(&cover),
    );
    let findings_intro = if findings.is_empty() {
        "本期未发现重大问题。".to_string()
    } else {
        format!(
            "本期发现重大问题{}个，按问题类别分列如下（分布栏为所属下级单位及问题个数）。",
            cur.findings_major
        )
    };
    let data = Data {
        opening: prose::opening(cfg.basis.as_deref(), &cover, &union_name),
        period: cover.name(),
        union: union_name.clone(),
        overview: prose::overview(&cover, &prev_cover, &union_name, cur, old),
        trend_note: if chart_data.trend.iter().any(|(_, v)| v.is_none()) && cover.is_cut() {
            "（无数据或尚未结束的季度不绘点）".to_string()
        } else if chart_data.trend.iter().any(|(_, v)| v.is_none()) {
            "（无数据的季度不绘点）".to_string()
        } else {
            String::new()
        },
        meta,
        children: Children { note, rows },
        funds_intro: format!(
            "{}共支付帮扶资金{}，按类别分列如下。",
            cover.name(),
            text::yuan(&cur.funds_paid)
        ),
        funds,
        findings,
        findings_intro,
        rectification,
        assessment,
        requirements,
        attachments: vec![super::appendix::NAME.to_string()],
        note: cfg.contact_note(),
    };
    Ok(Bulletin {
        data,
        appendix,
        chart_data,
        charts,
        date: opts.date,
        ident: format!("tiexin-bulletin-{period}-{union}"),
    })
}

fn figure_queries() -> Vec<QueryRef> {
    let f = |figure: &str, file: &str| QueryRef {
        figure: figure.to_string(),
        file: file.to_string(),
    };
    vec![
        f(
            "应访户次、有效走访户次、季度家访率（正文、表1、图2）",
            "queries/metrics/visit_compliance.sql",
        ),
        f(
            "近八个季度家访率（图1）",
            "queries/bulletin/trend.sql（各季度数字与 queries/metrics/visit_compliance.sql 逐季计算相同）",
        ),
        f(
            "在档户数、解困脱困户数、解困脱困率、脱困程序合规率",
            "queries/metrics/exit_rate.sql",
        ),
        f(
            "帮扶资金、笔数、精准发放率",
            "queries/metrics/fund_usage.sql",
        ),
        f("年度预算执行率", "queries/metrics/budget.sql"),
        f(
            "重大问题、一般问题个数",
            "queries/metrics/review_findings.sql，queries/findings/*.sql（每条规则一个文件）",
        ),
        f("各项数字的汇总", "queries/metrics/metrics.sql"),
        f(
            "与上期对比的家访率、解困脱困率、精准发放率、重大问题个数",
            "queries/bulletin/earlier.sql",
        ),
        f("各单位情况排名", "queries/bulletin/child_ranking.sql"),
        f(
            "帮扶资金按类别（表、图3）",
            "queries/bulletin/funds_by_category.sql",
        ),
        f("重大问题按规则分列", "queries/bulletin/major_findings.sql"),
        f(
            "整改落实情况",
            "queries/metrics/rectification.sql，queries/bulletin/overdue.sql",
        ),
    ]
}

/// The three charts as SVG: `trend`, `children`, `funds`.
pub fn draw(c: &ChartData) -> Result<Vec<(String, String)>> {
    let labels = |v: &[(String, Option<f64>)]| v.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>();
    let values = |v: &[(String, Option<f64>)]| v.iter().map(|(_, x)| *x).collect::<Vec<_>>();
    // 2026Q3 → 26年3季度: the chart speaks Chinese, not the program's notation.
    let quarters: Vec<String> = c
        .trend
        .iter()
        .map(|(q, _)| match q.split_once('Q') {
            Some((y, n)) if y.len() == 4 => format!("{}年{n}季度", &y[2..]),
            _ => q.clone(),
        })
        .collect();
    let trend = charts::line(&quarters, &values(&c.trend), 100.0, "%")?;
    let children = charts::horizontal_bars(&labels(&c.children), &values(&c.children), 100.0, "%")?;
    let max = c.funds.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let funds = charts::horizontal_bars(
        &c.funds.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>(),
        &c.funds.iter().map(|(_, v)| Some(*v)).collect::<Vec<_>>(),
        charts::axis_max(max),
        "",
    )?;
    Ok(vec![
        ("trend".to_string(), trend),
        ("children".to_string(), children),
        ("funds".to_string(), funds),
    ])
}

/// Typesets the bulletin.
pub fn render(b: &Bulletin) -> Result<Rendered> {
    super::render(&super::Document {
        template: "bulletin.typ",
        data: &b.data,
        charts: b.charts.clone(),
        date: b.date,
        ident: b.ident.clone(),
    })
}
