//! `publication.toml`: who publishes the bulletin and how its masthead and
//! sections read. Optional; every field has a default.
//!
//! ```toml
//! [masthead]
//! name = "延边经济观察"      # publication name (default: <place>统计)
//! edition = "第3版"          # 版次
//! section = "经济·综述"      # 版名
//! date = "2024-07-22"        # issue date, printed 2024年7月22日 星期一
//! issue = "总第1234期"
//! editor = "责任编辑：朴明"
//! publisher = "延边州统计局"
//!
//! [review]
//! byline = "本报记者 李明 王静"
//! headline = "稳中有进 量质齐升"   # default: chosen from the figures
//! subtitle = "——上半年延边州工业经济运行综述"
//! whole = "全州"                   # default: from the prefecture's name
//!
//! [check]                          # review check's thresholds
//! month_ratio = 3                  # a month ≥ 3× or ≤ 1/3 of the median month
//! growth_pct = 50                  # growth of ±50 % or more …
//! min_base = 1000                  # … on a base above 1000 万元
//! va_rate_min = 5                  # value-added rate band, %
//! va_rate_max = 70
//! top = 10                         # largest contributors listed
//! regions = ["延吉市", "222404"]   # county sections first, in this order
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Region;
use crate::error::DataError;

/// The file's contents.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// The masthead.
    #[serde(default)]
    pub masthead: Masthead,
    /// The newspaper review's own settings.
    #[serde(default)]
    pub review: ReviewSettings,
    /// `review check`'s thresholds.
    #[serde(default)]
    pub check: CheckSettings,
}

/// Thresholds of `review check` (数据审核); each has a default.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// A month's output this many times the enterprise's median month (or
    /// its inverse) is an outlier (default 3).
    pub month_ratio: Option<f64>,
    /// An enterprise's output growth of at least this many % up or down is
    /// flagged (default 50)…
    pub growth_pct: Option<f64>,
    /// …on a base above this many 万元 (default 1000).
    pub min_base: Option<f64>,
    /// A value-added rate (value added / output × 100) below this is
    /// implausible (default 5).
    pub va_rate_min: Option<f64>,
    /// A value-added rate above this is implausible (default 70).
    pub va_rate_max: Option<f64>,
    /// How many of the largest contributors to growth to list (default 10).
    pub top: Option<usize>,
}

/// Masthead fields; the templates leave out what is not set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Masthead {
    /// Publication name.
    pub name: Option<String>,
    /// 版次, such as 第3版.
    pub edition: Option<String>,
    /// 版名, such as 经济.
    pub section: Option<String>,
    /// Issue date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Issue number, as printed.
    pub issue: Option<String>,
    /// 责任编辑 line.
    pub editor: Option<String>,
    /// Publisher, also named in the PDF's metadata.
    pub publisher: Option<String>,
}

/// Settings of the newspaper review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSettings {
    /// The lead article's byline.
    pub byline: Option<String>,
    /// The headline, instead of the one the figures suggest.
    pub headline: Option<String>,
    /// The 副题, instead of ——〈period〉〈place〉工业经济运行综述.
    pub subtitle: Option<String>,
    /// How the prefecture calls itself in prose (全州, 全市, 全盟, 全区),
    /// instead of the word its name gives.
    pub whole: Option<String>,
    /// County-level units (code or name) whose sections come first, in this
    /// order; the others follow in the order of `regions.csv`. Resolved to
    /// codes when loaded.
    pub regions: Option<Vec<String>>,
}

/// Reads and checks `publication.toml`, returning it with its text as read
/// (attached to the PDF); a missing file gives `None`. A note for a file
/// read as GB18030 goes to `notes`.
pub fn read(
    path: &Path,
    counties: &[Region],
    encoding: super::Encoding,
    notes: &mut Vec<String>,
) -> Result<Option<(Publication, String)>, Vec<DataError>> {
    let text = match super::text::read_string(path, encoding) {
        Ok((text, note)) => {
            notes.extend(note);
            text
        }
        Err(super::text::TextError::Missing) => return Ok(None),
        Err(super::text::TextError::Unreadable(message)) => {
            return Err(vec![DataError::file(path, message)]);
        }
    };
    let source = text;
    let text = source.strip_prefix('\u{feff}').unwrap_or(&source);
    let mut publication: Publication = toml::from_str(text).map_err(|e| {
        let message = e.message().to_string();
        vec![match e.span() {
            Some(span) => {
                let (line, col) = line_col(text, span.start);
                DataError::at_char(path, line, col, message)
            }
            None => DataError::file(path, message),
        }]
    })?;
    let mut errors = Vec::new();
    if let Some(date) = &publication.masthead.date
        && parse_date(date).is_none()
    {
        errors.push(DataError::at_char(
            path,
            line_of(text, "date"),
            1,
            format!("[masthead] date = \"{date}\": expected a date as YYYY-MM-DD"),
        ));
    }
    if let Some(order) = &mut publication.review.regions {
        let mut codes = Vec::new();
        for wanted in order.iter() {
            match counties
                .iter()
                .find(|r| r.code == *wanted || r.name == *wanted || r.short_name == *wanted)
            {
                Some(r) if codes.contains(&r.code) => errors.push(DataError::at_char(
                    path,
                    line_of(text, "regions"),
                    1,
                    format!("[review] regions names {} twice", r.name),
                )),
                Some(r) => codes.push(r.code.clone()),
                None => errors.push(DataError::at_char(
                    path,
                    line_of(text, "regions"),
                    1,
                    format!(
                        "[review] regions: `{wanted}` is not a county-level unit of regions.csv (expected one of {})",
                        counties
                            .iter()
                            .map(|r| r.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
        *order = codes;
    }
    if errors.is_empty() {
        Ok(Some((publication, source.clone())))
    } else {
        Err(errors)
    }
}

/// `YYYY-MM-DD` to (year, month, day), checking the day exists.
pub fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    super::date_exists(y, m, d).then_some((y, m, d))
}

/// 1-based line and character position of a byte offset.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    (line, col)
}

/// The line where `key =` is set, for messages about a value.
fn line_of(text: &str, key: &str) -> u64 {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counties() -> Vec<Region> {
        ["222401 延吉市", "222424 汪清县"]
            .iter()
            .map(|s| {
                let (code, name) = s.split_once(' ').unwrap();
                Region {
                    code: code.into(),
                    name: name.into(),
                    short_name: name.into(),
                }
            })
            .collect()
    }

    fn read_text(text: &str) -> Result<Option<(Publication, String)>, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("publication.toml");
        std::fs::write(&path, text).unwrap();
        read(
            &path,
            &counties(),
            super::super::Encoding::Auto,
            &mut Vec::new(),
        )
        .map_err(|e| {
            e.into_iter()
                .map(|e| {
                    e.to_string()
                        .replace(&path.display().to_string(), "publication.toml")
                })
                .collect()
        })
    }

    #[test]
    fn reads_and_resolves_regions() {
        let p = read_text(
            "[masthead]\nname = \"延边经济观察\"\ndate = \"2024-07-22\"\n[review]\nregions = [\"汪清县\", \"222401\"]\n",
        )
        .unwrap()
        .unwrap()
        .0;
        assert_eq!(p.masthead.name.as_deref(), Some("延边经济观察"));
        assert_eq!(
            p.review.regions,
            Some(vec!["222424".to_string(), "222401".to_string()])
        );
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read(
                &dir.path().join("none.toml"),
                &counties(),
                super::super::Encoding::Auto,
                &mut Vec::new()
            ),
            Ok(None)
        );
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = read_text("[masthead]\nname = \"x\"\ntitle = \"y\"\n").unwrap_err();
        assert!(
            e[0].starts_with("publication.toml:3:1: unknown field `title`"),
            "{e:?}"
        );
        let e = read_text("[masthead]\ndate = \"2024-02-30\"\n").unwrap_err();
        assert!(
            e[0].starts_with(
                "publication.toml:2:1: [masthead] date = \"2024-02-30\": expected a date"
            ),
            "{e:?}"
        );
        let e = read_text("[review]\nregions = [\"图们\"]\n").unwrap_err();
        assert!(
            e[0].contains(
                "publication.toml:2:1: [review] regions: `图们` is not a county-level unit"
            ),
            "{e:?}"
        );
        let e = read_text("[masthead\n").unwrap_err();
        assert!(e[0].starts_with("publication.toml:1:"), "{e:?}");
    }
}
