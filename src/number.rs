//! Exact figures and the one rounding rule for print.
//!
//! Every flow is summed exactly in whole fen (`aggregate`), so a growth rate,
//! a share, a 贡献率 or a 拉动 is an exact fraction of integers. A
//! [`Rational`] keeps that fraction, so that print rounds the exact value 四舍五入
//! (half away from zero: 2.25 → 2.3, −1.25 → −1.3) and never its nearest
//! double (2.25 % computed in floating point may land on 2.2499999…).
//! `docs/methodology.md`, "Rounding", states the rule.
//!
//! A figure that is not a fraction of sums (a two-year average, a
//! catalogue indicator's mean) is taken at the decimal its double reads as
//! (the shortest one that reads back as the same `f64`), which is what a
//! statistician sees in `summary.csv`.

use std::cmp::Ordering;
use std::fmt;

use serde::{Serialize, Serializer};

/// An exact fraction `num / den` with `den > 0`, in lowest terms.
///
/// Serialised as the nearest `f64` (`summary.json` and `summary.csv` hold
/// the unrounded number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rational {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    /// Zero.
    pub const ZERO: Rational = Rational { num: 0, den: 1 };

    /// `num / den`; `None` when `den` is zero (a rate on a zero base).
    pub fn new(num: i128, den: i128) -> Option<Rational> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let sign = if den < 0 { -1 } else { 1 };
        Some(Rational {
            num: sign * num / g,
            den: sign * den / g,
        })
    }

    /// A whole number.
    pub fn integer(n: i128) -> Rational {
        Rational { num: n, den: 1 }
    }

    /// `100 · part / whole`, the percentage of two exact sums; `None` on a
    /// zero `whole`.
    pub fn percent(part: i128, whole: i128) -> Option<Rational> {
        Rational::new(part.checked_mul(100)?, whole)
    }

    /// The decimal a double reads as: the shortest decimal that parses back
    /// as `x` (`1.15` → 115/100). `None` for NaN and infinities.
    pub fn from_f64(x: f64) -> Option<Rational> {
        if !x.is_finite() {
            return None;
        }
        let text = format!("{x}");
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let scale = 10i128.checked_pow(fraction.len() as u32);
        let parsed = format!("{whole}{fraction}").parse::<i128>().ok();
        match (parsed, scale) {
            (Some(n), Some(scale)) => Rational::new(if negative { -n } else { n }, scale),
            // Beyond 38 digits: no figure of a bulletin is, but stay defined.
            _ => Some(Rational::integer(x.round() as i128)),
        }
    }

    /// The nearest double (to within an ulp for fractions whose terms
    /// exceed 2⁵³).
    pub fn to_f64(self) -> f64 {
        const EXACT: i128 = 1 << 53;
        if self.num.abs() <= EXACT && self.den <= EXACT {
            // Both exact as doubles: IEEE division rounds correctly.
            return self.num as f64 / self.den as f64;
        }
        // Twenty significant digits, then the decimal parser rounds.
        let whole = self.num / self.den;
        let mut rest = (self.num % self.den).abs();
        let mut text = format!("{}{}.", if self.num < 0 { "-" } else { "" }, whole.abs());
        for _ in 0..24 {
            rest *= 10;
            text.push(char::from(b'0' + (rest / self.den) as u8));
            rest %= self.den;
        }
        text.parse().unwrap_or(f64::NAN)
    }

    /// −1, 0 or 1.
    pub fn signum(self) -> i32 {
        self.num.signum() as i32
    }

    /// The absolute value.
    pub fn abs(self) -> Rational {
        Rational {
            num: self.num.abs(),
            den: self.den,
        }
    }

    /// `self + other`, exact; on an overflow of 128 bits (terms beyond any
    /// bulletin's), the sum of the doubles.
    fn plus(self, other: Rational) -> Rational {
        let g = gcd(self.den, other.den);
        let exact = (|| {
            let num = self
                .num
                .checked_mul(other.den / g)?
                .checked_add(other.num.checked_mul(self.den / g)?)?;
            Rational::new(num, self.den.checked_mul(other.den / g)?)
        })();
        exact.unwrap_or_else(|| Rational::approx(self.to_f64() + other.to_f64()))
    }

    /// `self / other`; `None` when `other` is zero.
    pub fn checked_div(self, other: Rational) -> Option<Rational> {
        if other.num == 0 {
            return None;
        }
        let exact = (|| {
            let (g1, g2) = (
                gcd(self.num, other.num).max(1),
                gcd(self.den, other.den).max(1),
            );
            Rational::new(
                (self.num / g1).checked_mul(other.den / g2)?,
                (self.den / g2).checked_mul(other.num / g1)?,
            )
        })();
        Some(exact.unwrap_or_else(|| Rational::approx(self.to_f64() / other.to_f64())))
    }

    /// `self · n` for a whole `n` (see [`Rational::add`] on overflow).
    pub fn mul_int(self, n: i128) -> Rational {
        let g = gcd(self.den, n).max(1);
        match self.num.checked_mul(n / g) {
            Some(num) => Rational::new(num, self.den / g).expect("a positive denominator"),
            None => Rational::approx(self.to_f64() * n as f64),
        }
    }

    /// `self / n` for a whole `n`; `None` when `n` is zero.
    pub fn div_int(self, n: i128) -> Option<Rational> {
        match self.den.checked_mul(n) {
            Some(den) => Rational::new(self.num, den),
            None if n != 0 => Some(Rational::approx(self.to_f64() / n as f64)),
            None => None,
        }
    }

    fn approx(x: f64) -> Rational {
        Rational::from_f64(x).unwrap_or(Rational::ZERO)
    }

    /// Rounded to `decimals` places, half away from zero, on the exact value.
    pub fn round(self, decimals: u32) -> Rounded {
        let scale = 10i128.pow(decimals);
        let scaled = match self.num.checked_mul(scale) {
            Some(scaled) => {
                let (q, r) = (scaled / self.den, scaled % self.den);
                if 2 * r.abs() >= self.den {
                    q + scaled.signum()
                } else {
                    q
                }
            }
            None => (self.to_f64() * scale as f64).round() as i128,
        };
        Rounded { scaled, decimals }
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Rational) -> Ordering {
        // Denominators are positive, so cross-multiplying keeps the order.
        match (
            self.num.checked_mul(other.den),
            other.num.checked_mul(self.den),
        ) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Rational) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::ops::Add for Rational {
    type Output = Rational;

    /// Exact (see [`Rational::plus`]).
    fn add(self, other: Rational) -> Rational {
        self.plus(other)
    }
}

impl std::ops::Neg for Rational {
    type Output = Rational;

    fn neg(self) -> Rational {
        Rational {
            num: -self.num,
            den: self.den,
        }
    }
}

impl std::ops::Sub for Rational {
    type Output = Rational;

    fn sub(self, other: Rational) -> Rational {
        self.plus(-other)
    }
}

impl std::iter::Sum for Rational {
    fn sum<I: Iterator<Item = Rational>>(iter: I) -> Rational {
        iter.fold(Rational::ZERO, |a, b| a + b)
    }
}

/// A fraction equals a double when it is the decimal the double reads as
/// (`580` == `580.0`), so tests and checks can name figures as numbers.
impl PartialEq<f64> for Rational {
    fn eq(&self, other: &f64) -> bool {
        Rational::from_f64(*other) == Some(*self)
    }
}

impl From<Rational> for f64 {
    fn from(r: Rational) -> f64 {
        r.to_f64()
    }
}

impl fmt::Display for Rational {
    /// The nearest double's shortest decimal, as `summary.csv` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_f64())
    }
}

impl Serialize for Rational {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

/// A value as printed: a whole number of `10^-decimals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rounded {
    scaled: i128,
    decimals: u32,
}

impl Rounded {
    /// The printed value is zero (`0.0`, never `-0.0`).
    pub fn is_zero(self) -> bool {
        self.scaled == 0
    }

    /// −1, 0 or 1 of the printed value.
    pub fn signum(self) -> i32 {
        self.scaled.signum() as i32
    }

    /// The printed value without its sign.
    pub fn abs(self) -> Rounded {
        Rounded {
            scaled: self.scaled.abs(),
            ..self
        }
    }

    /// The difference of two printed values at the same precision: what a
    /// reader computes from the two numbers on the page.
    pub fn minus(self, other: Rounded) -> Rounded {
        debug_assert_eq!(self.decimals, other.decimals);
        Rounded {
            scaled: self.scaled - other.scaled,
            ..self
        }
    }

    /// The printed value as a double (for drawing charts).
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Rounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.scaled < 0 { "-" } else { "" };
        let digits = self.scaled.unsigned_abs();
        if self.decimals == 0 {
            return write!(f, "{sign}{digits}");
        }
        let scale = 10u128.pow(self.decimals);
        write!(
            f,
            "{sign}{}.{:0width$}",
            digits / scale,
            digits % scale,
            width = self.decimals as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(x: f64) -> Rational {
        Rational::from_f64(x).unwrap()
    }

    #[test]
    fn ties_round_half_away_from_zero_on_the_exact_value() {
        for (x, want) in [
            (2.25, "2.3"),
            (-1.25, "-1.3"),
            (0.05, "0.1"),
            (-0.05, "-0.1"),
            (1.15, "1.2"),
            (2.35, "2.4"),
            (2.249, "2.2"),
            (-0.04, "0.0"),
            (0.0, "0.0"),
            (339.25, "339.3"),
        ] {
            assert_eq!(q(x).round(1).to_string(), want, "{x}");
        }
        // 9/400 = 2.25 % exactly: a growth of 9 fen on a base of 400.
        let rate = Rational::percent(9, 400).unwrap();
        assert_eq!(rate.round(1).to_string(), "2.3");
        // Just below the tie stays below, however close.
        let below = Rational::new(225 * 1_000_000_000_000 - 1, 100 * 1_000_000_000_000).unwrap();
        assert_eq!(below.round(1).to_string(), "2.2");
        assert_eq!(q(-7.0).round(0).to_string(), "-7");
        assert_eq!(q(1.005).round(2).to_string(), "1.01");
    }

    #[test]
    fn fractions_reduce_compare_and_convert() {
        assert_eq!(Rational::new(2, -4), Rational::new(-1, 2));
        assert_eq!(Rational::new(1, 0), None);
        assert_eq!(Rational::percent(1, 3).unwrap().to_f64(), 100.0 / 3.0);
        assert!(q(2.25) > q(2.2499999));
        assert_eq!(q(0.1) + q(0.2), q(0.3));
        assert_eq!(q(0.3) - q(0.1), q(0.2));
        assert_eq!([q(0.1), q(0.2), q(-0.3)].into_iter().sum::<Rational>(), 0.0);
        assert_eq!(q(1.5).checked_div(q(-0.5)), Some(q(-3.0)));
        assert_eq!(q(1.5).checked_div(Rational::ZERO), None);
        assert_eq!(q(0.025).mul_int(100), q(2.5));
        assert_eq!(q(1.0).div_int(3).unwrap().to_f64(), 1.0 / 3.0);
        let big = Rational::new(123_456_789_012_345_678_901, 7_000_000_000_000_000_003).unwrap();
        assert!((big.to_f64() - 17.636_684_144_620_8).abs() < 1e-12);
        assert_eq!(q(-3.5).abs(), q(3.5));
        assert_eq!(Rational::from_f64(f64::NAN), None);
        assert_eq!(serde_json::to_string(&q(2.5)).unwrap(), "2.5");
    }

    #[test]
    fn printed_values() {
        let a = q(4.25).round(1);
        let b = q(3.64).round(1);
        assert_eq!(a.minus(b).to_string(), "0.7");
        assert_eq!(b.minus(a).abs().to_string(), "0.7");
        assert!(q(-0.04).round(1).is_zero());
        assert_eq!(q(-0.06).round(1).signum(), -1);
        assert_eq!(q(12.0).round(2).to_string(), "12.00");
        assert_eq!(q(-2.5).round(1).to_f64(), -2.5);
    }
}
