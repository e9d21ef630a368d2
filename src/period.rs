//! Reporting periods: half years, quarters, the full year and single months.
//!
//! A [`Period`] is a span of calendar months inside one year. Together with a
//! year it names the months a bulletin covers and, one year earlier, the months
//! its growth rates are compared against.

use std::fmt;
use std::str::FromStr;

/// A reporting period within a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// First half year, January to June.
    H1,
    /// Second half year, July to December.
    H2,
    /// A quarter, 1 to 4.
    Quarter(u8),
    /// The full year.
    FullYear,
    /// A single month, 1 to 12.
    Month(u8),
}

/// The spellings `--period` accepts, for error messages and `--help`.
pub const ACCEPTED: &str = "H1, H2, Q1, Q2, Q3, Q4, FY, M01 … M12 (case-insensitive)";

impl Period {
    /// First and last month (1-based, inclusive) of the period.
    pub fn month_range(self) -> (u8, u8) {
        match self {
            Period::H1 => (1, 6),
            Period::H2 => (7, 12),
            Period::Quarter(q) => (3 * q - 2, 3 * q),
            Period::FullYear => (1, 12),
            Period::Month(m) => (m, m),
        }
    }

    /// The months of the period in `year`, as `YYYY-MM` strings.
    pub fn months(self, year: i32) -> Vec<String> {
        let (first, last) = self.month_range();
        (first..=last).map(|m| month_key(year, m)).collect()
    }

    /// Short key used in file names and the summary: `H1`, `Q3`, `FY`, `M05`.
    pub fn key(self) -> String {
        match self {
            Period::H1 => "H1".into(),
            Period::H2 => "H2".into(),
            Period::Quarter(q) => format!("Q{q}"),
            Period::FullYear => "FY".into(),
            Period::Month(m) => format!("M{m:02}"),
        }
    }

    /// How Chinese releases name the period in prose: 上半年, 一季度, 全年, 5月.
    pub fn prose_label(self) -> String {
        match self {
            Period::H1 => "上半年".into(),
            Period::H2 => "下半年".into(),
            Period::Quarter(q) => format!("{}季度", ["一", "二", "三", "四"][usize::from(q - 1)]),
            Period::FullYear => "全年".into(),
            Period::Month(m) => format!("{m}月"),
        }
    }

    /// How tables name the period: the cumulative span with an em dash, such as
    /// `1—6月`, or `5月` for a single month.
    pub fn table_label(self) -> String {
        let (first, last) = self.month_range();
        if first == last {
            format!("{first}月")
        } else {
            format!("{first}—{last}月")
        }
    }
}

/// Formats a month as `YYYY-MM`.
pub fn month_key(year: i32, month: u8) -> String {
    format!("{year:04}-{month:02}")
}

/// Parses a `YYYY-MM` month. Returns `None` for anything else, including
/// months outside 01–12 and other separators such as `2024/06`.
pub fn parse_month(text: &str) -> Option<(i32, u8)> {
    let &[y0, y1, y2, y3, b'-', m0, m1] = text.as_bytes() else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let [y0, y1, y2, y3, m0, m1] = digits.map(|d| d - b'0');
    let year = i32::from(y0) * 1000 + i32::from(y1) * 100 + i32::from(y2) * 10 + i32::from(y3);
    let month = m0 * 10 + m1;
    (1..=12).contains(&month).then_some((year, month))
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// The error for a `--period` value that is not one of [`ACCEPTED`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsePeriodError(pub String);

impl fmt::Display for ParsePeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown period `{}`; expected one of {ACCEPTED}", self.0)
    }
}

impl std::error::Error for ParsePeriodError {}

impl FromStr for Period {
    type Err = ParsePeriodError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let upper = text.trim().to_ascii_uppercase();
        let err = || ParsePeriodError(text.to_string());
        match upper.as_str() {
            "H1" => Ok(Period::H1),
            "H2" => Ok(Period::H2),
            "FY" => Ok(Period::FullYear),
            _ => {
                let (kind, number) = upper.split_at_checked(1).ok_or_else(err)?;
                if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err());
                }
                let n: u8 = number.parse().map_err(|_| err())?;
                match kind {
                    "Q" if (1..=4).contains(&n) && number.len() == 1 => Ok(Period::Quarter(n)),
                    "M" if (1..=12).contains(&n) && number.len() == 2 => Ok(Period::Month(n)),
                    _ => Err(err()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_accepted_spelling_case_insensitively() {
        let cases = [
            ("H1", Period::H1),
            ("h2", Period::H2),
            ("q1", Period::Quarter(1)),
            ("Q4", Period::Quarter(4)),
            ("fy", Period::FullYear),
            ("M01", Period::Month(1)),
            ("m12", Period::Month(12)),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Period>(), Ok(want), "{text}");
            assert_eq!(want.key().parse::<Period>(), Ok(want));
        }
    }

    #[test]
    fn rejects_unknown_periods_and_lists_accepted_ones() {
        for text in [
            "", "H3", "Q0", "Q5", "M0", "M13", "M1", "M001", "2024", "半年", "Q-1",
        ] {
            let err = text.parse::<Period>().unwrap_err();
            assert!(err.to_string().contains("H1, H2, Q1"), "{err}");
        }
    }

    #[test]
    fn months_and_labels() {
        assert_eq!(Period::H1.months(2024).first().unwrap(), "2024-01");
        assert_eq!(Period::H1.months(2024).last().unwrap(), "2024-06");
        assert_eq!(
            Period::Quarter(3).months(2024),
            ["2024-07", "2024-08", "2024-09"]
        );
        assert_eq!(Period::Month(5).months(2023), ["2023-05"]);
        assert_eq!(Period::FullYear.months(2024).len(), 12);
        assert_eq!(Period::H1.table_label(), "1—6月");
        assert_eq!(Period::Quarter(1).prose_label(), "一季度");
        assert_eq!(Period::Month(5).table_label(), "5月");
    }

    #[test]
    fn month_parsing_is_strict() {
        assert_eq!(parse_month("2024-06"), Some((2024, 6)));
        for bad in [
            "2024-13",
            "2024-00",
            "2024/06",
            "2024-6",
            "24-06",
            "２０２４-06",
            "2024-06 ",
        ] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }
}
