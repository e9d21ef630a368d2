//! Resolves the figures editors cite in their stories (`{key|format}`)
//! against the rows of `summary.csv`, so that a number in prose is always the
//! number in the summary, rounded the way the rest of the bulletin rounds it.

use std::collections::HashMap;

use serde::Serialize;

use super::{growth, one_decimal, pp_change, signed_figure, with_tongbi, yi};
use crate::aggregate::FigureRow;
use crate::error::DataError;
use crate::load::{Field, Segment, Story, Text};
use crate::number::Rational;

/// A story ready for the template: every figure worded.
#[derive(Debug, Clone, Serialize)]
pub struct StoryText {
    /// Title.
    pub title: String,
    /// 引题 above the title, if any.
    pub kicker: Option<String>,
    /// Byline, such as 本报记者 李明.
    pub byline: Option<String>,
    /// Region code, `None` for the whole prefecture.
    pub region: Option<String>,
    /// Body paragraphs.
    pub paragraphs: Vec<String>,
    /// The same paragraphs as runs of prose and cited figures, each figure
    /// with the summary.csv row it came from (the preview links them).
    pub paragraph_runs: Vec<Vec<Run>>,
    /// The picture, if the story has one.
    pub image: Option<PictureText>,
}

/// A stretch of a paragraph: prose, or one cited figure as worded.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// The words.
    pub text: String,
    /// For a cited figure, its summary.csv row as
    /// `region_code.group.indicator.measure` (`222400.industry:27.output_value.level`).
    pub row: Option<String>,
}

/// A story's picture as the template places it.
#[derive(Debug, Clone, Serialize)]
pub struct PictureText {
    /// Path under which `review` serves the picture to the template.
    pub path: String,
    /// Caption (图说).
    pub caption: Option<String>,
    /// Credit, such as 金洪石 摄.
    pub credit: Option<String>,
}

/// The accepted wording options, for messages and the README.
pub const FORMATS: [(&str, &str); 6] = [
    (
        "",
        "the number with its unit: 2.6%, 3.4个百分点, 319户, 第1位, 339.3亿元 (万元 figures print in 亿元)",
    ),
    (
        "num",
        "the number alone, as the default prints it: 2.6, 339.3",
    ),
    ("signed", "a signed number for tables: 2.6, −7.8"),
    ("growth", "a growth rate in words: 增长2.6%, 下降7.8%, 持平"),
    ("tongbi", "the same with 同比: 同比增长2.6%, 与上年同期持平"),
    ("change", "a 百分点 change in words: 提高3.4个百分点"),
];

/// Looks figures up by key.
pub struct Figures<'a> {
    rows: HashMap<(&'a str, &'a str, &'a str, &'a str), &'a FigureRow>,
    /// (code, names…) of the prefecture and regions, to accept names in keys.
    places: Vec<(String, Vec<String>)>,
    prefecture: String,
}

impl<'a> Figures<'a> {
    /// Indexes the rows; `places` lists each unit's code and the names it
    /// may be cited by, the prefecture first.
    pub fn new(rows: &'a [FigureRow], places: Vec<(String, Vec<String>)>) -> Self {
        Figures {
            rows: rows
                .iter()
                .map(|r| {
                    (
                        (
                            r.region.as_str(),
                            r.group.as_str(),
                            r.indicator.as_str(),
                            r.measure.as_str(),
                        ),
                        r,
                    )
                })
                .collect(),
            prefecture: places.first().map(|p| p.0.clone()).unwrap_or_default(),
            places,
        }
    }

    /// Words one cited figure and names its summary.csv row
    /// (`region_code.group.indicator.measure`), or says why it cannot.
    pub fn word_with_row(&self, field: &Field) -> Result<(String, String), String> {
        let parts: Vec<&str> = field.key.split('.').map(str::trim).collect();
        let (place, group, indicator, measure) = match parts[..] {
            [p, i, m] => (p, "total".to_string(), i, m),
            [p, g, i, m] => (
                p,
                // `industry:13`, `section:C`, `group:equipment`; a bare
                // code is a division.
                if g.contains(':') || g == "total" {
                    g.to_string()
                } else {
                    format!("industry:{g}")
                },
                i,
                m,
            ),
            _ => return Err(format!("`{}` is not a figure key", field.key)),
        };
        let code = self
            .places
            .iter()
            .find(|(code, names)| code == place || names.iter().any(|n| n == place))
            .map(|(code, _)| code.as_str())
            .ok_or_else(|| {
                format!(
                    "unknown figure key `{}`: `{place}` is not the prefecture or a county-level unit (expected a code or name such as {})",
                    field.key,
                    self.places
                        .iter()
                        .map(|(c, n)| format!("{c} {}", n.first().map_or("", String::as_str)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        let Some(row) = self.rows.get(&(code, group.as_str(), indicator, measure)) else {
            return Err(self.unknown(&field.key, code, &group, indicator));
        };
        let words =
            format(row, field.format.as_deref()).map_err(|e| format!("`{}`: {e}", field.key))?;
        Ok((words, format!("{code}.{group}.{indicator}.{measure}")))
    }

    fn unknown(&self, key: &str, code: &str, group: &str, indicator: &str) -> String {
        let same_unit: Vec<&FigureRow> = self
            .rows
            .values()
            .filter(|r| r.region == code && r.group == group)
            .copied()
            .collect();
        let hint = if same_unit.is_empty() {
            if group != "total" && code != self.prefecture {
                format!(
                    "divisions are figures of the prefecture: write {}.{group}.…",
                    self.prefecture
                )
            } else {
                format!("summary.csv has no group `{group}` for {code}")
            }
        } else {
            let mut names: Vec<&str> = if same_unit.iter().any(|r| r.indicator == indicator) {
                same_unit
                    .iter()
                    .filter(|r| r.indicator == indicator)
                    .map(|r| r.measure.as_str())
                    .filter(|m| !m.contains(':'))
                    .collect()
            } else {
                same_unit.iter().map(|r| r.indicator.as_str()).collect()
            };
            names.sort_unstable();
            names.dedup();
            if same_unit.iter().any(|r| r.indicator == indicator) {
                format!("{indicator} has the measures {}", names.join(", "))
            } else {
                format!("the indicators there are {}", names.join(", "))
            }
        };
        format!("unknown figure key `{key}`: no row of summary.csv has it ({hint})")
    }
}

/// Words a figure as `format` asks.
fn format(row: &FigureRow, format: Option<&str>) -> Result<String, String> {
    let unit = row.unit.as_str();
    let need = |wanted: &str| -> Result<(), String> {
        if unit == wanted {
            Ok(())
        } else {
            Err(format!(
                "the wording `{}` needs a figure in {wanted}, this one is in {unit}",
                format.unwrap_or_default()
            ))
        }
    };
    let number = |v: Rational| match unit {
        "户" | "位" => v.round(0).to_string(),
        "万元" => yi(v),
        _ => one_decimal(v),
    };
    Ok(match format.unwrap_or("") {
        "" => match row.value {
            None => "—".into(),
            Some(v) => match unit {
                "%" => format!("{}%", one_decimal(v)),
                "百分点" => format!("{}个百分点", one_decimal(v)),
                "位" => format!("第{}位", v.round(0)),
                "万元" => format!("{}亿元", yi(v)),
                _ => format!("{}{unit}", number(v)),
            },
        },
        "num" => row.value.map_or("—".into(), number),
        "signed" => signed_figure(row.value, unit),
        "growth" => {
            need("%")?;
            growth(row.value)
        }
        "tongbi" => {
            need("%")?;
            with_tongbi(row.value)
        }
        "change" => {
            need("百分点")?;
            pp_change(row.value)
        }
        other => {
            return Err(format!(
                "unknown wording `{other}` (expected one of {})",
                FORMATS
                    .iter()
                    .filter(|(f, _)| !f.is_empty())
                    .map(|(f, _)| *f)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    })
}

/// Resolves every story, collecting every unknown key with its file, line
/// and position. `image_root` is where the renderer serves story pictures.
pub fn resolve(
    stories: &[Story],
    figures: &Figures<'_>,
    image_root: &str,
) -> Result<Vec<StoryText>, Vec<DataError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for story in stories {
        let mut runs = |t: &Text| -> Vec<Run> {
            let mut out: Vec<Run> = Vec::new();
            for segment in t {
                match segment {
                    Segment::Text(prose) => match out.last_mut() {
                        Some(last) if last.row.is_none() => last.text.push_str(prose),
                        _ => out.push(Run {
                            text: prose.clone(),
                            row: None,
                        }),
                    },
                    Segment::Field(field) => match figures.word_with_row(field) {
                        Ok((words, row)) => out.push(Run {
                            text: words,
                            row: Some(row),
                        }),
                        Err(message) => errors.push(DataError::at_char(
                            &story.file,
                            field.line,
                            field.position,
                            message,
                        )),
                    },
                }
            }
            out
        };
        let paragraph_runs: Vec<Vec<Run>> = story.paragraphs.iter().map(&mut runs).collect();
        let mut text = |t: &Text| -> String { runs(t).into_iter().map(|r| r.text).collect() };
        let resolved = StoryText {
            title: text(&story.title),
            kicker: story.kicker.as_ref().map(&mut text),
            byline: story.byline.clone(),
            region: story.region.as_ref().map(|(code, _)| code.clone()),
            paragraphs: paragraph_runs
                .iter()
                .map(|p| p.iter().map(|r| r.text.as_str()).collect())
                .collect(),
            paragraph_runs,
            image: story.image.as_ref().map(|p| PictureText {
                path: format!("{image_root}/{}", p.name),
                caption: story.caption.as_ref().map(&mut text),
                credit: story.credit.clone(),
            }),
        };
        out.push(resolved);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        region: &str,
        group: &str,
        ind: &str,
        measure: &str,
        v: Option<f64>,
        unit: &str,
    ) -> FigureRow {
        let v = v.and_then(Rational::from_f64);
        FigureRow {
            region: region.into(),
            group: group.into(),
            indicator: ind.into(),
            measure: measure.into(),
            value: v,
            unit: unit.into(),
        }
    }

    fn field(key: &str, format: Option<&str>) -> Field {
        Field {
            key: key.into(),
            format: format.map(str::to_string),
            line: 3,
            position: 7,
        }
    }

    #[test]
    fn words_figures_as_the_bulletin_does() {
        let rows = vec![
            row("222400", "total", "enterprises", "level", Some(319.0), "户"),
            row(
                "222400",
                "total",
                "output_value",
                "level",
                Some(3_392_998.7),
                "万元",
            ),
            row(
                "222401",
                "total",
                "output_value",
                "yoy_pct",
                Some(7.004),
                "%",
            ),
            row("222401", "total", "output_value", "rank", Some(1.0), "位"),
            row(
                "222401",
                "total",
                "air_good_days_ratio",
                "yoy_pp",
                Some(3.35),
                "百分点",
            ),
            row(
                "222402",
                "total",
                "output_value",
                "yoy_pct",
                Some(-7.84),
                "%",
            ),
            row("222402", "total", "value_added", "yoy_pct", None, "%"),
            row(
                "222400",
                "industry:27",
                "output_value",
                "pull_pp",
                Some(1.26),
                "百分点",
            ),
            row(
                "222401",
                "total",
                "tourist_visits",
                "level",
                Some(1000.44),
                "万人次",
            ),
        ];
        let places = vec![
            (
                "222400".to_string(),
                vec!["延边州".to_string(), "延边朝鲜族自治州".to_string()],
            ),
            ("222401".to_string(), vec!["延吉市".to_string()]),
            ("222402".to_string(), vec!["图们市".to_string()]),
        ];
        let f = Figures::new(&rows, places);
        let cases = [
            ("222400.enterprises.level", None, "319户"),
            ("延边州.output_value.level", None, "339.3亿元"),
            ("222400.output_value.level", Some("num"), "339.3"),
            ("222401.output_value.yoy_pct", None, "7.0%"),
            (
                "延吉市.output_value.yoy_pct",
                Some("tongbi"),
                "同比增长7.0%",
            ),
            ("222402.output_value.yoy_pct", Some("growth"), "下降7.8%"),
            ("222402.output_value.yoy_pct", Some("signed"), "−7.8"),
            ("222402.value_added.yoy_pct", None, "—"),
            (
                "222402.value_added.yoy_pct",
                Some("growth"),
                "无上年同期可比数据",
            ),
            ("222401.output_value.rank", None, "第1位"),
            (
                "222401.air_good_days_ratio.yoy_pp",
                Some("change"),
                "提高3.4个百分点",
            ),
            ("222400.27.output_value.pull_pp", None, "1.3个百分点"),
            (
                "222400.industry:27.output_value.pull_pp",
                Some("num"),
                "1.3",
            ),
            ("222401.tourist_visits.level", None, "1000.4万人次"),
        ];
        for (key, format, want) in cases {
            assert_eq!(
                f.word_with_row(&field(key, format)).unwrap().0,
                want,
                "{key}|{format:?}"
            );
        }
        let err =
            |key: &str, format: Option<&str>| f.word_with_row(&field(key, format)).unwrap_err();
        assert!(
            err("222499.output_value.yoy_pct", None)
                .contains("`222499` is not the prefecture or a county-level unit")
        );
        assert!(
            err("222401.output_value.yoy", None)
                .contains("output_value has the measures rank, yoy_pct")
        );
        assert!(err("222401.outputs.yoy_pct", None).contains("the indicators there are"));
        assert!(
            err("222401.27.output_value.pull_pp", None)
                .contains("divisions are figures of the prefecture: write 222400.industry:27")
        );
        assert!(
            err("222401.output_value.yoy_pct", Some("words")).contains("unknown wording `words`")
        );
        assert!(
            err("222401.output_value.rank", Some("growth"))
                .contains("needs a figure in %, this one is in 位")
        );
    }
}
