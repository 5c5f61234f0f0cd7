//! Exact fractions: the shortlist's scores are computed exactly and rounded to 6
//! decimals, halves away from zero (metrics.md).

use std::fmt;

use crate::error::Error;

/// An exact fraction `num / den` (`den > 0`, in lowest terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub(super) num: i128,
    pub(super) den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The error of an overflow of the exact arithmetic.
pub(super) fn overflow() -> Error {
    Error::Usage(
        "the shortlist's exact arithmetic overflowed: give the weights with fewer decimals".into(),
    )
}

impl Ratio {
    /// The fraction 0/1.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    /// The fraction 1/1.
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den`; `None` when `den` is 0.
    pub fn new(num: i128, den: i128) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let s = if den < 0 { -1 } else { 1 };
        Some(Ratio {
            num: s * num / g,
            den: s * den / g,
        })
    }

    /// The integer `n` as the fraction `n / 1`.
    pub fn int(n: i128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// `self + o`; `None` on overflow.
    pub fn checked_add(self, o: Ratio) -> Option<Ratio> {
        let g = gcd(self.den, o.den).max(1);
        let den = (self.den / g).checked_mul(o.den)?;
        let num = self
            .num
            .checked_mul(o.den / g)?
            .checked_add(o.num.checked_mul(self.den / g)?)?;
        Ratio::new(num, den)
    }

    /// `self - o`; `None` on overflow.
    pub fn checked_sub(self, o: Ratio) -> Option<Ratio> {
        self.checked_add(Ratio {
            num: -o.num,
            den: o.den,
        })
    }

    /// `self × o`; `None` on overflow.
    pub fn checked_mul(self, o: Ratio) -> Option<Ratio> {
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        Ratio::new(
            (self.num / g1).checked_mul(o.num / g2)?,
            (self.den / g2).checked_mul(o.den / g1)?,
        )
    }

    /// `self / o`; `None` when `o` is 0 or on overflow.
    pub fn checked_div(self, o: Ratio) -> Option<Ratio> {
        if o.num == 0 {
            return None;
        }
        self.checked_mul(Ratio {
            num: o.den,
            den: o.num,
        })
    }

    /// Whether the fraction is below 0.
    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    /// The value as the nearest `f64` (inexact).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The value of a finite `f64` as written in its shortest decimal form (0.15 is
    /// 15/100, not the binary fraction nearest to it), as a configuration gives it.
    pub fn from_decimal_f64(x: f64) -> Option<Ratio> {
        if !x.is_finite() {
            return None;
        }
        let s = format!("{x}");
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 30 {
            return None;
        }
        let digits: i128 = format!("{int}{frac}").parse().ok()?;
        let den = 10i128.checked_pow(frac.len() as u32)?;
        Ratio::new(if neg { -digits } else { digits }, den)
    }

    /// Rounded to 6 decimals, halves away from zero, in millionths.
    pub fn micros(self) -> Option<i64> {
        let n = self.num.checked_mul(1_000_000)?;
        let (q, r) = (n.abs() / self.den, n.abs() % self.den);
        let q = if 2 * r >= self.den { q + 1 } else { q };
        i64::try_from(if n < 0 { -q } else { q }).ok()
    }

    /// The plain decimal with at most `places` decimals (halves to even), trailing
    /// zeros stripped, never an exponent.
    pub fn decimal(self, places: u32) -> String {
        let scale = 10i128.pow(places);
        let n = self.num.abs().saturating_mul(scale);
        let (mut q, r) = (n / self.den, n % self.den);
        if 2 * r > self.den || (2 * r == self.den && q % 2 == 1) {
            q += 1;
        }
        let sign = if self.num < 0 && q != 0 { "-" } else { "" };
        fixed(sign, q, scale, places)
    }
}

/// `sign` and `q / scale` (`scale = 10^places`) as a plain decimal, trailing zeros
/// stripped.
fn fixed(sign: &str, q: i128, scale: i128, places: u32) -> String {
    let (int, frac) = (q / scale, q % scale);
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:0width$}", width = places as usize);
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

/// A score in millionths as a plain decimal (`61.25`, `86.666667`).
pub fn micros_text(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    fixed(sign, (m as i128).abs(), 1_000_000, 6)
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decimal(12))
    }
}
