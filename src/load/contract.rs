//! The data contract, declared once: each input table's columns, which of
//! them a file must have, and what each field must hold. The CSV readers
//! check records against it and the Parquet reader builds its Polars rules
//! from it; every message about a field takes its words from
//! [`Kind::check`] and [`Kind::unlisted`], so a rule reads the same whether
//! the careful reader, the fast path's fallback or Parquet finds it broken.
//!
//! What needs more than one field (one row per enterprise and month, codes
//! listed twice, the prefecture as the one root) stays with each file's
//! reader, which names the columns declared here.

use super::{
    AIR_QUALITY_FILE, Aggregation, CATALOG_FILE, INDICATORS_FILE, INDUSTRIES_FILE, INDUSTRY_FILE,
    INDUSTRY_GROUPS_FILE, PRICE_INDEX_FILE, REGIONS_FILE, date_exists, finite,
};
use crate::period::parse_month;

/// What a field must hold. Fields are trimmed before they are checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// A month, `YYYY-MM`.
    Month,
    /// A day that exists, `YYYY-MM-DD`.
    Date,
    /// Non-empty text; the words say what it is.
    Text(&'static str),
    /// A key of a-z, 0-9 and `_`; the words give an example key.
    Key(&'static str),
    /// A six-digit GB/T 2260 region code.
    RegionCode,
    /// A two-digit GB/T 4754 division code.
    DivisionCode,
    /// A code that another file lists ([`List`]), looked up by the reader.
    Listed(List),
    /// A finite number, at least [`Bound`] when one is given; the words say
    /// what it is.
    Number(&'static str, Option<Bound>),
    /// A whole number of decimals, 0 to 4.
    Decimals,
    /// How months combine: `sum`, `mean` or `last`.
    Aggregation,
    /// Anything, empty too.
    Free,
}

/// The message for an enterprise's second row for a month, `at` naming
/// both places (`lines 2 and 3`, Parquet's `rows 2 and 3`). An identifier
/// in a spreadsheet's scientific notation (`9.12224E+17`) is named as one:
/// the spreadsheet read the 统一社会信用代码 as a number and kept six
/// digits, so every enterprise of a county reads as one.
pub(super) fn two_rows(id: &str, month: &str, at: &str) -> String {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let number = id
        .split_once(['E', 'e'])
        .is_some_and(|(mantissa, exponent)| {
            let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
            digits(whole)
                && digits(fraction)
                && digits(exponent.strip_prefix('+').unwrap_or(exponent))
        });
    let note = if number {
        ": the identifier is a number as a spreadsheet writes it, its digits lost; save the column as text"
    } else {
        ""
    };
    format!("enterprise {id} has two rows for {month} ({at}){note}")
}

/// The GB/T 4754 division an enterprise's 行业代码 names: a division's two
/// digits as they are, and a 中类 or 小类 (three or four digits, `1311`,
/// after its section's letter or not, `C1311`, `C13`) as the two digits it
/// starts with, which are its division by the standard's construction, as
/// a bureau's export carries the class. Any other text as it is.
pub(super) fn division_of(code: &str) -> &str {
    let digits = code
        .strip_prefix(|c: char| c.is_ascii_uppercase())
        .unwrap_or(code);
    if (2..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        &digits[..2]
    } else {
        code
    }
}

/// The county-level unit an enterprise's 行政区划代码 names: its six digits
/// as they are, and a 统计用区划代码 of a township (9 digits) or a village
/// (12, `222401100001`) as the six it starts with, which are its county's
/// GB/T 2260 code by construction. Any other text as it is.
pub(super) fn county_of(code: &str) -> &str {
    if matches!(code.len(), 9 | 12) && code.bytes().all(|b| b.is_ascii_digit()) {
        &code[..6]
    } else {
        code
    }
}

/// The message for a spreadsheet's total row (合计, 总计, 小计 in any of
/// its fields, spaces and a trailing colon aside), which is no row of the
/// table; `None` for any other row.
pub(super) fn total_row<'a>(fields: impl IntoIterator<Item = &'a str>) -> Option<String> {
    fields.into_iter().find_map(|field| {
        // (Every marker ends in 计: no other field is copied.)
        if !field.contains('计') {
            return None;
        }
        let word: String = field.chars().filter(|c| !c.is_whitespace()).collect();
        let word = word.trim_end_matches([':', '：']);
        matches!(word, "合计" | "总计" | "小计" | "总合计" | "全部合计").then(|| {
            format!("a total row ({word}), not a row of the table: delete it (review adds the rows up itself)")
        })
    })
}

/// The codes a [`Kind::Listed`] field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum List {
    /// The county-level units of `regions.csv`.
    Counties,
    /// The prefecture or a county-level unit of `regions.csv`.
    Regions,
    /// The divisions of `industries.csv`.
    Divisions,
    /// `all` or a division of `industries.csv`.
    DivisionsOrAll,
    /// The indicators of `indicator_catalog.csv`.
    Indicators,
}

impl List {
    /// The words every message uses for the list.
    fn words(self) -> &'static str {
        match self {
            List::Counties => "a county-level code from regions.csv",
            List::Regions => "a code from regions.csv",
            List::Divisions => "a division code from industries.csv",
            List::DivisionsOrAll => "`all` or a division from industries.csv",
            List::Indicators => "an indicator listed in indicator_catalog.csv",
        }
    }
}

/// The least a number may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Bound {
    /// Zero or more.
    Zero,
    /// More than zero.
    Positive,
}

/// A field that holds what its [`Kind`] asks for, parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Checked<'a> {
    /// [`Kind::Month`]: (year, month).
    Month(i32, u8),
    /// [`Kind::Date`]: `year * 10000 + month * 100 + day`.
    Day(i32),
    /// [`Kind::Number`].
    Number(f64),
    /// [`Kind::Decimals`].
    Decimals(u8),
    /// [`Kind::Aggregation`].
    Aggregation(Aggregation),
    /// Every other kind: the trimmed text.
    Text(&'a str),
}

impl Kind {
    /// What the field must hold, in the words every message uses.
    pub(super) fn expected(self) -> String {
        match self {
            Kind::Month => "a month as YYYY-MM, such as 2024-06".into(),
            Kind::Date => "a date as YYYY-MM-DD, such as 2024-06-30".into(),
            Kind::Text(what) | Kind::Number(what, _) => what.into(),
            Kind::Listed(list) => list.words().into(),
            Kind::Key(example) => format!("a key of a-z, 0-9 and _, such as {example}"),
            Kind::RegionCode => "a six-digit GB/T 2260 code".into(),
            Kind::DivisionCode => "a two-digit GB/T 4754 division".into(),
            Kind::Decimals => "a whole number from 0 to 4".into(),
            Kind::Aggregation => "sum, mean or last".into(),
            Kind::Free => "any text".into(),
        }
    }

    /// Checks a trimmed field. The message on failure says what was found
    /// and what was expected. A [`Kind::Listed`] field is checked for its
    /// form only (not empty); whether the code is listed is the reader's
    /// look-up ([`Kind::unlisted`]).
    pub(super) fn check(self, raw: &str) -> Result<Checked<'_>, String> {
        let found = || self.found(raw, Some(self));
        let ok = match self {
            Kind::Month => parse_month(raw).map(|(y, m)| Checked::Month(y, m)),
            Kind::Date => day(raw).map(Checked::Day),
            Kind::Text(_) | Kind::Listed(_) if raw.is_empty() => {
                return Err(format!("empty; expected {}", self.expected()));
            }
            Kind::Key(_) => (!raw.is_empty()
                && raw
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
            .then_some(Checked::Text(raw)),
            Kind::RegionCode => digits(raw, 6).then_some(Checked::Text(raw)),
            Kind::DivisionCode => digits(raw, 2).then_some(Checked::Text(raw)),
            Kind::Number(what, _) => {
                let value = finite(raw).ok_or_else(found)?;
                return self
                    .number(raw)
                    .map(Checked::Number)
                    .ok_or_else(|| format!("found {value}; expected {what}"));
            }
            Kind::Decimals => raw
                .parse::<u8>()
                .ok()
                .filter(|&d| d <= 4)
                .map(Checked::Decimals),
            Kind::Aggregation => match raw {
                "sum" => Some(Aggregation::Sum),
                "mean" => Some(Aggregation::Mean),
                "last" => Some(Aggregation::Last),
                _ => None,
            }
            .map(Checked::Aggregation),
            Kind::Text(_) | Kind::Listed(_) | Kind::Free => Some(Checked::Text(raw)),
        };
        ok.ok_or_else(found)
    }

    /// What a field a spreadsheet wrote in its own form (a date cell saved
    /// as `2024/6/1` or `2024年6月`, a number with thousands separators)
    /// means in the contract's form, for the message to name: `None` when
    /// the field is not one of those forms. Only failures call it.
    fn spreadsheet_form(self, raw: &str) -> Option<String> {
        match self {
            Kind::Month | Kind::Date => {
                let parts: Vec<&str> = raw
                    .split(['/', '-', '.', '年', '月', '日'])
                    .filter(|p| !p.is_empty())
                    .collect();
                let number = |p: &str| {
                    (!p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| p.parse::<u8>().ok())
                        .flatten()
                };
                let (year, rest) = parts.split_first()?;
                if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let month = number(rest.first()?).filter(|m| (1..=12).contains(m))?;
                match (self, rest) {
                    (Kind::Month, [_] | [_, _]) => Some(format!("{year}-{month:02}")),
                    (Kind::Date, [_, day]) => {
                        let day = number(day)?;
                        date_exists(year.parse().ok()?, month, day)
                            .then(|| format!("{year}-{month:02}-{day:02}"))
                    }
                    _ => None,
                }
            }
            Kind::RegionCode | Kind::DivisionCode => {
                // 222401.0 for 222401; 6 for division 06 (the zero dropped).
                let digits = raw.strip_suffix(".0").unwrap_or(raw);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let fixed = match (self, digits.len()) {
                    (Kind::DivisionCode, 1) => format!("0{digits}"),
                    (Kind::DivisionCode, 2) | (Kind::RegionCode, 6) => digits.to_string(),
                    // A 统计用区划代码 of 9 or 12 digits (222401000000): its
                    // county's six, as the enterprise file's are read.
                    (Kind::RegionCode, _) if county_of(digits) != digits => {
                        return Some(format!(
                            "{} (a 统计用区划代码's first six digits)",
                            county_of(digits)
                        ));
                    }
                    _ => return None,
                };
                (fixed != raw).then(|| format!("{fixed} (a code is text)"))
            }
            Kind::Number(..) => {
                // 1,234.5: groups of three after the first, before any point.
                let whole = raw.split('.').next()?;
                let groups: Vec<&str> = whole.trim_start_matches('-').split(',').collect();
                let grouped = groups.len() > 1
                    && (1..=3).contains(&groups[0].len())
                    && groups[1..].iter().all(|g| g.len() == 3);
                let plain = raw.replace(',', "");
                (grouped && self.number(&plain).is_some())
                    .then(|| format!("{plain} (no thousands separators)"))
            }
            _ => None,
        }
    }

    /// A [`Kind::Number`] field's value when it holds what the kind asks
    /// for (the fast path's check; [`Kind::check`] words the failure).
    #[inline]
    pub(super) fn number(self, raw: &str) -> Option<f64> {
        let Kind::Number(_, bound) = self else {
            return None;
        };
        finite(raw).filter(|&v| match bound {
            None => true,
            Some(Bound::Zero) => v >= 0.0,
            Some(Bound::Positive) => v > 0.0,
        })
    }

    /// The message for a field of the right form whose code the list it
    /// names does not hold.
    pub(super) fn unlisted(self, raw: &str) -> String {
        // A listed code a spreadsheet wrote as a number reads as its form.
        // (Not a 统计用区划代码 of 9 or 12 digits: it was read as its
        // county's six already, which no list holds.)
        let form = match self {
            Kind::Listed(List::Divisions | List::DivisionsOrAll) => Some(Kind::DivisionCode),
            Kind::Listed(List::Counties | List::Regions) if county_of(raw) == raw => {
                Some(Kind::RegionCode)
            }
            _ => None,
        };
        self.found(raw, form)
    }

    /// found `raw`; expected …, and what it means in the contract's form
    /// when `form` reads it as a spreadsheet's ([`Kind::spreadsheet_form`]).
    fn found(self, raw: &str, form: Option<Kind>) -> String {
        let mut message = format!("found `{raw}`; expected {}", self.expected());
        if let Some(fix) = form.and_then(|kind| kind.spreadsheet_form(raw)) {
            message.push_str(&format!(": write {fix}"));
        }
        message
    }
}

/// `YYYY-MM-DD` of a day that exists, as `year * 10000 + month * 100 + day`.
fn day(raw: &str) -> Option<i32> {
    let (year, month) = parse_month(raw.get(..7)?)?;
    let day = raw.get(8..).filter(|d| d.len() == 2)?.parse::<u8>().ok()?;
    (raw.as_bytes()[7] == b'-' && date_exists(year, month, day))
        .then(|| year * 10_000 + i32::from(month) * 100 + i32::from(day))
}

fn digits(raw: &str, n: usize) -> bool {
    raw.len() == n && raw.bytes().all(|b| b.is_ascii_digit())
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    /// The header's name.
    pub name: &'static str,
    /// What its fields hold.
    pub kind: Kind,
    /// Whether every file of the table must have it.
    pub required: bool,
    /// The names statistical report forms and their spreadsheet exports
    /// give it (月份, 统一社会信用代码, 工业总产值（当年价格）…), which a header
    /// may use instead ([`Table::header_name`]).
    pub aliases: &'static [&'static str],
}

const fn required(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        required: true,
        aliases: &[],
    }
}

const fn optional(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        required: false,
        aliases: &[],
    }
}

impl Column {
    /// The column, known in headers by `aliases` too.
    const fn aka(self, aliases: &'static [&'static str]) -> Column {
        Column { aliases, ..self }
    }
}

/// Units an amount's header may carry, and what turns them into 万元.
const UNITS: [(&str, &str); 3] = [
    ("元", "divide by 10000"),
    ("千元", "divide by 10"),
    ("亿元", "multiply by 10000"),
];

/// One input table: its file and columns.
#[derive(Debug)]
pub(super) struct Table {
    /// The file's name in the data folder.
    pub file: &'static str,
    /// Its columns, required ones in the contract's order.
    pub columns: &'static [Column],
}

impl Table {
    /// The column named `name`.
    ///
    /// # Panics
    /// When the contract does not declare it: a reader asking for a column
    /// the contract lacks is a bug, caught by the tests of that reader.
    pub(super) fn column(&self, name: &str) -> &Column {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{} declares no column `{name}`", self.file))
    }

    /// The column a header field names: its own name, or one of its
    /// aliases, spaces aside, in either width of brackets, with or without
    /// a unit of 万元 after it (`工业总产值（万元）`); `None` for a header
    /// the contract does not know. `Err` for an amount of 万元 named in
    /// another unit (`工业总产值（千元）`), whose figures would be read ten
    /// or ten thousand times off.
    pub(super) fn header_name(
        &self,
        field: &str,
    ) -> Option<std::result::Result<&'static str, (&'static str, String)>> {
        let field = field.trim();
        if let Some(c) = self.columns.iter().find(|c| c.name == field) {
            return Some(Ok(c.name));
        }
        let text: String = field
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                c => c,
            })
            .collect();
        let named = |text: &str| self.columns.iter().find(|c| c.aliases.contains(&text));
        if let Some(c) = named(&text) {
            return Some(Ok(c.name));
        }
        let (base, unit) = text.strip_suffix('）')?.rsplit_once('（')?;
        let column = named(base)?;
        let amount = matches!(column.kind, Kind::Number(what, _) if what.contains("万元"));
        if unit == "万元" || !amount {
            return Some(Ok(column.name));
        }
        let (_, fix) = UNITS.iter().find(|(u, _)| *u == unit)?;
        Some(Err((
            column.name,
            format!(
                "column `{field}` is in {unit}; `{}` is in 万元: convert it ({fix}) and name it `{}`",
                column.name, column.name
            ),
        )))
    }

    /// The required columns' names, in order.
    pub(super) fn required(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().filter(|c| c.required).map(|c| c.name)
    }

    /// The names of the `N` columns that are `required` (or, with `false`,
    /// optional), in order, as an array for constants.
    pub(super) const fn names<const N: usize>(&self, required: bool) -> [&'static str; N] {
        let mut names = [""; N];
        let (mut i, mut n) = (0, 0);
        while i < self.columns.len() {
            if self.columns[i].required == required {
                names[n] = self.columns[i].name;
                n += 1;
            }
            i += 1;
        }
        assert!(n == N, "the count of columns");
        names
    }
}

/// A county-level code, looked up in `regions.csv`.
const COUNTY: Kind = Kind::Listed(List::Counties);
/// An amount in 万元 that cannot be negative (output, sales, exports).
const FLOW: Kind = Kind::Number("a number of 万元, zero or more", Some(Bound::Zero));

/// `industry_monthly.csv` (or `.parquet`): one row per enterprise and month.
pub(super) const ENTERPRISES: Table = Table {
    file: INDUSTRY_FILE,
    columns: &[
        required("month", Kind::Month).aka(&["月份", "报告期", "统计月份"]),
        required("enterprise_id", Kind::Text("the enterprise's identifier")).aka(&[
            "统一社会信用代码",
            "企业代码",
            "单位代码",
            "组织机构代码",
        ]),
        required("enterprise_name", Kind::Free).aka(&["单位详细名称", "单位名称", "企业名称"]),
        required("region_code", COUNTY).aka(&["行政区划代码", "区划代码", "县（市、区）代码"]),
        required("industry_code", Kind::Listed(List::Divisions)).aka(&[
            "行业代码",
            "行业大类代码",
            "国民经济行业代码",
        ]),
        required("output_value", FLOW).aka(&[
            "工业总产值",
            "工业总产值（当年价格）",
            "工业总产值（现价）",
        ]),
        required("value_added", Kind::Number("a number of 万元", None))
            .aka(&["工业增加值", "工业增加值（现价）"]),
        optional("sales_value", FLOW).aka(&["工业销售产值", "工业销售产值（当年价格）"]),
        optional("export_value", FLOW).aka(&["出口交货值"]),
    ],
};

/// `regions.csv`: the prefecture (no parent) and its county-level units.
pub(super) const REGIONS: Table = Table {
    file: REGIONS_FILE,
    columns: &[
        required("region_code", Kind::RegionCode).aka(&["行政区划代码", "区划代码"]),
        required("name", Kind::Text("the region's name")).aka(&["名称", "区划名称", "地区名称"]),
        required("parent_code", Kind::Free).aka(&["上级代码", "上级区划代码"]),
        optional("short_name", Kind::Free).aka(&["简称"]),
    ],
};

/// `industries.csv`: the GB/T 4754 divisions.
pub(super) const INDUSTRIES: Table = Table {
    file: INDUSTRIES_FILE,
    columns: &[
        required("industry_code", Kind::DivisionCode).aka(&["行业代码", "行业大类代码"]),
        required("name", Kind::Text("the division's name")).aka(&["行业名称", "名称"]),
        optional("short_name", Kind::Free).aka(&["简称"]),
    ],
};

/// `industry_groups.csv`: groups of divisions, a row per division.
pub(super) const GROUPS: Table = Table {
    file: INDUSTRY_GROUPS_FILE,
    columns: &[
        required("group", Kind::Key("equipment")),
        required(
            "name",
            Kind::Text("the group's name in prose, such as 装备制造业"),
        ),
        required("industry_code", Kind::Listed(List::Divisions)),
    ],
};

/// `price_index.csv`: producer price indices, a division's or `all`.
pub(super) const PRICE_INDEX: Table = Table {
    file: PRICE_INDEX_FILE,
    columns: &[
        required("month", Kind::Month),
        required("industry_code", Kind::Listed(List::DivisionsOrAll)),
        required(
            "index",
            Kind::Number(
                "a positive index (same month last year = 100)",
                Some(Bound::Positive),
            ),
        ),
    ],
};

/// `air_quality_daily.csv`: a reading per county-level unit and day.
pub(super) const AIR_QUALITY: Table = Table {
    file: AIR_QUALITY_FILE,
    columns: &[
        required("date", Kind::Date),
        required("region_code", COUNTY),
        required(
            "aqi",
            Kind::Number("an AQI of zero or more", Some(Bound::Zero)),
        ),
    ],
};

/// `indicator_catalog.csv`: what each indicator is and how months combine.
pub(super) const CATALOG: Table = Table {
    file: CATALOG_FILE,
    columns: &[
        required("indicator", Kind::Key("tourist_visits")),
        required(
            "name",
            Kind::Text("the indicator's name in prose, such as 接待游客"),
        ),
        required("unit", Kind::Free),
        required("decimals", Kind::Decimals),
        required("aggregation", Kind::Aggregation),
    ],
};

/// `indicators.csv`: a value per month, region and indicator.
pub(super) const INDICATORS: Table = Table {
    file: INDICATORS_FILE,
    columns: &[
        required("month", Kind::Month),
        required("region_code", Kind::Listed(List::Regions)),
        required("indicator", Kind::Listed(List::Indicators)),
        required("value", Kind::Number("a number", None)),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_says_what_it_found_and_what_it_expected() {
        let cases = [
            (
                Kind::Month,
                "2024-13",
                "found `2024-13`; expected a month as YYYY-MM, such as 2024-06",
            ),
            (
                Kind::Date,
                "2024-02-30",
                "found `2024-02-30`; expected a date as YYYY-MM-DD, such as 2024-06-30",
            ),
            (
                Kind::Text("the region's name"),
                "",
                "empty; expected the region's name",
            ),
            (
                FLOW,
                "-1",
                "found -1; expected a number of 万元, zero or more",
            ),
            (
                FLOW,
                "NaN",
                "found `NaN`; expected a number of 万元, zero or more",
            ),
            (
                Kind::Decimals,
                "5",
                "found `5`; expected a whole number from 0 to 4",
            ),
            (
                Kind::Key("equipment"),
                "Equip",
                "found `Equip`; expected a key of a-z, 0-9 and _, such as equipment",
            ),
        ];
        for (kind, raw, message) in cases {
            assert_eq!(kind.check(raw), Err(message.to_string()), "{raw}");
        }
    }

    #[test]
    fn an_identifier_a_spreadsheet_wrote_as_a_number_is_named() {
        for id in ["9.12224E+17", "9.1222E17", "9E+17", "9.12224e+17"] {
            assert!(
                two_rows(id, "2024-01", "lines 2 and 3").contains("save the column as text"),
                "{id}"
            );
        }
        for id in ["91222401MA0Y3E1X2K", "E1", "9.1E+", "ENT-7"] {
            assert_eq!(
                two_rows(id, "2024-01", "lines 2 and 3"),
                format!("enterprise {id} has two rows for 2024-01 (lines 2 and 3)"),
            );
        }
    }

    #[test]
    fn a_spreadsheets_own_forms_are_named_in_the_contracts() {
        let cases = [
            (Kind::Month, "2022/1/1", Some("2022-01")),
            (Kind::Month, "2022/1", Some("2022-01")),
            (Kind::Month, "2022-1", Some("2022-01")),
            (Kind::Month, "2022年12月", Some("2022-12")),
            (Kind::Month, "2022.06", Some("2022-06")),
            (Kind::Month, "2022/13", None),
            (Kind::Month, "22/1/1", None),
            (Kind::Month, "June 2022", None),
            (Kind::Date, "2024/6/30", Some("2024-06-30")),
            (Kind::Date, "2024年2月29日", Some("2024-02-29")),
            (Kind::Date, "2023/2/29", None),
            (Kind::Date, "2024/6", None),
            (Kind::DivisionCode, "6", Some("06 (a code is text)")),
            (Kind::DivisionCode, "13.0", Some("13 (a code is text)")),
            (Kind::DivisionCode, "130", None),
            (
                Kind::RegionCode,
                "222401.0",
                Some("222401 (a code is text)"),
            ),
            (Kind::RegionCode, "22240", None),
            (
                Kind::RegionCode,
                "222401000000",
                Some("222401 (a 统计用区划代码's first six digits)"),
            ),
            (
                Kind::RegionCode,
                "222401100",
                Some("222401 (a 统计用区划代码's first six digits)"),
            ),
            (FLOW, "3,260.6", Some("3260.6 (no thousands separators)")),
            (FLOW, "1,234,567", Some("1234567 (no thousands separators)")),
            (FLOW, "12,34.5", None),
            (FLOW, "-1,000", None),
            (FLOW, "abc", None),
        ];
        for (kind, raw, fix) in cases {
            assert_eq!(kind.spreadsheet_form(raw).as_deref(), fix, "{raw}");
        }
        let division = Kind::Listed(List::Divisions);
        assert_eq!(
            division.unlisted("6"),
            "found `6`; expected a division code from industries.csv: write 06 (a code is text)"
        );
        assert_eq!(
            division.unlisted("13.0"),
            "found `13.0`; expected a division code from industries.csv: write 13 (a code is text)"
        );
        assert_eq!(
            Kind::Listed(List::Counties).unlisted("222401.0"),
            "found `222401.0`; expected a county-level code from regions.csv: write 222401 (a code is text)"
        );
        assert_eq!(
            Kind::Listed(List::Counties).unlisted("999901000000"),
            "found `999901000000`; expected a county-level code from regions.csv"
        );
        assert_eq!(
            division.unlisted("99"),
            "found `99`; expected a division code from industries.csv"
        );
        assert_eq!(
            Kind::Month.check("2022/1/1"),
            Err(
                "found `2022/1/1`; expected a month as YYYY-MM, such as 2024-06: write 2022-01"
                    .into()
            )
        );
        assert_eq!(Kind::Month.check("2024-06"), Ok(Checked::Month(2024, 6)));
        assert_eq!(Kind::Date.check("2024-02-29"), Ok(Checked::Day(20240229)));
        assert_eq!(
            Kind::Number("x", Some(Bound::Positive)).check("0"),
            Err("found 0; expected x".into())
        );
        assert_eq!(FLOW.check("0"), Ok(Checked::Number(0.0)));
    }

    /// The Parquet reader looks up these two lists only.
    #[test]
    fn the_enterprise_file_lists_counties_and_divisions() {
        let lists: Vec<List> = ENTERPRISES
            .columns
            .iter()
            .filter_map(|c| match c.kind {
                Kind::Listed(list) => Some(list),
                _ => None,
            })
            .collect();
        assert_eq!(lists, [List::Counties, List::Divisions]);
    }

    #[test]
    fn every_table_declares_each_column_once() {
        for table in [
            &ENTERPRISES,
            &REGIONS,
            &INDUSTRIES,
            &GROUPS,
            &PRICE_INDEX,
            &AIR_QUALITY,
            &CATALOG,
            &INDICATORS,
        ] {
            for (i, column) in table.columns.iter().enumerate() {
                assert!(
                    table.columns[..i].iter().all(|c| c.name != column.name),
                    "{}: {}",
                    table.file,
                    column.name
                );
            }
        }
    }
}
