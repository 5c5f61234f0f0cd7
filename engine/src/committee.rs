//! The award committee's document (年度"困难职工贴心人"推荐名单): the method in plain
//! Chinese, the ranked nominees with each score's breakdown, a chart of nominees against
//! eligible contacts per city, the reserve list, the excluded contacts and the weight
//! sensitivity, typeset from [`crate::shortlist::Document`]. Phones are masked there.

use serde::Serialize;

use crate::bulletin::{self, Meta};
use crate::config::DocumentConfig;
use crate::error::Result;
use crate::report::appendix::{Appendix, QueryRef};
use crate::report::{self, charts, numbering};
use crate::session::Session;
use crate::shortlist::{Document, Entry, Via};

#[derive(Debug, Serialize)]
pub struct Component {
    pub name: String,
    pub weight: String,
    pub how: String,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub rank: String,
    pub name: String,
    pub union: String,
    pub city: String,
    pub phone: String,
    pub score: String,
    pub visit: String,
    pub exit: String,
    pub request: String,
    pub satisfaction: String,
    pub households: String,
    pub via: String,
}

#[derive(Debug, Serialize)]
pub struct ReasonRow {
    pub label: String,
    pub contacts: String,
}

#[derive(Debug, Serialize)]
pub struct ExcludedRow {
    pub rank: String,
    pub name: String,
    pub union: String,
    pub score: String,
    pub reasons: String,
}

#[derive(Debug, Serialize)]
pub struct Excluded {
    pub intro: String,
    pub by_reason: Vec<ReasonRow>,
    pub high: Vec<ExcludedRow>,
}

#[derive(Debug, Serialize)]
pub struct SensitivityRow {
    pub weight: String,
    pub delta: String,
    pub weights: String,
    pub changed: String,
}

/// The data of `report-templates/committee.typ`.
#[derive(Debug, Serialize)]
pub struct Data {
    pub meta: Meta,
    pub intro: String,
    pub method: Vec<String>,
    pub components: Vec<Component>,
    pub summary: String,
    pub size: String,
    pub nominees: Vec<Row>,
    pub reserve: Vec<Row>,
    pub excluded: Excluded,
    pub sensitivity_intro: String,
    pub sensitivity: Vec<SensitivityRow>,
    pub appendix: Appendix,
}

pub struct Committee {
    pub data: Data,
    pub charts: Vec<(String, String)>,
    pub date: (i32, u8, u8),
    pub ident: String,
}

/// A fraction in [0, 1] as a percentage with one decimal.
fn pct(s: &str) -> String {
    s.parse::<f64>()
        .map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|_| "—".to_string())
}

fn weight(w: f64) -> String {
    let s = format!("{w:.4}");
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

fn row(e: &Entry) -> Row {
    Row {
        rank: e.rank.to_string(),
        name: e.name.clone(),
        union: e.union_name.clone().unwrap_or_else(|| e.union_id.clone()),
        city: e
            .city_name
            .as_deref()
            .map(|c| c.trim_end_matches("总工会").to_string())
            .unwrap_or_else(|| "—".to_string()),
        phone: e.phone.clone().unwrap_or_else(|| "—".to_string()),
        score: e.score.clone(),
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
    let root = root_name(s);
    let prefix = cfg
        .number_prefix
        .clone()
        .unwrap_or_else(|| "鲁工评".to_string());
    let serial = match number {
        Some(n) => n,
        None => numbering::number_for(
            cfg.state_dir.as_deref(),
            &prefix,
            y,
            &format!("shortlist|{year}|{}|{}", doc.size, doc.min_per_city),
        )?,
    };
    let date_cn = report::chinese_date(y, m, d);
    let meta = Meta {
        issuer: cfg.issuer.clone().unwrap_or_else(|| format!("{root}文件")),
        number: numbering::format(&prefix, y, serial),
        title: format!("关于{year}年度“困难职工贴心人”推荐人选的报告"),
        addressee: cfg
            .addressee
            .clone()
            .unwrap_or_else(|| "“困难职工贴心人”评审委员会".to_string()),
        office: cfg.office.clone().unwrap_or_else(|| root.clone()),
        date: date_cn.clone(),
        cc: cfg
            .cc
            .clone()
            .unwrap_or_else(|| vec!["各市总工会".to_string()]),
        printer: cfg
            .printer
            .clone()
            .unwrap_or_else(|| format!("{root}办公室")),
        print_date: date_cn,
    };
    let w = &doc.weights;
    let quota = doc.min_per_city == 1;
    let method = vec![
        format!(
            "按照《关于建立健全困难职工联系人制度的意见》“省总工会每年从困难职工联系人中评选100名‘困难职工贴心人’”的要求，对{year}年度全部困难职工联系人逐人计算得分。得分＝100×（{}×家访得分＋{}×脱困得分＋{}×诉求得分＋{}×满意度得分），各项得分在0至1之间。",
            weight(w.visit), weight(w.exit), weight(w.request), weight(w.satisfaction)
        ),
        format!(
            "符合条件须同时满足：{year}年6月30日前任命；年内未离任；年内对应联系的困难职工家庭不少于3户；年内至少参加一次培训；年内任一季度没有由本人承担责任的重大问题。"
        ),
        "名次按得分（保留6位小数）从高到低排列；得分相同的，依次比较家访得分（高者在前）、联系户数（多者在前）、任命日期（早者在前）、联系人编号。".to_string(),
        if quota {
            format!("推荐{}名。先按名次为每个有符合条件联系人的城市推荐其名次最高的一人（城市名额，按各市该人名次先后，直至名额用完），其余名额按名次择优推荐。未隶属于任何城市的联系人不占城市名额。", doc.size)
        } else {
            format!("推荐{}名，全部按名次择优推荐，不设城市名额。", doc.size)
        },
    ];
    let components = vec![
        Component {
            name: "家访得分".into(),
            weight: weight(w.visit),
            how: "各季度应访家庭中按期有效走访的比例".into(),
        },
        Component {
            name: "脱困得分".into(),
            weight: weight(w.exit),
            how: "年内程序合规脱困户数÷联系户数（最高为1）".into(),
        },
        Component {
            name: "诉求得分".into(),
            weight: weight(w.request),
            how: "年内临时诉求7日内解决的比例（无诉求为1）".into(),
        },
        Component {
            name: "满意度得分".into(),
            weight: weight(w.satisfaction),
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
                score: x.entry.score.clone(),
                reasons: x.reasons_cn.join("；"),
            })
            .collect(),
    };
    let sensitivity = doc
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
    let queries = crate::catalog::SHORTLIST
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
    let data = Data {
        meta,
        intro: format!("现将{year}年度“困难职工贴心人”推荐人选报告如下，请评审委员会审定。"),
        method,
        components,
        summary,
        size: doc.size.to_string(),
        nominees: doc.nominees.iter().map(row).collect(),
        reserve: doc.reserve.iter().map(row).collect(),
        excluded,
        sensitivity_intro: "将某一项权重调高或调低0.05、其余三项按比例调整使权重之和仍为1时，推荐名单中变动的人数如下（变动人数少，说明名单对权重不敏感）。".to_string(),
        sensitivity,
        appendix: Appendix::new(
            s,
            "本名单",
            format!(
                "tiexin shortlist --archive 档案目录 --year {year} --size {} --min-per-city {} --date {y:04}-{m:02}-{d:02} --number {serial} --format pdf --out 推荐名单.pdf",
                doc.size, doc.min_per_city
            ),
            "步骤",
            queries,
        ),
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
        charts: vec![("cities".to_string(), chart)],
        date,
        ident: format!("tiexin-shortlist-{year}-{}-{}", doc.size, doc.min_per_city),
    })
}

fn root_name(s: &Session) -> String {
    bulletin::root_union_name(s).unwrap_or_else(|| "山东省总工会".to_string())
}

/// Typesets the committee's document.
pub fn render(c: &Committee) -> Result<report::Rendered> {
    report::render(&report::Document {
        template: "committee.typ",
        data: &c.data,
        charts: c.charts.clone(),
        date: c.date,
        ident: c.ident.clone(),
    })
}
