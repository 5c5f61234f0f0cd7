//! The parts of official documents that come from the configuration (`[bulletin]`,
//! `[circulars]`), with their defaults.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::text::{chinese_numeral, province_short};

/// One requirement of the section 工作要求: （一）, heading, text.
#[derive(Debug, Serialize)]
pub struct Requirement {
    /// （一）, （二）, …
    pub label: String,
    /// The heading, ending in 。
    pub heading: String,
    /// The text after it.
    pub text: String,
}

/// The parts of an official document that come from the configuration.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocumentConfig {
    /// The red issuing-body mark [default: the union's name + 文件].
    pub issuer: Option<String>,
    /// The prefix of the document number, as in 鲁工帮〔2026〕12号 [default: the
    /// province's one-character name + 工 + the kind: 帮 (帮扶工作通报), 督 (督办:
    /// circulars), 评 (评审: the committee's document)].
    pub number_prefix: Option<String>,
    /// The opening's basis and purpose, before ，现将… (为落实…，推动…) [default: the
    /// 意见's 定期考核、验收通报].
    pub basis: Option<String>,
    /// The 附注 contact (联系人) [default: none: no 附注 line].
    pub contact: Option<String>,
    /// The contact's telephone (联系电话), printed with the contact.
    pub phone: Option<String>,
    /// Circulars: `direct` (主送 the union with the findings, its parent in copy) or
    /// `city` (主送 the city union above it, naming the unit; the e-mail goes to the
    /// city) [default: direct].
    pub routing: Option<String>,
    /// The addressees (主送机关) [default: 各市总工会，省产业工会，省直机关工会，大企业工会 for the root union, 各下级工会 otherwise].
    pub addressee: Option<String>,
    /// 抄送 [default: 各级工会困难职工帮扶中心].
    pub cc: Option<Vec<String>>,
    /// 印发机关 [default: the union's name + 办公室].
    pub printer: Option<String>,
    /// The section 工作要求, one entry per （一）（二）… [default: three built-in
    /// requirements]. `{deadline}` in a text becomes the correction deadline d(f) of the
    /// period's findings, `{department}` the receiving department.
    pub requirements: Option<Vec<RequirementConfig>>,
    /// The issuing office named in the 落款 of circulars [default: the root union's name].
    pub office: Option<String>,
    /// The department that receives correction reports (整改情况报送…) [default: the
    /// issuing union's 困难职工帮扶中心, e.g. 山东省总工会困难职工帮扶中心].
    pub department: Option<String>,
    /// No longer read: refused with a sentence saying why (the deadline is d(f)).
    pub deadline_days: Option<u32>,
    /// Circulars: from this many major findings a union gets a 通报批评 [default: 5].
    pub criticism_threshold: Option<usize>,
    /// Where document numbers are counted (the state directory); not read from the file.
    #[serde(skip)]
    pub state_dir: Option<PathBuf>,
}

/// One `requirements` entry of the configuration: a requirement of 工作要求.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequirementConfig {
    /// The heading, ending in 。 (压实联系人责任。).
    pub heading: String,
    /// The text after the heading.
    pub text: String,
}

impl DocumentConfig {
    /// The prefix of the document number: the configured one, else the province's
    /// one-character name (of `root_name`, the root union) + 工 + `kind` (帮, 督, 评).
    pub fn prefix(&self, root_name: &str, kind: &str) -> String {
        self.number_prefix
            .clone()
            .unwrap_or_else(|| format!("{}工{kind}", province_short(root_name)))
    }

    /// The prefix of a bulletin's number ([`DocumentConfig::prefix`] with 帮).
    pub fn bulletin_prefix(&self, root_name: &str) -> String {
        self.prefix(root_name, "帮")
    }

    /// The 附注 under the date: （联系人：…，联系电话：…）, or empty.
    pub fn contact_note(&self) -> String {
        match (&self.contact, &self.phone) {
            (Some(c), Some(p)) => format!("（联系人：{c}，联系电话：{p}）"),
            (Some(c), None) => format!("（联系人：{c}）"),
            (None, Some(p)) => format!("（联系电话：{p}）"),
            (None, None) => String::new(),
        }
    }

    /// The department that receives correction reports: the configured `department`,
    /// else `office` (the issuing union's name) + 困难职工帮扶中心.
    pub fn department(&self, office: &str) -> String {
        self.department
            .clone()
            .unwrap_or_else(|| format!("{office}困难职工帮扶中心"))
    }

    /// Whether circulars go through the city union (`routing = "city"`).
    pub fn through_city(&self) -> bool {
        self.routing.as_deref() == Some("city")
    }

    /// The requirements of 工作要求, the configured or the default ones, labelled （一）,
    /// （二）, …, with `{deadline}` and `{department}` replaced by `deadline` (the
    /// correction deadline, `2026年11月29日前`) and `department`.
    pub fn requirements(&self, deadline: &str, department: &str) -> Vec<Requirement> {
        let fill = |t: &str| {
            t.replace("{deadline}", deadline)
                .replace("{department}", department)
        };
        let given: Vec<(String, String)> = match &self.requirements {
            Some(list) => list
                .iter()
                .map(|r| (r.heading.clone(), r.text.clone()))
                .collect(),
            None => DEFAULT_REQUIREMENTS
                .iter()
                .map(|(h, t)| (h.to_string(), t.to_string()))
                .collect(),
        };
        given
            .into_iter()
            .enumerate()
            .map(|(i, (heading, text))| Requirement {
                label: format!("（{}）", chinese_numeral(i + 1)),
                heading: fill(&heading),
                text: fill(&text),
            })
            .collect()
    }
}

/// The default text of 工作要求 (`{deadline}` and `{department}` are filled in by
/// [`DocumentConfig::requirements`]).
pub const DEFAULT_REQUIREMENTS: &[(&str, &str)] = &[
    (
        "压实联系人责任。",
        "各级工会要对照本通报，逐户核查未按期家访的困难职工家庭，督促联系人每季度家访一次，并及时将图片、视频上传至精准帮扶信息化平台。",
    ),
    (
        "规范建档和脱困程序。",
        "建档须经县级以上工会审核确认；脱困申请须由困难职工本人签字确认，经县级以上工会批准后方可移入解困脱困档案库。",
    ),
    (
        "严格帮扶资金管理。",
        "对本通报列出的资金问题逐笔核查，严格帮扶资金使用方向、范围、对象和程序。本期重大问题须于{deadline}整改到位并经县级以上工会核实，整改情况报送{department}。",
    ),
];
