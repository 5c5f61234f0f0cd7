//! The configuration file (TOML). Every field is optional; the defaults are built in.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Where validated tables are cached [default: $TIEXIN_CACHE_DIR, $XDG_CACHE_HOME/tiexin or ~/.cache/tiexin].
    pub cache_dir: Option<PathBuf>,
    /// Whether the validated cache is used at all [default: true].
    pub cache: Option<bool>,
    /// Where `tiexin query` keeps its audit log `audit.jsonl` [default: $TIEXIN_STATE_DIR, $XDG_STATE_HOME/tiexin or ~/.local/state/tiexin].
    pub state_dir: Option<PathBuf>,
    /// Whether `tiexin query` shows ID numbers and phone numbers in full [default: false, masked].
    pub full_access: Option<bool>,
    /// Memory one `tiexin query` may use, in bytes [default: 2 GiB].
    pub query_memory_limit: Option<u64>,
    /// Time one `tiexin query` may run, in seconds [default: 120].
    pub query_time_limit: Option<f64>,
    /// The bulletin (工作通报): header, number, addressees, requirements.
    pub bulletin: Option<DocumentConfig>,
    /// The supervisory circulars (督查通报): header, number, deadline, criticism threshold.
    pub circulars: Option<DocumentConfig>,
    /// The award shortlist (`[shortlist]`), checked by [`crate::shortlist::Params::from_config`].
    #[serde(default)]
    pub shortlist: ShortlistConfig,
    /// The mail server of the outbox (`tiexin outbox send`, `tiexin schedule`).
    pub smtp: Option<crate::mail::SmtpConfig>,
    /// The scheduled jobs of `tiexin schedule`.
    #[serde(default)]
    pub jobs: Vec<crate::schedule::Job>,
    /// After downtime, a job's most recent missed slot still runs if it is at most this
    /// many hours old [default: 24].
    pub grace_hours: Option<f64>,
}

/// `[shortlist]`: size, city quota and the four weights of the score (metrics.md).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShortlistConfig {
    /// Number of nominees [default: 100, at least 1].
    pub size: Option<i64>,
    /// 1: each city with an eligible contact gets a place first; 0: merit only [default: 1].
    pub min_per_city: Option<i64>,
    /// Weight of visit_score [default: 0.50].
    pub visit: Option<f64>,
    /// Weight of exit_score [default: 0.20].
    pub exit: Option<f64>,
    /// Weight of request_score [default: 0.15].
    pub request: Option<f64>,
    /// Weight of satisfaction_score [default: 0.15].
    pub satisfaction: Option<f64>,
}

/// The parts of an official document that come from the configuration.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocumentConfig {
    /// The red issuing-body mark [default: the union's name + 文件].
    pub issuer: Option<String>,
    /// The prefix of the document number, as in 鲁工帮〔2026〕12号 [default: 鲁工帮].
    pub number_prefix: Option<String>,
    /// The addressees (主送机关) [default: 各市总工会，省产业工会，省直机关工会，大企业工会 for the root union, 各下级工会 otherwise].
    pub addressee: Option<String>,
    /// 抄送 [default: 各级工会困难职工帮扶中心].
    pub cc: Option<Vec<String>>,
    /// 印发机关 [default: the union's name + 办公室].
    pub printer: Option<String>,
    /// The section 工作要求, one entry per （一）（二）… [default: three built-in requirements].
    pub requirements: Option<Vec<RequirementConfig>>,
    /// The issuing office named in the 落款 of circulars [default: the root union's name].
    pub office: Option<String>,
    /// Circulars: days given for correction [default: 30].
    pub deadline_days: Option<u32>,
    /// Circulars: from this many major findings a union gets a 通报批评 [default: 5].
    pub criticism_threshold: Option<usize>,
    /// Where document numbers are counted (the state directory); not read from the file.
    #[serde(skip)]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequirementConfig {
    pub heading: String,
    pub text: String,
}

impl DocumentConfig {
    pub fn bulletin_prefix(&self) -> String {
        self.number_prefix
            .clone()
            .unwrap_or_else(|| "鲁工帮".to_string())
    }

    pub fn requirements(&self) -> Vec<crate::bulletin::Requirement> {
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
            .map(|(i, (heading, text))| crate::bulletin::Requirement {
                label: format!("（{}）", crate::bulletin::chinese_numeral(i + 1)),
                heading,
                text,
            })
            .collect()
    }
}

/// The default text of 工作要求.
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
        "对本通报列出的资金问题逐笔核查，严格帮扶资金使用方向、范围、对象和程序，整改情况于30日内报上级工会。",
    ),
];

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            let msg = e.message().trim_end_matches('.');
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            Error::Config(format!("{}{at}: {msg}", path.display()))
        })?;
        config
            .check()
            .map_err(|msg| Error::Config(format!("{}: {msg}", path.display())))?;
        Ok(config)
    }

    /// The checks serde cannot make: the `[smtp]` section and the jobs.
    fn check(&self) -> std::result::Result<(), String> {
        if let Some(smtp) = &self.smtp {
            smtp.check()?;
        }
        crate::schedule::check_jobs(&self.jobs, self.grace_hours)
    }
}
