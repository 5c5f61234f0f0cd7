//! What a shortlist is drawn with: its size, the city quota and the four weights, from
//! the `[shortlist]` table of the configuration (checked here).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ratio::Ratio;
use crate::error::{Error, Result};

/// `[shortlist]`: size, city quota and the four weights of the score (metrics.md).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShortlistConfig {
    /// Number of nominees [default: 100; 1 to 100000].
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

/// The weights of the four component scores (exact; they sum to 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights {
    /// Weight of visit_score.
    pub visit: Ratio,
    /// Weight of exit_score.
    pub exit: Ratio,
    /// Weight of request_score.
    pub request: Ratio,
    /// Weight of satisfaction_score.
    pub satisfaction: Ratio,
}

/// The largest shortlist size (`size`, `--size`, a job's `options.size`).
pub const MAX_SIZE: i64 = 100_000;

/// The names of the four weights, in the order of metrics.md.
pub const WEIGHT_NAMES: [&str; 4] = ["visit", "exit", "request", "satisfaction"];

/// The four weights' names in the committee's Chinese (sensitivity notes).
pub(super) const WEIGHT_NAMES_CN: [&str; 4] = ["家访", "脱困", "诉求", "满意度"];

impl Weights {
    pub(super) fn as_array(&self) -> [Ratio; 4] {
        [self.visit, self.exit, self.request, self.satisfaction]
    }

    pub(super) fn from_array(w: [Ratio; 4]) -> Weights {
        Weights {
            visit: w[0],
            exit: w[1],
            request: w[2],
            satisfaction: w[3],
        }
    }

    /// The weights as numbers, for documents.
    pub fn values(&self) -> WeightValues {
        WeightValues {
            visit: self.visit.to_f64(),
            exit: self.exit.to_f64(),
            request: self.request.to_f64(),
            satisfaction: self.satisfaction.to_f64(),
        }
    }
}

impl Default for Weights {
    /// metrics.md: 0.50, 0.20, 0.15, 0.15.
    fn default() -> Weights {
        Weights {
            visit: Ratio { num: 1, den: 2 },
            exit: Ratio { num: 1, den: 5 },
            request: Ratio { num: 3, den: 20 },
            satisfaction: Ratio { num: 3, den: 20 },
        }
    }
}

/// The weights as plain numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeightValues {
    /// Weight of visit_score.
    pub visit: f64,
    /// Weight of exit_score.
    pub exit: f64,
    /// Weight of request_score.
    pub request: f64,
    /// Weight of satisfaction_score.
    pub satisfaction: f64,
}

/// What a shortlist is drawn with: its size, the city quota and the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Number of nominees (at least 1).
    pub size: usize,
    /// Whether each city with an eligible contact first gets its best one (`min_per_city = 1`).
    pub min_per_city: bool,
    /// The weights of the four component scores.
    pub weights: Weights,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            size: 100,
            min_per_city: true,
            weights: Weights::default(),
        }
    }
}

impl Params {
    /// The parameters of the `[shortlist]` table of the configuration file `file`,
    /// checked: size from 1 to [`MAX_SIZE`], min-per-city 0 or 1, each weight 0 or more
    /// and the four summing to 1 (within 1e-9).
    pub fn from_config(cfg: &ShortlistConfig, file: Option<&Path>) -> Result<Params> {
        let file = file
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the configuration".into());
        let bad =
            |key: &str, what: String| Error::Config(format!("{file}: [shortlist] {key} {what}"));
        let mut p = Params::default();
        if let Some(n) = cfg.size {
            if n < 1 {
                return Err(bad("size", format!("must be at least 1, not {n}")));
            }
            if n > MAX_SIZE {
                return Err(bad("size", format!("must be at most {MAX_SIZE}, not {n}")));
            }
            p.size = usize::try_from(n).map_err(|_| bad("size", format!("is too large ({n})")))?;
        }
        if let Some(m) = cfg.min_per_city {
            p.min_per_city = match m {
                0 => false,
                1 => true,
                _ => return Err(bad("min-per-city", format!("must be 0 or 1, not {m}"))),
            };
        }
        let given = [cfg.visit, cfg.exit, cfg.request, cfg.satisfaction];
        if given.iter().any(Option::is_some) {
            let defaults = [0.50, 0.20, 0.15, 0.15];
            let mut w = [Ratio::ZERO; 4];
            let mut sum = 0.0;
            for (i, (name, v)) in WEIGHT_NAMES.iter().zip(given).enumerate() {
                let v = v.unwrap_or(defaults[i]);
                if !v.is_finite() || v < 0.0 {
                    return Err(bad(name, format!("must be a number of 0 or more, not {v}")));
                }
                sum += v;
                w[i] = Ratio::from_decimal_f64(v)
                    .ok_or_else(|| bad(name, format!("has too many decimals ({v})")))?;
            }
            if (sum - 1.0).abs() > 1e-9 {
                return Err(Error::Config(format!(
                    "{file}: [shortlist] the weights visit, exit, request and satisfaction must sum to 1, not {sum}"
                )));
            }
            p.weights = Weights::from_array(w);
        }
        Ok(p)
    }
}
