//! The award committee's document (年度"困难职工贴心人"推荐名单): the method in plain
//! Chinese, the ranked nominees with each score's breakdown, a chart of nominees against
//! eligible contacts per city, the reserve list, the excluded contacts and the weight
//! sensitivity, typeset from [`crate::analysis::shortlist::Document`]. Phones are masked there.

use serde::Serialize;

use super::appendix::{Appendix, QueryRef};
use super::settings::DocumentConfig;
use super::text::chinese_date;
use super::{charts, numbering, Meta, Rendered};
use crate::analysis::shortlist::{Document, Entry, Via};
use crate::error::{Error, Result};
use crate::sql::tree::Unions;
use crate::sql::Session;

/// One component score, a row of the method's table (评分项, 权重, 计算方法).
#[derive(Debug, Serialize)]
pub struct Component {
    /// The score's Chinese name (家访得分…).
    pub name: String,
    /// Its weight, as a share of the 100 points (50%), as the method says it.
    pub weight: String,
    /// How it is computed, in Chinese.
    pub how: String,
}

/// One contact of the nominees' or the reserve's table.
#[derive(Debug, Serialize)]
pub struct Row {
    /// The contact's rank (名次).
    pub rank: String,
    /// Its printed score equals a neighbour's: the rank shows 并列 under it.
    pub tied: bool,
    /// The contact's name (姓名).
    pub name: String,
    /// The contact's union's name, else its id (工会).
    pub union: String,
    /// The city without 总工会, or — (城市).
    pub city: String,
    /// The masked phone, or — (联系电话, in the reserve's table).
    pub phone: String,
    /// The score, 6 decimals at most (总分).
    pub score: String,
    /// The visit score as a percentage (家访).
    pub visit: String,
    /// The exit score as a percentage (脱困).
    pub exit: String,
    /// The request score as a percentage (诉求).
    pub request: String,
    /// The satisfaction score as a percentage (满意度).
    pub satisfaction: String,
    /// The contact's households (户数).
    pub households: String,
    /// How a nominee was chosen: 城市名额 or 择优; empty in the reserve (方式).
    pub via: String,
}

/// One exclusion reason, a row of section 四's first table.
#[derive(Debug, Serialize)]
pub struct ReasonRow {
    /// The reason in Chinese (不符合条件的原因).
    pub label: String,
    /// Contacts excluded for it (人数).
    pub contacts: String,
}

/// An ineligible contact who would have ranked among the first N.
#[derive(Debug, Serialize)]
pub struct ExcludedRow {
    /// The rank with eligibility ignored (名次).
    pub rank: String,
    /// The contact's name (姓名).
    pub name: String,
    /// The contact's union's name, else its id (工会).
    pub union: String,
    /// The score (总分).
    pub score: String,
    /// The reasons in Chinese, joined with ； (原因).
    pub reasons: String,
}

/// Section 四、不符合条件的联系人.
#[derive(Debug, Serialize)]
pub struct Excluded {
    /// The sentence giving the number of ineligible contacts.
    pub intro: String,
    /// Ineligible contacts by reason.
    pub by_reason: Vec<ReasonRow>,
    /// The ineligible contacts who would have ranked among the first N.
    pub high: Vec<ExcludedRow>,
}

/// One row of section 五、权重敏感性: one weight moved by ±0.05.
#[derive(Debug, Serialize)]
pub struct SensitivityRow {
    /// The weight moved, in Chinese (家访…) (调整的权重).
    pub weight: String,
    /// `+0.05` or `-0.05` (调整).
    pub delta: String,
    /// The weights used, visit/exit/request/satisfaction, or why the move was skipped.
    pub weights: String,
    /// Nominees not among the base nominees, or — when skipped (变动人数).
    pub changed: String,
}

/// The data of `report-templates/committee.typ`.
#[derive(Debug, Serialize)]
pub struct Data {
    /// The header and closing block.
    pub meta: Meta,
    /// The opening sentence (现将…推荐人选报告如下，请评审委员会审定。).
    pub intro: String,
    /// The paragraphs of section 一、评选方法.
    pub method: Vec<String>,
    /// The four component scores, for the method's table.
    pub components: Vec<Component>,
    /// The sentence opening section 二: contacts, eligible, nominees by quota and merit.
    pub summary: String,
    /// The number of nominees asked for (the N of 前N名).
    pub size: String,
    /// Section 二、推荐人选, in rank order.
    pub nominees: Vec<Row>,
    /// Section 三、备选人选, in rank order.
    pub reserve: Vec<Row>,
    /// Section 四、不符合条件的联系人.
    pub excluded: Excluded,
    /// The paragraph opening section 五、权重敏感性.
    pub sensitivity_intro: String,
    /// The rows of the sensitivity table; empty when no move changes the list (the
    /// intro then says so in one sentence).
    pub sensitivity: Vec<SensitivityRow>,
    /// The 附件说明 line: the attachments' names.
    pub attachments: Vec<String>,
    /// The 附注 under the date (联系人、电话).
    pub note: String,
}

/// The committee's document ready to typeset: its data, chart, date and identifier.
pub struct Committee {
    /// The data of the template.
    pub data: Data,
    /// The chart as `(name, svg)`: `cities`.
    pub charts: Vec<(String, String)>,
    /// Its attachment 数据来源与复核说明, a PDF of its own.
    pub appendix: Appendix,
    /// The document's date (year, month, day).
    pub date: (i32, u8, u8),
    /// The PDF's identifier (`tiexin-shortlist-<year>-<size>-<min-per-city>`).
    pub ident: String,
}

/// A fraction in [0, 1] as a percentage with one decimal.
fn pct(s: &str) -> String {
    s.parse::<f64>()
        .map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|_| "—".to_string())
}

/// A score to two decimals (87.35), as the document prints every score.
fn score2(s: &str) -> String {
    s.parse::<f64>()
        .map(|x| format!("{x:.2}"))
        .unwrap_or_else(|_| s.to_string())
}

/// Ranks of `rows` shown with 并列 where the printed score equals a neighbour's.
fn mark_ties(rows: &mut [Row]) {
    let scores: Vec<String> = rows.iter().map(|r| r.score.clone()).collect();
    for (i, r) in rows.iter_mut().enumerate() {
        let tied = (i > 0 && scores[i - 1] == scores[i])
            || (i + 1 < scores.len() && scores[i + 1] == scores[i]);
        r.tied = tied;
    }
}

/// A weight as a share of the 100 points (50%).
fn share(w: f64) -> String {
    let s = format!("{:.2}", w * 100.0);
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

fn weight(w: f64) -> String {
    let s = format!("{w:.4}");
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

fn row(e: &Entry) -> Row {
    Row {
        rank: e.rank.to_string(),
        tied: false,
        name: e.name.clone(),
        union: e.union_name.clone().unwrap_or_else(|| e.union_id.clone()),
        city: e
            .city_name
            .as_deref()
            .map(|c| c.trim_end_matches("总工会").to_string())
            .unwrap_or_else(|| "—".to_string()),
        phone: e.phone.clone().unwrap_or_else(|| "—".to_string()),
        score: score2(&e.score),
        visit: pct(&e.visit_score),
        exit: pct(&e.exit_score),
        request: pct(&e.request_score),
        satisfaction: pct(&e.satisfaction_score),
        households: e.households.to_string(),
        via: match e.via {
            Some(Via::Quota) => "城市名额".to_string(),
            Some(Via::Merit) => "择优".to_string(),
            None => String::new(),
        },
    }
}

fn weight_cn(key: &str) -> &'static str {
    match key {
        "visit" => "家访",
        "exit" => "脱困",
        "request" => "诉求",
        "satisfaction" => "满意度",
        _ => "",
    }
}

/// The committee's document of `doc`, dated `date`.
pub fn build(
    s: &Session,
    cfg: &DocumentConfig,
    doc: &Document,
    date: (i32, u8, u8),
    number: Option<u32>,
) -> Result<Committee> {
    let (y, m, d) = date;
    let year = doc.year;
    let root = Unions::of(&s.archive)?
        .root_name()
        .map(str::to_string)
        .ok_or_else(|| {
            Error::Unreadable("unions.csv has no root union (a union without parent_id)".into())
        })?;
    let prefix = cfg.prefix(&root, "评");
    let serial = match number {
        Some(n) => n,
        None => numbering::number_for(
            cfg.state_dir.as_deref(),
            &prefix,
            y,
            &format!("shortlist|{year}|{}|{}", doc.size, doc.min_per_city),
        )?,
    };
    let date_cn = chinese_date(y, m, d);
    // A 请示 to the committee, typeset as a plain internal document (no red header):
    // the committee decides, so nothing is copied to others before it has (抄送 none
    // unless the config names copies).
    let title = format!("关于{year}年度“困难职工贴心人”推荐人选的请示");
    let meta = Meta {
        issuer: cfg.issuer.clone().unwrap_or_else(|| format!("{root}文件")),
        number: numbering::format(&prefix, y, serial),
        title_lines: super::text::title_lines(&[
            "关于",
            &format!("{year}年度"),
            "“困难职工贴心人”",
            "推荐人选的请示",
        ]),
        title,
        addressee: cfg
            .addressee
            .clone()
            .unwrap_or_else(|| "“困难职工贴心人”评审委员会".to_string()),
        office: cfg.office.clone().unwrap_or_else(|| root.clone()),
        date: date_cn.clone(),
        cc: cfg.cc.clone().unwrap_or_default(),
        printer: cfg
            .printer
            .clone()
            .unwrap_or_else(|| format!("{root}办公室")),
        print_date: date_cn,
        draft: false,
        red_header: false,
        keywords: Vec::new(),
    };
    let w = &doc.weights;
    let quota = doc.min_per_city == 1;
    let method = vec![
        format!(
            "按照《关于建立健全困难职工联系人制度的意见》“省总工会每年从困难职工联系人中评选100名‘困难职工贴心人’”的要求，对{year}年度全部困难职工联系人逐人打分。满分100分，由四项组成：家访占{}，脱困占{}，解决诉求占{}，群众满意度占{}（各项的算法见表1）。",
            share(w.visit), share(w.exit), share(w.request), share(w.satisfaction)
        ),
        format!(
            "打分后先看资格：{year}年6月30日前任命、年内未离任、年内联系困难职工家庭不少于3户、年内至少参加一次培训、年内没有由本人承担责任的重大问题，五条同时满足的才能推荐。"
        ),
        if quota {
            format!("再定人选：共推荐{}名。先为每个有符合条件联系人的城市留一个名额，给该市得分最高的一人；其余名额按得分从高到低择优推荐。未隶属于任何城市的联系人不占城市名额。", doc.size)
        } else {
            format!("再定人选：共推荐{}名，全部按得分从高到低择优推荐，不设城市名额。", doc.size)
        },
        "得分保留两位小数；两位小数相同的标注“并列”，其先后依次按家访得分（高者在前）、联系户数（多者在前）、任命日期（早者在前）确定。".to_string(),
    ];
    let components = vec![
        Component {
            name: "家访得分".into(),
            weight: share(w.visit),
            how: "各季度应访家庭中按期有效走访的比例".into(),
        },
        Component {
            name: "脱困得分".into(),
            weight: share(w.exit),
            how: "年内程序合规脱困户数÷联系户数（最高为1）".into(),
        },
        Component {
            name: "诉求得分".into(),
            weight: share(w.request),
            how: "年内临时诉求7日内解决的比例（无诉求为1）".into(),
        },
        Component {
            name: "满意度得分".into(),
            weight: share(w.satisfaction),
            how: "（年内评价平均分−1）÷4（无评价为0.5）".into(),
        },
    ];
    let quota_count = doc
        .nominees
        .iter()
        .filter(|e| e.via == Some(Via::Quota))
        .count();
    let summary = format!(
        "全省共有困难职工联系人{}名，其中符合条件{}名。推荐人选{}名（城市名额{}名、择优{}名），按名次排列如下。",
        doc.contacts,
        doc.eligible,
        doc.nominees.len(),
        quota_count,
        doc.nominees.len() - quota_count
    );
    let excluded = Excluded {
        intro: format!(
            "不符合条件的联系人共{}名（一人可有多项原因）。",
            doc.excluded.contacts
        ),
        by_reason: doc
            .excluded
            .by_reason
            .iter()
            .map(|r| ReasonRow {
                label: r.label.to_string(),
                contacts: r.contacts.to_string(),
            })
            .collect(),
        high: doc
            .excluded
            .high_scorers
            .iter()
            .map(|x| ExcludedRow {
                rank: x.entry.rank.to_string(),
                name: x.entry.name.clone(),
                union: x
                    .entry
                    .union_name
                    .clone()
                    .unwrap_or_else(|| x.entry.union_id.clone()),
                score: score2(&x.entry.score),
                reasons: x.reasons_cn.join("；"),
            })
            .collect(),
    };
    let sensitivity: Vec<SensitivityRow> = doc
        .sensitivity
        .iter()
        .map(|r| SensitivityRow {
            weight: weight_cn(r.weight).to_string(),
            delta: r.delta.to_string(),
            weights: r
                .weights
                .map(|v| {
                    format!(
                        "{}/{}/{}/{}",
                        weight(v.visit),
                        weight(v.exit),
                        weight(v.request),
                        weight(v.satisfaction)
                    )
                })
                .unwrap_or_else(|| r.note.clone().unwrap_or_default()),
            changed: r
                .changed
                .map(|c| c.to_string())
                .unwrap_or_else(|| "—".to_string()),
        })
        .collect();
    let queries = crate::sql::catalog::SHORTLIST
        .iter()
        .map(|q| QueryRef {
            figure: q.name.to_string(),
            file: q.path(),
        })
        .chain(std::iter::once(QueryRef {
            figure: "重大问题".to_string(),
            file: "queries/findings/*.sql（四个季度）".to_string(),
        }))
        .collect();
    let appendix = Appendix::new(
        &s.archive,
        &s.catalog,
        ("本材料", &meta.title),
        &[
            "tiexin",
            "shortlist",
            "--archive",
            "档案目录",
            "--year",
            &year.to_string(),
            "--size",
            &doc.size.to_string(),
            "--min-per-city",
            &doc.min_per_city.to_string(),
            "--date",
            &format!("{y:04}-{m:02}-{d:02}"),
            "--number",
            &serial.to_string(),
            "--format",
            "pdf",
            "--out",
            "推荐名单.pdf",
        ],
        "步骤",
        queries,
    );
    let mut meta = meta;
    meta.keywords = appendix.keywords();
    let mut nominees: Vec<Row> = doc.nominees.iter().map(row).collect();
    mark_ties(&mut nominees);
    let mut reserve: Vec<Row> = doc.reserve.iter().map(row).collect();
    mark_ties(&mut reserve);
    let unchanged = sensitivity
        .iter()
        .all(|r: &SensitivityRow| r.changed == "0" || r.changed == "—");
    let sensitivity_intro = if unchanged {
        "将任一项权重调高或调低0.05（其余三项按比例调整，权重之和仍为1），推荐名单均不变，说明名单对权重不敏感。".to_string()
    } else {
        "将某一项权重调高或调低0.05、其余三项按比例调整使权重之和仍为1时，推荐名单中变动的人数如下（变动人数少，说明名单对权重不敏感）。".to_string()
    };
    let data = Data {
        meta,
        intro: format!("为做好{year}年度“困难职工贴心人”评选工作，根据《关于建立健全困难职工联系人制度的意见》，我们对全部困难职工联系人的年度工作进行了量化评分，提出推荐人选。现将有关情况请示如下："),
        method,
        components,
        summary,
        size: doc.size.to_string(),
        nominees,
        reserve,
        excluded,
        sensitivity_intro,
        sensitivity: if unchanged { Vec::new() } else { sensitivity },
        attachments: vec![super::appendix::NAME.to_string()],
        note: cfg.contact_note(),
    };
    let labels: Vec<String> = doc
        .cities
        .iter()
        .map(|c| match (&c.name, &c.city_id) {
            (Some(n), _) => n.trim_end_matches("总工会").to_string(),
            (None, Some(id)) => id.clone(),
            (None, None) => "无所属城市".to_string(),
        })
        .collect();
    let nominees: Vec<f64> = doc.cities.iter().map(|c| c.nominees as f64).collect();
    let eligible: Vec<f64> = doc.cities.iter().map(|c| c.eligible as f64).collect();
    let max = eligible.iter().cloned().fold(1.0, f64::max);
    let chart = charts::paired_bars(
        &labels,
        ("推荐人选", &nominees),
        ("符合条件", &eligible),
        charts::axis_max(max),
    )?;
    Ok(Committee {
        data,
        appendix,
        charts: vec![("cities".to_string(), chart)],
        date,
        ident: format!("tiexin-shortlist-{year}-{}-{}", doc.size, doc.min_per_city),
    })
}

/// Typesets the committee's document.
pub fn render(c: &Committee) -> Result<Rendered> {
    super::render(&super::Document {
        template: "committee.typ",
        data: &c.data,
        charts: c.charts.clone(),
        date: c.date,
        ident: c.ident.clone(),
    })
}
