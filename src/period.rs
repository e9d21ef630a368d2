//! Reporting periods: half years, quarters, the full year, single months and
//! month ranges such as 1—9月.
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
    /// 前三季度, January to September (`Q1-Q3`): the months of `M01-M09`,
    /// named as releases name them.
    ThreeQuarters,
    /// Any other range of months within a year, first < last (`M01-M05`,
    /// 1—5月). Ranges that have a name parse as the named period.
    Months(u8, u8),
}

/// The spellings `--period` accepts, for error messages and `--help`.
pub const ACCEPTED: &str = "H1, H2, Q1, Q2, Q3, Q4, FY, M01 … M12, a month range such as M01-M09 (1—9月), or Q1-Q3 (前三季度) (case-insensitive), or as releases name them: 上半年, 下半年, 一季度 … 四季度, 前三季度, 全年, 6月, 1—6月";

/// A period as releases name it in Chinese: 上半年, 下半年, 一季度 (第一季度,
/// 1季度) … 四季度, 前三季度, 全年, a month (6月, 06月) or a range of months
/// (1—6月, with an em dash, a hyphen, a tilde or 至 between), as the
/// ranges of [`Period::of_months`] name themselves (1—6月 is H1).
fn chinese(text: &str) -> Option<Period> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let quarter = |t: &str| -> Option<u8> {
        let t = t.strip_prefix('第').unwrap_or(t);
        let n = ["一", "二", "三", "四"]
            .iter()
            .position(|q| *q == t)
            .map(|i| i as u8 + 1);
        n.or_else(|| t.parse().ok().filter(|n| (1..=4).contains(n)))
    };
    let month = |t: &str| -> Option<u8> {
        let n: u8 =
            (t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())??;
        (1..=12).contains(&n).then_some(n)
    };
    match text.as_str() {
        "上半年" => return Some(Period::H1),
        "下半年" => return Some(Period::H2),
        "前三季度" => return Some(Period::ThreeQuarters),
        "全年" | "全年度" => return Some(Period::FullYear),
        _ => {}
    }
    if let Some(q) = text.strip_suffix("季度") {
        return quarter(q).map(Period::Quarter);
    }
    let months = text.strip_suffix('月')?;
    match months.split_once(['—', '–', '－', '-', '~', '～', '至', '到']) {
        Some((a, b)) => {
            let (first, last) = (month(a.strip_suffix('月').unwrap_or(a))?, month(b)?);
            (first < last).then(|| Period::of_months(first, last))
        }
        None => month(months).map(Period::Month),
    }
}

impl Period {
    /// First and last month (1-based, inclusive) of the period.
    pub fn month_range(self) -> (u8, u8) {
        match self {
            Period::H1 => (1, 6),
            Period::H2 => (7, 12),
            Period::Quarter(q) => (3 * q - 2, 3 * q),
            Period::FullYear => (1, 12),
            Period::Month(m) => (m, m),
            Period::ThreeQuarters => (1, 9),
            Period::Months(first, last) => (first, last),
        }
    }

    /// The period of the months `first..=last` (1-based, `first ≤ last`),
    /// under its name where it has one: (1, 6) is [`Period::H1`].
    pub fn of_months(first: u8, last: u8) -> Period {
        match (first, last) {
            (1, 6) => Period::H1,
            (7, 12) => Period::H2,
            (1, 12) => Period::FullYear,
            (f, l) if f == l => Period::Month(f),
            (f, l) if l == f + 2 && l % 3 == 0 => Period::Quarter(l / 3),
            (f, l) => Period::Months(f, l),
        }
    }

    /// 累计 up to `month`: January to `month` of the same year, as its own
    /// period (1—4月 for April).
    pub fn cumulative_to(month: u8) -> Period {
        Period::of_months(1, month)
    }

    /// The earlier period a bulletin compares its growth with
    /// (`docs/methodology.md`, "The earlier period"): for a period from
    /// January, the previous quarter's end when it ends at a quarter's end
    /// (上半年 → 一季度, 1—9月 → 上半年, 全年 → 前三季度), otherwise one
    /// month less (1—5月 → 1—4月); for any other period, the one of the same
    /// length just before it in the same year (二季度 → 一季度, 5月 → 4月).
    /// `None` when there is none (一季度, 1月, 1—2月's earlier is 1月).
    pub fn earlier(self) -> Option<Period> {
        let (first, last) = self.month_range();
        if first == 1 {
            if last == 12 {
                return Some(Period::ThreeQuarters);
            }
            let end = if last % 3 == 0 { last - 3 } else { last - 1 };
            return (end >= 1 && end < last && last > 1).then(|| Period::of_months(1, end));
        }
        let length = last - first + 1;
        (first > length).then(|| Period::of_months(first - length, first - 1))
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
            Period::ThreeQuarters => "Q1-Q3".into(),
            Period::Months(first, last) => format!("M{first:02}-M{last:02}"),
        }
    }

    /// The period of `year` as `summary.csv` and the output folder name
    /// it: `2024-H1`, `2024-M01-M09`.
    pub fn label(self, year: i32) -> String {
        format!("{year}-{}", self.key())
    }

    /// How Chinese releases name the period in prose: 上半年, 一季度, 全年, 5月.
    pub fn prose_label(self) -> String {
        match self {
            Period::H1 => "上半年".into(),
            Period::H2 => "下半年".into(),
            Period::Quarter(q) => format!("{}季度", ["一", "二", "三", "四"][usize::from(q - 1)]),
            Period::FullYear => "全年".into(),
            Period::Month(m) => format!("{m}月"),
            Period::ThreeQuarters => "前三季度".into(),
            Period::Months(..) => self.table_label(),
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
        if let Some(period) = chinese(text) {
            return Ok(period);
        }
        let upper = text.trim().to_ascii_uppercase();
        let err = || ParsePeriodError(text.to_string());
        match upper.as_str() {
            "H1" => Ok(Period::H1),
            "H2" => Ok(Period::H2),
            "FY" => Ok(Period::FullYear),
            "Q1-Q3" => Ok(Period::ThreeQuarters),
            range if range.contains('-') => {
                let month = |t: &str| -> Option<u8> {
                    let digits = t.strip_prefix('M')?;
                    let n: u8 = digits.parse().ok()?;
                    (digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()))
                        .then_some(n)
                        .filter(|n| (1..=12).contains(n))
                };
                let (a, b) = range.split_once('-').ok_or_else(err)?;
                match (month(a), month(b)) {
                    (Some(first), Some(last)) if first < last => Ok(Period::of_months(first, last)),
                    _ => Err(err()),
                }
            }
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
            ("M01-M09", Period::Months(1, 9)),
            ("m03-m05", Period::Months(3, 5)),
            ("Q1-Q3", Period::ThreeQuarters),
            ("上半年", Period::H1),
            ("下半年", Period::H2),
            ("一季度", Period::Quarter(1)),
            ("第四季度", Period::Quarter(4)),
            ("3季度", Period::Quarter(3)),
            ("前三季度", Period::ThreeQuarters),
            ("全年", Period::FullYear),
            ("6月", Period::Month(6)),
            ("06月", Period::Month(6)),
            ("1—6月", Period::H1),
            ("1-5月", Period::Months(1, 5)),
            ("1月—5月", Period::Months(1, 5)),
            ("1～12月", Period::FullYear),
            ("4至6月", Period::Quarter(2)),
            (" 1 — 9 月 ", Period::Months(1, 9)),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Period>(), Ok(want), "{text}");
            assert_eq!(want.key().parse::<Period>(), Ok(want));
        }
    }

    #[test]
    fn rejects_unknown_periods_and_lists_accepted_ones() {
        for text in [
            "",
            "H3",
            "Q0",
            "Q5",
            "M0",
            "M13",
            "M1",
            "M001",
            "2024",
            "半年",
            "Q-1",
            "M05-M05",
            "M06-M01",
            "M01-M13",
            "M1-M9",
            "M01-",
            "-M09",
            "M01-M02-M03",
            "Q1-Q2",
            "13月",
            "0月",
            "6—1月",
            "5—5月",
            "五季度",
            "第0季度",
            "1—6",
            "月",
            "上半",
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
    fn ranges_with_a_name_parse_as_the_named_period() {
        for (text, want) in [
            ("M01-M06", Period::H1),
            ("M07-M12", Period::H2),
            ("M01-M12", Period::FullYear),
            ("M04-M06", Period::Quarter(2)),
            ("M10-M12", Period::Quarter(4)),
        ] {
            assert_eq!(text.parse::<Period>(), Ok(want), "{text}");
        }
        assert_eq!(Period::H1.key(), "H1");
        assert_eq!(Period::Months(1, 9).key(), "M01-M09");
        assert_eq!(Period::Months(1, 9).label(2024), "2024-M01-M09");
        assert_eq!(Period::Months(1, 9).prose_label(), "1—9月");
        assert_eq!(Period::ThreeQuarters.prose_label(), "前三季度");
        assert_eq!(Period::ThreeQuarters.table_label(), "1—9月");
        assert_eq!(Period::Months(3, 5).prose_label(), "3—5月");
        assert_eq!(Period::cumulative_to(4).table_label(), "1—4月");
        assert_eq!(Period::cumulative_to(3), Period::Quarter(1));
    }

    #[test]
    fn earlier_periods() {
        let cases = [
            (Period::H1, Some(Period::Quarter(1))),
            (Period::Months(1, 9), Some(Period::H1)),
            (Period::ThreeQuarters, Some(Period::H1)),
            (Period::FullYear, Some(Period::ThreeQuarters)),
            (Period::Quarter(1), None),
            (Period::Months(1, 5), Some(Period::Months(1, 4))),
            (Period::Months(1, 2), Some(Period::Month(1))),
            (Period::Month(1), None),
            (Period::Quarter(2), Some(Period::Quarter(1))),
            (Period::Quarter(4), Some(Period::Quarter(3))),
            (Period::H2, Some(Period::H1)),
            (Period::Month(5), Some(Period::Month(4))),
            (Period::Months(2, 4), None),
            (Period::Months(4, 5), Some(Period::Months(2, 3))),
        ];
        for (period, want) in cases {
            assert_eq!(period.earlier(), want, "{period}");
        }
        assert_eq!(
            Period::FullYear.earlier().unwrap().prose_label(),
            "前三季度"
        );
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
