//! The periodic bulletin (工作通报) of a union: its figures for a quarter or a year, the
//! ranking of the unions directly below it, charts, the major findings by rule, the
//! requirements of the configuration, and an appendix naming the query behind every
//! figure and the SHA-256 of every archive file read.
//!
//! [`build`] runs the SQL and gathers the document's data; [`render`] typesets it.
//! No household-level data is in a bulletin: only counts, rates and sums.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::common::ParamValues;
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use serde::Serialize;

use crate::catalog::{self, Query};
use crate::config::DocumentConfig;
use crate::error::{Error, Result};
use crate::metrics;
use crate::output::{Cell, Tabular};
use crate::period::Period;
use crate::report::appendix::{Appendix, QueryRef};
use crate::report::{self, charts, numbering};
use crate::rules;
use crate::session::Session;

/// What to render.
pub struct Options {
    pub period: Period,
    /// Default: the root of the union tree.
    pub union: Option<String>,
    /// The document's date (year, month, day).
    pub date: (i32, u8, u8),
    /// The serial of the document number; default: the state directory's counter.
    pub number: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct Meta {
    pub issuer: String,
    pub number: String,
    pub title: String,
    pub addressee: String,
    pub office: String,
    pub date: String,
    pub cc: Vec<String>,
    pub printer: String,
    pub print_date: String,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub intro: String,
    pub period: String,
    pub union: String,
    pub due: String,
    pub visited: String,
    pub visit_rate: String,
    pub visit_change: String,
    pub base: String,
    pub exits: String,
    pub exits_compliant: String,
    pub exit_rate: String,
    pub exit_change: String,
    pub exit_procedure_rate: String,
    pub payments: String,
    pub funds_paid: String,
    pub on_target_share: String,
    pub on_target_change: String,
    pub budget_execution: String,
    pub findings_major: String,
    pub findings_minor: String,
    pub major_change: String,
}

#[derive(Debug, Serialize)]
pub struct ChildRow {
    pub rank: String,
    pub union_id: String,
    pub name: String,
    pub visit: String,
    pub exit: String,
    pub procedure: String,
    pub on_target: String,
    pub budget: String,
    pub findings: String,
    /// One of the last three (marked ▲).
    pub last: bool,
}

#[derive(Debug, Serialize)]
pub struct Children {
    pub note: String,
    pub rows: Vec<ChildRow>,
}

#[derive(Debug, Serialize)]
pub struct FundRow {
    pub category: String,
    pub payments: String,
    pub amount: String,
    pub share: String,
}

#[derive(Debug, Serialize)]
pub struct FindingRow {
    pub rule: String,
    pub name: String,
    pub count: String,
    pub by_union: String,
}

#[derive(Debug, Serialize)]
pub struct Requirement {
    /// （一）, （二）, …
    pub label: String,
    pub heading: String,
    pub text: String,
}

/// The data of `report-templates/bulletin.typ`.
#[derive(Debug, Serialize)]
pub struct Data {
    pub meta: Meta,
    pub summary: Summary,
    pub children: Children,
    pub funds: Vec<FundRow>,
    pub findings: Vec<FindingRow>,
    pub requirements: Vec<Requirement>,
    pub appendix: Appendix,
}

/// The figures behind the charts, kept for checks and tests.
#[derive(Debug, Clone, Serialize)]
pub struct ChartData {
    /// Child unions (short names) and their visit compliance in percent.
    pub children: Vec<(String, Option<f64>)>,
    /// The last eight quarters (`2026Q3`) and the union's visit compliance in percent.
    pub trend: Vec<(String, Option<f64>)>,
    /// Categories and the amount paid, in 10,000 yuan.
    pub funds: Vec<(String, f64)>,
}

pub struct Bulletin {
    pub data: Data,
    pub chart_data: ChartData,
    pub charts: Vec<(String, String)>,
    pub date: (i32, u8, u8),
    pub ident: String,
}

/// One union of the archive: id, name, parent.
struct UnionInfo {
    name: String,
}

fn unions(s: &Session) -> Result<(Option<String>, BTreeMap<String, UnionInfo>)> {
    let t = s
        .archive
        .table("unions")
        .ok_or_else(|| Error::Internal("the archive has no unions table".into()))?;
    let ids: Vec<Option<&str>> = t.strings("union_id").map(|(_, v)| v).collect();
    let names: Vec<Option<&str>> = t.strings("name").map(|(_, v)| v).collect();
    let parents: Vec<Option<&str>> = t.strings("parent_id").map(|(_, v)| v).collect();
    let mut root = None;
    let mut out = BTreeMap::new();
    for ((id, name), parent) in ids.iter().zip(&names).zip(&parents) {
        let Some(id) = id else { continue };
        if parent.is_none() && root.is_none() {
            root = Some(id.to_string());
        }
        out.entry(id.to_string()).or_insert(UnionInfo {
            name: name.unwrap_or_default().to_string(),
        });
    }
    Ok((root, out))
}

/// The name of the root of the union tree.
pub fn root_union_name(s: &Session) -> Option<String> {
    let (root, unions) = unions(s).ok()?;
    unions.get(&root?).map(|u| u.name.clone())
}

/// A union's name without the trailing 总工会/工会, for chart labels.
fn short_name(name: &str) -> String {
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

fn params(period: &Period, union: &str) -> ParamValues {
    let mut map = match period.params() {
        ParamValues::Map(m) => m,
        ParamValues::List(_) => Default::default(),
    };
    map.insert(
        "union".to_string(),
        ScalarValue::Utf8(Some(union.to_string())).into(),
    );
    ParamValues::Map(map)
}

async fn query(s: &Session, q: &'static Query, period: &Period, union: &str) -> Result<Tabular> {
    let df = metrics::run(&s.ctx, &s.catalog, q)
        .await?
        .with_param_values(params(period, union))
        .map_err(|e| Error::Query(format!("{}: {e}", q.path())))?;
    metrics::tabular(&metrics::collect(df, q).await?)
}

fn rate(c: Option<&&Cell>) -> Option<f64> {
    match c {
        Some(Cell::Rate(r)) => Some(*r),
        _ => None,
    }
}

fn text(c: Option<&&Cell>) -> String {
    match c {
        Some(Cell::Int(i)) => i.to_string(),
        Some(Cell::Text(s)) | Some(Cell::Decimal(s)) => s.clone(),
        Some(Cell::Rate(r)) => report::percent(Some(*r)),
        _ => "—".to_string(),
    }
}

fn int(c: Option<&&Cell>) -> Option<i64> {
    match c {
        Some(Cell::Int(i)) => Some(*i),
        _ => None,
    }
}

/// "较上期（2026年第2季度）上升1.2个百分点".
fn rate_change(now: Option<f64>, before: Option<f64>, prev: &str) -> String {
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

fn count_change(now: Option<i64>, before: Option<i64>, prev: &str) -> String {
    match (now, before) {
        (Some(a), Some(b)) if a > b => format!("较上期（{prev}）增加{}个", a - b),
        (Some(a), Some(b)) if a < b => format!("较上期（{prev}）减少{}个", b - a),
        (Some(_), Some(_)) => format!("与上期（{prev}）持平"),
        _ => format!("上期（{prev}）无可比数据"),
    }
}

/// The period before `p`: the previous quarter, or the previous year.
pub fn previous(p: &Period) -> Period {
    match p {
        Period::Year(y) => Period::Year(y - 1),
        q => q.previous_quarter(),
    }
}

/// The eight quarters ending with the last quarter of `p`.
fn last_eight_quarters(p: &Period) -> Vec<Period> {
    let mut q = match p {
        Period::Year(y) => Period::quarter(*y, 4),
        q => *q,
    };
    let mut out = vec![q];
    for _ in 0..7 {
        q = q.previous_quarter();
        out.push(q);
    }
    out.reverse();
    out
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

/// The period's figures for every union, computed once and shared by the bulletins of
/// many unions (the province's and each county's, say).
pub struct Prepared {
    pub period: Period,
    prev: Period,
    now: Tabular,
    before: Tabular,
    /// union_id → (quarter, visit compliance in percent) for the last eight quarters.
    trend: BTreeMap<String, Vec<(String, Option<f64>)>>,
    root: Option<String>,
    unions: BTreeMap<String, UnionInfo>,
}

/// Runs the period-wide queries: the metrics of the period and of the one before, and
/// visit compliance for each of the last eight quarters.
pub async fn prepare(s: &Session, period: &Period) -> Result<Prepared> {
    let (root, unions) = unions(s)?;
    let prev = previous(period);
    let vc = catalog::get("metrics", "visit_compliance")
        .ok_or_else(|| Error::Internal("no visit_compliance query".into()))?;
    let mut trend: BTreeMap<String, Vec<(String, Option<f64>)>> = BTreeMap::new();
    let quarters = last_eight_quarters(period);
    for (k, quarter) in quarters.iter().enumerate() {
        let df = metrics::run(&s.ctx, &s.catalog, vc)
            .await?
            .with_param_values(quarter.params())
            .map_err(|e| Error::Query(format!("{}: {e}", vc.path())))?;
        let t = metrics::tabular(&metrics::collect(df, vc).await?)?;
        for r in t.records() {
            let (Some(Cell::Text(u)), Some(due), Some(visited)) =
                (r.get("union_id"), int(r.get("due")), int(r.get("visited")))
            else {
                continue;
            };
            let points = trend
                .entry(u.clone())
                .or_insert_with(|| quarters.iter().map(|q| (q.to_string(), None)).collect());
            points[k].1 = (due > 0).then(|| visited as f64 * 100.0 / due as f64);
        }
    }
    // Previous period first: the current run leaves its findings registered as
    // period_findings for queries/bulletin/major_findings.sql.
    let before = metrics::tabular(&metrics::metrics_with(&s.ctx, &s.catalog, &prev).await?)?;
    let batch: RecordBatch = metrics::metrics_with(&s.ctx, &s.catalog, period).await?;
    let now = metrics::tabular(&batch)?;
    s.ctx.deregister_table("bulletin_metrics")?;
    s.ctx.register_table(
        "bulletin_metrics",
        Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]])?),
    )?;
    Ok(Prepared {
        period: *period,
        prev,
        now,
        before,
        trend,
        root,
        unions,
    })
}

/// Runs the bulletin's queries and gathers its data.
pub async fn build(s: &Session, cfg: &DocumentConfig, opts: &Options) -> Result<Bulletin> {
    let p = prepare(s, &opts.period).await?;
    build_for(s, &p, cfg, opts).await
}

/// The bulletin of `opts.union` from figures [`prepare`]d for `opts.period`.
pub async fn build_for(
    s: &Session,
    p: &Prepared,
    cfg: &DocumentConfig,
    opts: &Options,
) -> Result<Bulletin> {
    if p.period != opts.period {
        return Err(Error::Internal(
            "bulletin figures prepared for another period".into(),
        ));
    }
    let unions = &p.unions;
    let union = match &opts.union {
        Some(u) => u.clone(),
        None => p.root.clone().ok_or_else(|| {
            Error::Unreadable("unions.csv has no root union (a union without parent_id)".into())
        })?,
    };
    let Some(info) = unions.get(&union) else {
        return Err(Error::Usage(format!(
            "--union {union}: no union with this union_id in unions.csv"
        )));
    };
    let period = &opts.period;
    let prev = p.prev;
    let (now, before) = (&p.now, &p.before);
    let find = |t: &Tabular| {
        t.records()
            .into_iter()
            .find(|r| matches!(r.get("union_id"), Some(Cell::Text(u)) if *u == union))
            .map(|r| {
                r.into_iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect::<BTreeMap<String, Cell>>()
            })
    };
    let cur = find(now).ok_or_else(|| {
        Error::Internal(format!(
            "queries/metrics/metrics.sql gave no row for {union}"
        ))
    })?;
    let old = find(before).unwrap_or_default();
    let g = |k: &str| cur.get(k);
    let o = |k: &str| old.get(k);
    let r = |m: Option<&Cell>| match m {
        Some(Cell::Rate(x)) => Some(*x),
        _ => None,
    };
    let i = |m: Option<&Cell>| match m {
        Some(Cell::Int(x)) => Some(*x),
        _ => None,
    };
    let t = |m: Option<&Cell>| text(m.as_ref());
    let prev_cn = prev.chinese();

    let summary = Summary {
        intro: format!(
            "现将{}{}困难职工联系人制度落实情况通报如下。",
            period.chinese(),
            info.name
        ),
        period: period.chinese(),
        union: info.name.clone(),
        due: t(g("due")),
        visited: t(g("visited")),
        visit_rate: report::percent(r(g("visit_compliance"))),
        visit_change: rate_change(r(g("visit_compliance")), r(o("visit_compliance")), &prev_cn),
        base: t(g("base")),
        exits: t(g("exits")),
        exits_compliant: t(g("exits_compliant")),
        exit_rate: report::percent(r(g("exit_rate"))),
        exit_change: rate_change(r(g("exit_rate")), r(o("exit_rate")), &prev_cn),
        exit_procedure_rate: report::percent(r(g("exit_procedure_rate"))),
        payments: t(g("payments")),
        funds_paid: t(g("funds_paid")),
        on_target_share: report::percent(r(g("on_target_share"))),
        on_target_change: rate_change(r(g("on_target_share")), r(o("on_target_share")), &prev_cn),
        budget_execution: report::percent(r(g("budget_execution"))),
        findings_major: t(g("findings_major")),
        findings_minor: t(g("findings_minor")),
        major_change: count_change(i(g("findings_major")), i(o("findings_major")), &prev_cn),
    };

    // The unions directly below, best first.
    let ranking = query(s, q("child_ranking")?, period, &union).await?;
    let ranked = ranking.records();
    let n = ranked.len();
    let marked = if n > 3 { 3 } else { 0 };
    let mut rows = Vec::new();
    let mut chart_children = Vec::new();
    for (k, rec) in ranked.iter().enumerate() {
        let name = text(rec.get("name"));
        chart_children.push((
            short_name(&name),
            rate(rec.get("visit_compliance")).map(|x| x * 100.0),
        ));
        rows.push(ChildRow {
            rank: text(rec.get("position")),
            union_id: text(rec.get("union_id")),
            name,
            visit: report::percent(rate(rec.get("visit_compliance"))),
            exit: report::percent(rate(rec.get("exit_rate"))),
            procedure: report::percent(rate(rec.get("exit_procedure_rate"))),
            on_target: report::percent(rate(rec.get("on_target_share"))),
            budget: report::percent(rate(rec.get("budget_execution"))),
            findings: format!(
                "{}/{}",
                int(rec.get("findings_major")).unwrap_or(0),
                int(rec.get("findings_minor")).unwrap_or(0)
            ),
            last: k + marked >= n,
        });
    }
    let note = if marked > 0 {
        "排名后三位的单位以“▲”标示。".to_string()
    } else {
        "下级单位不足四个，不标示后三位。".to_string()
    };

    // Funds by category.
    let funds_t = query(s, q("funds_by_category")?, period, &union).await?;
    let mut funds = Vec::new();
    let mut chart_funds = Vec::new();
    for rec in funds_t.records() {
        let amount = text(rec.get("amount"));
        chart_funds.push((
            text(rec.get("label")),
            amount.parse::<f64>().unwrap_or(0.0) / 10_000.0,
        ));
        funds.push(FundRow {
            category: text(rec.get("label")),
            payments: text(rec.get("payments")),
            amount,
            share: report::percent(rate(rec.get("share"))),
        });
    }

    // Major findings by rule and child union.
    let found = query(s, q("major_findings")?, period, &union).await?;
    let mut by_rule: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for rec in found.records() {
        let child = text(rec.get("child_id"));
        let name = unions.get(&child).map(|u| u.name.clone()).unwrap_or(child);
        by_rule
            .entry(text(rec.get("rule")))
            .or_default()
            .push((name, int(rec.get("findings")).unwrap_or(0)));
    }
    let findings = by_rule
        .into_iter()
        .map(|(rule, list)| FindingRow {
            name: rules::get(&rule).map(|r| r.name).unwrap_or("").to_string(),
            count: list.iter().map(|(_, c)| c).sum::<i64>().to_string(),
            by_union: list
                .iter()
                .map(|(n, c)| format!("{n}{c}"))
                .collect::<Vec<_>>()
                .join("、"),
            rule,
        })
        .collect();

    // The union's visit compliance over the last eight quarters.
    let trend = p.trend.get(&union).cloned().unwrap_or_else(|| {
        last_eight_quarters(period)
            .iter()
            .map(|q| (q.to_string(), None))
            .collect()
    });

    let chart_data = ChartData {
        children: chart_children,
        trend,
        funds: chart_funds,
    };
    let charts = draw(&chart_data)?;

    // The document number and the header.
    let (y, m, d) = opts.date;
    let prefix = cfg.bulletin_prefix();
    let serial = match opts.number {
        Some(n) => n,
        None => numbering::number_for(
            cfg.state_dir.as_deref(),
            &prefix,
            y,
            &format!("bulletin|{period}|{union}"),
        )?,
    };
    let date = report::chinese_date(y, m, d);
    let meta = Meta {
        issuer: cfg
            .issuer
            .clone()
            .unwrap_or_else(|| format!("{}文件", info.name)),
        number: numbering::format(&prefix, y, serial),
        title: format!("关于{}困难职工联系人制度落实情况的通报", period.chinese()),
        addressee: cfg.addressee.clone().unwrap_or_else(|| {
            if p.root.as_deref() == Some(union.as_str()) {
                "各市总工会，省产业工会，省直机关工会，大企业工会".to_string()
            } else {
                "各下级工会".to_string()
            }
        }),
        office: info.name.clone(),
        date: date.clone(),
        cc: cfg
            .cc
            .clone()
            .unwrap_or_else(|| vec!["各级工会困难职工帮扶中心".to_string()]),
        printer: cfg
            .printer
            .clone()
            .unwrap_or_else(|| format!("{}办公室", info.name)),
        print_date: date,
    };

    let requirements = cfg.requirements();
    let appendix = Appendix::new(
        s,
        "本通报",
        format!(
            "tiexin bulletin --archive 档案目录 --period {period} --union {union} --date {y:04}-{m:02}-{d:02} --number {serial} --out 通报.pdf"
        ),
        "数字",
        figure_queries(),
    );
    let data = Data {
        meta,
        summary,
        children: Children { note, rows },
        funds,
        findings,
        requirements,
        appendix,
    };
    Ok(Bulletin {
        data,
        chart_data,
        charts,
        date: opts.date,
        ident: format!("tiexin-bulletin-{period}-{union}"),
    })
}

fn q(name: &str) -> Result<&'static Query> {
    catalog::get("bulletin", name)
        .ok_or_else(|| Error::Internal(format!("no query bulletin/{name}")))
}

fn figure_queries() -> Vec<QueryRef> {
    let f = |figure: &str, file: &str| QueryRef {
        figure: figure.to_string(),
        file: file.to_string(),
    };
    vec![
        f(
            "应访户次、有效走访户次、季度家访率（正文、表1、图1、图2）",
            "queries/metrics/visit_compliance.sql",
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
        f("各单位情况排名", "queries/bulletin/child_ranking.sql"),
        f(
            "帮扶资金按类别（表、图3）",
            "queries/bulletin/funds_by_category.sql",
        ),
        f("重大问题按规则分列", "queries/bulletin/major_findings.sql"),
    ]
}

/// The three charts as SVG: `trend`, `children`, `funds`.
pub fn draw(c: &ChartData) -> Result<Vec<(String, String)>> {
    let labels = |v: &[(String, Option<f64>)]| v.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>();
    let values = |v: &[(String, Option<f64>)]| v.iter().map(|(_, x)| *x).collect::<Vec<_>>();
    let trend = charts::line(&labels(&c.trend), &values(&c.trend), 100.0, "%")?;
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
pub fn render(b: &Bulletin) -> Result<report::Rendered> {
    report::render(&report::Document {
        template: "bulletin.typ",
        data: &b.data,
        charts: b.charts.clone(),
        date: b.date,
        ident: b.ident.clone(),
    })
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
