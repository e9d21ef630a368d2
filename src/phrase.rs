//! Stage 3, phrase: turns the unrounded figures into Chinese sentences and
//! display strings, following the conventions of statistics bureaus
//! (`statistics.md`, "Wording" and "Print conventions").
//!
//! This is the one place where numbers are rounded, 四舍五入 on the exact
//! value ([`Rational::round`]; `docs/methodology.md`, "Rounding"). Every
//! wording decision (增长 / 下降 / 持平, 高于 / 低于, 加快 / 回落) is taken on
//! the values as printed, so the words never contradict the digits beside
//! them.

mod stories;

use serde::Serialize;

pub use stories::{FORMATS, PictureText, StoryText};

use crate::aggregate::{Figures, Prices, Summary};
use crate::error::{Error, Result};
use crate::load::{Publication, Story};
use crate::number::Rational;
use crate::period::Period;

/// Text and display strings for the bulletin, derived from a [`Summary`].
#[derive(Debug, Clone, Serialize)]
pub struct Phrases {
    /// The prefecture's short name, such as 延边州.
    pub place: String,
    /// How the prefecture calls itself in prose: 全州, 全市, 全盟.
    pub whole: String,
    /// The period in prose: 上半年, 一季度.
    pub period_prose: String,
    /// The period as a table header: 1—6月.
    pub period_table: String,
    /// Bold headline.
    pub headline: String,
    /// 副题, starting with ——.
    pub subtitle: String,
    /// The lede: the headline figures in one sentence.
    pub lede: String,
    /// How the prefecture's industries fared, one paragraph.
    pub industries: String,
    /// The prefecture's catalogue indicators (tourism, investment) in one
    /// sentence; empty without indicators.
    pub indicators: String,
    /// One section per county-level region, in the order of
    /// `publication.toml` and then of `regions.csv`.
    pub regions: Vec<RegionText>,
    /// Editors' stories about the whole prefecture.
    pub stories: Vec<StoryText>,
    /// The 主要指标 table.
    pub main_table: Vec<TableRow>,
    /// The regions table, one row per region, in section order:
    /// 地区, 企业, 产值 (亿元), 产值 ±%, 占比 %, 增加值 ±%, 位次.
    pub region_table: Vec<Vec<String>>,
    /// The divisions table, largest output first: 行业, 企业, 产值 (亿元),
    /// 产值 ±%, 占比 %, 拉动 (百分点).
    pub industry_table: Vec<Vec<String>>,
    /// Chart data, rounded as printed.
    pub charts: Charts,
    /// The 附注 paragraphs, each starting with its label (统计范围：…).
    pub notes: Vec<String>,
    /// Masthead fields, formatted.
    pub masthead: MastheadText,
    /// The lead article's byline, if `publication.toml` gives one.
    pub byline: Option<String>,
}

/// Masthead fields as printed; absent fields are left out by the templates.
#[derive(Debug, Clone, Serialize)]
pub struct MastheadText {
    /// Publication name (default: 〈place〉统计).
    pub name: String,
    /// 版次.
    pub edition: Option<String>,
    /// 版名.
    pub section: Option<String>,
    /// Issue date with weekday: 2024年7月22日 星期一.
    pub date: Option<String>,
    /// Issue number.
    pub issue: Option<String>,
    /// 责任编辑.
    pub editor: Option<String>,
    /// Publisher (default: 〈place〉统计局).
    pub publisher: String,
}

/// The charts' data: values for drawing, labels as printed, and a text
/// alternative for readers who cannot see the chart (PDF/UA).
#[derive(Debug, Clone, Serialize)]
pub struct Charts {
    /// Month labels: 1月, 2月, …
    pub months: Vec<String>,
    /// Series of the monthly chart: 累计 growth of 产值 and 增加值.
    pub monthly: Vec<Series>,
    /// Text alternative of the monthly chart.
    pub monthly_alt: String,
    /// Region comparison: output growth per region, in section order.
    pub regions: Vec<Bar>,
    /// The whole's output growth, the reference line of both bar charts.
    pub reference: Option<Bar>,
    /// Text alternative of the region chart.
    pub regions_alt: String,
    /// Output growth per division, in the division table's order and with
    /// its names (a page with room to spare sets them as a bar chart).
    pub divisions: Vec<Bar>,
    /// Text alternative of the division chart.
    pub divisions_alt: String,
    /// Each division's pull on the output growth (百分点), in the same order.
    pub divisions_pull: Vec<Bar>,
    /// Text alternative of the pull chart.
    pub divisions_pull_alt: String,
}

/// A line of a chart.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// One value per month, rounded as printed (`None` draws no point).
    pub values: Vec<Option<f64>>,
    /// The printed labels.
    pub labels: Vec<String>,
}

/// A bar of a chart.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    /// Category name.
    pub name: String,
    /// Value rounded as printed.
    pub value: Option<f64>,
    /// Printed label.
    pub label: String,
}

/// A region's paragraph.
#[derive(Debug, Clone, Serialize)]
pub struct RegionText {
    /// Region code.
    pub code: String,
    /// Region name.
    pub name: String,
    /// The generated paragraph.
    pub text: String,
    /// Editors' stories about the region.
    pub stories: Vec<StoryText>,
}

/// A row of the 主要指标 table: 指标 | 单位 | value | ±%.
#[derive(Debug, Clone, Serialize)]
pub struct TableRow {
    /// Indicator name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Level, rounded, or "—".
    pub value: String,
    /// Signed growth, rounded, or "—".
    pub change: String,
}

/// Figures from the summary that phrasing needs but the summary does not hold.
#[derive(Debug, Clone)]
pub struct Context {
    /// The bulletin's unit's short name (from `regions.csv`'s `short_name`).
    pub place: String,
    /// Its names, short first, from which it calls itself 全州, 全市…
    /// ([`whole_name`]).
    pub place_names: Vec<String>,
    /// The period.
    pub period: Period,
    /// Months of the period without data (`--allow-partial`), `YYYY-MM`.
    pub missing_months: Vec<String>,
    /// The prefecture's code and the names it goes by.
    pub prefecture: (String, Vec<String>),
    /// Each county-level unit's code and names, to resolve story keys.
    pub counties: Vec<(String, Vec<String>)>,
    /// `publication.toml`.
    pub publication: Publication,
    /// The editors' stories of the period.
    pub stories: Vec<Story>,
    /// Where the renderer serves the stories' pictures.
    pub image_root: String,
    /// For a county-level unit's own bulletin: the whole it belongs to, so
    /// that its phrasing compares (高于全州…, 居全州第n位).
    pub whole_of: Option<WholeOf>,
    /// The name each division goes by in tables ([`table_name`]), by code.
    pub table_names: std::collections::BTreeMap<String, String>,
}

/// The NBS short forms of the GB/T 4754 industrial divisions, as statistical
/// tables print them (电力热力, 计算机通信电子): a table cell of six
/// characters instead of the full name's three lines.
const SHORT_NAMES: [(&str, &str); 41] = [
    ("06", "煤炭开采洗选"),
    ("07", "石油天然气开采"),
    ("08", "黑色金属矿采选"),
    ("09", "有色金属矿采选"),
    ("10", "非金属矿采选"),
    ("11", "开采辅助活动"),
    ("12", "其他采矿"),
    ("13", "农副食品加工"),
    ("14", "食品制造"),
    ("15", "酒饮料精制茶"),
    ("16", "烟草制品"),
    ("17", "纺织"),
    ("18", "纺织服装服饰"),
    ("19", "皮革毛皮制鞋"),
    ("20", "木材加工"),
    ("21", "家具制造"),
    ("22", "造纸和纸制品"),
    ("23", "印刷记录媒介"),
    ("24", "文教体育用品"),
    ("25", "石油煤炭加工"),
    ("26", "化学原料制品"),
    ("27", "医药制造"),
    ("28", "化学纤维"),
    ("29", "橡胶塑料制品"),
    ("30", "非金属矿物制品"),
    ("31", "黑色金属冶炼"),
    ("32", "有色金属冶炼"),
    ("33", "金属制品"),
    ("34", "通用设备"),
    ("35", "专用设备"),
    ("36", "汽车制造"),
    ("37", "铁路船舶航空"),
    ("38", "电气机械器材"),
    ("39", "计算机通信电子"),
    ("40", "仪器仪表"),
    ("41", "其他制造"),
    ("42", "废弃资源利用"),
    ("43", "金属机械修理"),
    ("44", "电力热力"),
    ("45", "燃气生产供应"),
    ("46", "水生产供应"),
];

/// The name a division goes by in tables: `industries.csv`'s `short_name`,
/// else the NBS short form of a GB/T 4754 division, else its name. Prose and
/// the 附注 keep the full name.
pub fn table_name(code: &str, name: &str, short_name: Option<&str>) -> String {
    short_name
        .or_else(|| {
            SHORT_NAMES
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, s)| *s)
        })
        .unwrap_or(name)
        .to_string()
}

/// The prefecture a unit's bulletin compares the unit with.
#[derive(Debug, Clone)]
pub struct WholeOf {
    /// The prefecture's short name (延边州).
    pub place: String,
    /// How the prefecture calls itself: 全州 ([`whole_name`], or
    /// publication.toml's `whole`).
    pub whole_word: String,
    /// The prefecture's figures.
    pub whole: Figures,
    /// The unit's figures within the prefecture (with its rank).
    pub unit: Figures,
    /// The prefecture summary's rows, so that stories may cite any figure
    /// the prefecture bulletin could.
    pub rows: Vec<crate::aggregate::FigureRow>,
}

/// Phrases a summary: every sentence, table cell and chart label of the
/// bulletin, and the editors' stories with their cited figures worded.
/// Fails with every story key that `summary.csv` does not have.
pub fn phrase(summary: &Summary, ctx: &Context) -> Result<Phrases> {
    let p = &summary.prefecture;
    let review = &ctx.publication.review;
    // A unit's bulletin is about the unit (全市 for 延吉市); the prefecture's
    // may name its whole in publication.toml.
    let whole = match &ctx.whole_of {
        None => prefecture_word(&ctx.publication, &ctx.place_names),
        Some(_) => whole_name(&ctx.place_names),
    };
    let period_prose = ctx.period.prose_label();
    let comparable = summary.prices == Prices::Comparable;
    let earlier = ctx.period.earlier().map(Period::prose_label);
    // 增速比一季度加快0.6个百分点, after a rate of the period.
    let moved = |now: Option<Rational>, then: fn(&Figures) -> Option<Rational>| -> String {
        let Some(earlier) = &earlier else {
            return String::new();
        };
        against_earlier(now, then(p), earlier)
            .map(|t| format!("，{t}"))
            .unwrap_or_default()
    };

    let headline = review.headline.clone().unwrap_or_else(|| headline(p));
    let subtitle = review
        .subtitle
        .clone()
        .unwrap_or_else(|| format!("——{period_prose}{}工业经济运行综述", ctx.place));
    // A unit's bulletin sets its rates against the prefecture's.
    let compared =
        |rate: Option<Rational>, of: fn(&Figures) -> Option<Rational>, rank: Option<u32>| {
            let Some(w) = &ctx.whole_of else {
                return String::new();
            };
            [
                against(rate, of(&w.whole), &w.whole_word),
                rank_words(rank, &w.whole_word),
            ]
            .into_iter()
            .flatten()
            .map(|t| format!("，{t}"))
            .collect()
        };
    // How growth moved against the earlier period is said of value added,
    // the headline rate of NBS releases.
    let lede = format!(
        "{whole}{}户规模以上工业企业，实现产值{}亿元，{}{}；{}{}。",
        p.enterprises,
        yi(p.output_value.level),
        with_tongbi(p.output_value.yoy_pct),
        compared(
            p.output_value.yoy_pct,
            |f| f.output_value.yoy_pct,
            ctx.whole_of.as_ref().and_then(|w| w.unit.rank)
        ),
        match p.value_added.yoy_pct {
            Some(_) => format!(
                "实现增加值{}{}{}",
                growth(p.value_added.yoy_pct),
                compared(p.value_added.yoy_pct, |f| f.value_added.yoy_pct, None),
                moved(p.value_added.yoy_pct, |f| f
                    .earlier
                    .as_ref()
                    .and_then(|e| e.value_added_yoy_pct)),
            ),
            None => "增加值增速无上年同期可比数据".into(),
        },
        if comparable {
            ""
        } else {
            "（按现价计算）"
        },
    );

    let regions = summary
        .regions
        .iter()
        .map(|r| {
            let mut text = region_text(r, p, &whole, earlier.as_deref());
            if let Some(more) = indicators_text(summary, &r.code) {
                text.push_str(&more);
                text.push('。');
            }
            RegionText {
                code: r.code.clone(),
                name: r.name.clone(),
                text,
                stories: Vec::new(),
            }
        })
        .collect::<Vec<_>>();
    let mut regions = in_section_order(regions, &ctx.publication, |r| &r.code);

    // A unit's summary is keyed by the unit; the prefecture's rows come
    // after, for keys the unit's summary has not (ranks, other regions).
    let mut rows = summary.rows(&p.code);
    if let Some(w) = &ctx.whole_of {
        let have: std::collections::HashSet<(String, String, String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.region.clone(),
                    r.group.clone(),
                    r.indicator.clone(),
                    r.measure.clone(),
                )
            })
            .collect();
        rows.extend(
            w.rows
                .iter()
                .filter(|r| {
                    !have.contains(&(
                        r.region.clone(),
                        r.group.clone(),
                        r.indicator.clone(),
                        r.measure.clone(),
                    ))
                })
                .cloned(),
        );
    }
    let places = std::iter::once(ctx.prefecture.clone())
        .chain(ctx.counties.iter().cloned())
        .collect();
    let figures = stories::Figures::new(&rows, places);
    let resolved =
        stories::resolve(&ctx.stories, &figures, &ctx.image_root).map_err(Error::Data)?;
    let mut prefecture_stories = Vec::new();
    for story in resolved {
        match regions
            .iter_mut()
            .find(|r| story.region.as_ref() == Some(&r.code))
        {
            Some(region) => region.stories.push(story),
            None => prefecture_stories.push(story),
        }
    }

    let main_table = vec![
        TableRow {
            name: "规模以上工业企业".into(),
            unit: "户".into(),
            value: p.enterprises.to_string(),
            change: "—".into(),
        },
        TableRow {
            name: "工业总产值".into(),
            unit: "亿元".into(),
            value: yi(p.output_value.level),
            change: signed(p.output_value.yoy_pct),
        },
        TableRow {
            name: if comparable {
                "工业增加值（可比价）".into()
            } else {
                "工业增加值（现价）".into()
            },
            unit: "%".into(),
            value: "—".into(),
            change: signed(p.value_added.yoy_pct),
        },
    ]
    .into_iter()
    .chain(summary.sections.iter().enumerate().map(|(i, s)| TableRow {
        name: format!(
            "{}{}",
            if i == 0 { "其中：" } else { "　　　" },
            crate::aggregate::SECTIONS
                .iter()
                .find(|known| known.code == s.code)
                .map_or(s.name.as_str(), |known| known.short_name)
        ),
        unit: "%".into(),
        value: "—".into(),
        change: signed(s.value_added.yoy_pct),
    }))
    .collect();
    let ordered = in_section_order(summary.regions.iter().collect(), &ctx.publication, |r| {
        &r.code
    });
    let region_table = ordered
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.enterprises.to_string(),
                yi(r.output_value.level),
                signed(r.output_value.yoy_pct),
                signed(r.output_value.share_pct),
                signed(r.value_added.yoy_pct),
                r.rank.map_or("—".into(), |n| n.to_string()),
            ]
        })
        .collect();
    let mut by_size: Vec<&Figures> = summary.industries.iter().collect();
    by_size.sort_by_key(|f| std::cmp::Reverse(f.output_value.level));
    let industry_table: Vec<Vec<String>> = by_size
        .iter()
        .map(|i| {
            vec![
                ctx.table_names
                    .get(&i.code)
                    .cloned()
                    .unwrap_or_else(|| i.name.clone()),
                i.enterprises.to_string(),
                yi(i.output_value.level),
                signed(i.output_value.yoy_pct),
                signed(i.output_value.share_pct),
                signed(i.output_value.pull_pp),
            ]
        })
        .collect();
    // Each division with the name its table row uses, for the charts.
    let divisions: Vec<(&str, &Figures)> = by_size
        .iter()
        .zip(&industry_table)
        .map(|(f, row)| (row[0].as_str(), *f))
        .collect();
    let charts = charts(
        summary,
        ctx.period,
        &ordered,
        &divisions,
        &whole,
        &period_prose,
    );
    let masthead = masthead(&ctx.publication, &ctx.place);

    Ok(Phrases {
        place: ctx.place.clone(),
        whole: whole.clone(),
        period_prose,
        period_table: ctx.period.table_label(),
        headline,
        subtitle,
        lede,
        industries: industries_text(summary, &whole),
        indicators: {
            let mut text = indicators_text(summary, &summary.prefecture.code)
                .map(|t| format!("{whole}{t}。"))
                .unwrap_or_default();
            // The prefecture's air is in each region's paragraph; a unit's
            // bulletin has no such paragraphs, so its own air goes here.
            if ctx.whole_of.is_some() {
                text.push_str(&air_sentence(p));
            }
            text
        },
        regions,
        stories: prefecture_stories,
        main_table,
        region_table,
        industry_table,
        charts,
        masthead,
        byline: ctx.publication.review.byline.clone(),
        notes: {
            let mut notes = notes(summary, ctx.period, comparable, &whole);
            if !ctx.missing_months.is_empty() {
                let months: Vec<String> = ctx
                    .missing_months
                    .iter()
                    .map(|m| format!("{}年{}月", &m[..4], m[5..].trim_start_matches('0')))
                    .collect();
                notes.insert(
                    0,
                    format!(
                        "本期数据不完整：{}尚无数据，各项指标按已有月份计算。",
                        join_cn(&months)
                    ),
                );
            }
            notes
        },
    })
}

/// Puts regions in the order `publication.toml` gives, the rest after them
/// in their own order.
fn in_section_order<T>(
    items: Vec<T>,
    publication: &Publication,
    code: impl Fn(&T) -> &String,
) -> Vec<T> {
    let order = publication.review.regions.as_deref().unwrap_or_default();
    let mut items: Vec<(usize, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let at = order.iter().position(|c| c == code(&item));
            (at.map_or(order.len() + i, |p| p), item)
        })
        .collect();
    items.sort_by_key(|(key, _)| *key);
    items.into_iter().map(|(_, item)| item).collect()
}

fn masthead(publication: &Publication, place: &str) -> MastheadText {
    let m = &publication.masthead;
    MastheadText {
        name: m.name.clone().unwrap_or_else(|| format!("{place}统计")),
        edition: m.edition.clone(),
        section: m.section.clone(),
        date: m
            .date
            .as_deref()
            .and_then(crate::load::parse_date)
            .map(|(y, mo, d)| format!("{y}年{mo}月{d}日 {}", weekday(y, mo, d))),
        issue: m.issue.clone(),
        editor: m.editor.clone(),
        publisher: m
            .publisher
            .clone()
            .unwrap_or_else(|| format!("{place}统计局")),
    }
}

/// 星期一 … 星期日 of a Gregorian date (empty for a day that does not exist).
pub fn weekday(year: i32, month: u8, day: u8) -> &'static str {
    use chrono::Datelike as _;
    chrono::NaiveDate::from_ymd_opt(year, month.into(), day.into()).map_or("", |date| {
        [
            "星期一",
            "星期二",
            "星期三",
            "星期四",
            "星期五",
            "星期六",
            "星期日",
        ][date.weekday().num_days_from_monday() as usize]
    })
}

fn charts(
    summary: &Summary,
    period: Period,
    regions: &[&Figures],
    division_figures: &[(&str, &Figures)],
    whole: &str,
    period_prose: &str,
) -> Charts {
    let p = &summary.prefecture;
    // 累计 runs from January: a period from January labels its months 1月,
    // 2月 … (each the 累计 to it), any other spells the span out, 1—5月.
    let from_january = period.month_range().0 == 1;
    let months: Vec<String> = p
        .monthly
        .iter()
        .map(|m| {
            let month: u8 = m.month[5..].parse().unwrap_or(1);
            if from_january {
                format!("{month}月")
            } else {
                Period::cumulative_to(month).table_label()
            }
        })
        .collect();
    let series = |name: &str, values: Vec<Option<Rational>>| Series {
        name: name.into(),
        labels: values.iter().map(|&v| signed(v)).collect(),
        values: values
            .into_iter()
            .map(|v| v.map(|v| v.round(1).to_f64()))
            .collect(),
    };
    let monthly = vec![
        series(
            "工业总产值",
            p.monthly.iter().map(|m| m.output_ytd_yoy_pct).collect(),
        ),
        series(
            "工业增加值",
            p.monthly
                .iter()
                .map(|m| m.value_added_ytd_yoy_pct)
                .collect(),
        ),
    ];
    let listed = |s: &Series| {
        months
            .iter()
            .zip(&s.labels)
            .map(|(m, l)| {
                format!(
                    "{m}{}",
                    if l == "—" {
                        "无数据".to_string()
                    } else {
                        format!("{}%", l.replace('−', "-"))
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    let monthly_alt = format!(
        "折线图：{}年{whole}规模以上工业累计增速（%）。{}：{}。{}：{}。",
        summary.year,
        monthly[0].name,
        listed(&monthly[0]),
        monthly[1].name,
        listed(&monthly[1]),
    );
    let bar = |f: &Figures| Bar {
        name: f.name.clone(),
        value: f.output_value.yoy_pct.map(|v| v.round(1).to_f64()),
        label: signed(f.output_value.yoy_pct),
    };
    let bars: Vec<Bar> = regions.iter().map(|r| bar(r)).collect();
    let reference = p.output_value.yoy_pct.is_some().then(|| Bar {
        name: whole.to_string(),
        ..bar(p)
    });
    // Each bar as a text alternative lists it (延吉市7.0%、汪清县无数据).
    let listed_bars = |bars: &[Bar], unit: &str| {
        bars.iter()
            .map(|b| {
                let figure = if b.label == "—" {
                    "无数据".to_string()
                } else {
                    format!("{}{unit}", b.label.replace('−', "-"))
                };
                format!("{}{figure}", b.name)
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    // A growth chart's text alternative: what it shows, the whole's figure
    // and each bar's.
    let bars_alt = |what: &str, bars: &[Bar]| {
        format!(
            "条形图：{period_prose}{what}规模以上工业产值增速（%）{}。{}。",
            reference
                .as_ref()
                .map(|r| format!("，{whole}为{}%", r.label.replace('−', "-")))
                .unwrap_or_default(),
            listed_bars(bars, "%")
        )
    };
    let divisions: Vec<Bar> = division_figures
        .iter()
        .map(|(name, f)| Bar {
            name: name.to_string(),
            ..bar(f)
        })
        .collect();
    let regions_alt = bars_alt("各县市", &bars);
    let divisions_alt = bars_alt("分行业", &divisions);
    let divisions_pull: Vec<Bar> = division_figures
        .iter()
        .map(|(name, f)| Bar {
            name: name.to_string(),
            value: f.output_value.pull_pp.map(|v| v.round(1).to_f64()),
            label: signed(f.output_value.pull_pp),
        })
        .collect();
    let divisions_pull_alt = format!(
        "条形图：{period_prose}分行业拉动{whole}规模以上工业产值增长（百分点）。{}。",
        listed_bars(&divisions_pull, "")
    );
    Charts {
        months,
        monthly,
        monthly_alt,
        regions: bars,
        reference,
        regions_alt,
        divisions,
        divisions_alt,
        divisions_pull,
        divisions_pull_alt,
    }
}

/// How a unit calls itself in prose, from the first of its names (short
/// name first) whose ending says what it is: 全州 for a 州 or 自治州, 全市
/// for a 市, 全盟, 全区 for a 地区 or 区, 全县, 全旗; otherwise 全市 (most
/// prefecture-level units are cities).
pub fn whole_name(names: &[String]) -> String {
    names
        .iter()
        .find_map(|name| {
            let last = if name.ends_with("地区") {
                '区'
            } else {
                name.chars().last()?
            };
            matches!(last, '市' | '盟' | '区' | '州' | '县' | '旗').then(|| format!("全{last}"))
        })
        .unwrap_or_else(|| "全市".into())
}

/// How the prefecture calls itself: publication.toml's `[review] whole`,
/// or the word its names give ([`whole_name`]).
pub fn prefecture_word(publication: &Publication, names: &[String]) -> String {
    publication
        .review
        .whole
        .clone()
        .unwrap_or_else(|| whole_name(names))
}

/// Rounds to one decimal for print: 四舍五入, half away from zero, on the
/// exact value (2.25 → 2.3, −1.25 → −1.3), never printing `-0.0`. Every
/// number of the bulletin is rounded by [`Rational::round`], here or with
/// other decimals.
pub fn one_decimal(x: Rational) -> String {
    x.round(1).to_string()
}

/// 万元 as 亿元 with one decimal: 3393000 → `339.3`.
pub fn yi(wan: Rational) -> String {
    one_decimal(wan.div_int(10_000).expect("a nonzero divisor"))
}

/// Growth in words, decided on the rounded value: 增长2.6%, 下降7.8%, 持平,
/// 增长1.8倍 from 100% up; `None` gives 无上年同期可比数据.
pub fn growth(pct: Option<Rational>) -> String {
    change_words(pct, "增长")
}

/// Price changes use 上涨 instead of 增长.
pub fn price_change(pct: Option<Rational>) -> String {
    change_words(pct, "上涨")
}

fn change_words(pct: Option<Rational>, up: &str) -> String {
    let Some(x) = pct else {
        return "无上年同期可比数据".into();
    };
    let printed = x.round(1);
    if printed.is_zero() {
        return "持平".into();
    }
    if x >= Rational::integer(100) {
        // +179% is 增长1.8倍: the new level is 2.79 times, the increase 1.79 times.
        return format!("{up}{}倍", one_decimal(x.div_int(100).expect("nonzero")));
    }
    if printed.signum() > 0 {
        format!("{up}{printed}%")
    } else {
        format!("下降{}%", printed.abs())
    }
}

/// `同比增长2.6%`; `持平` reads `与上年同期持平`.
pub fn with_tongbi(pct: Option<Rational>) -> String {
    match growth(pct).as_str() {
        "持平" => "与上年同期持平".into(),
        w if pct.is_none() => w.to_string(),
        w => format!("同比{w}"),
    }
}

/// A change in 百分点: 提高3.4个百分点, 下降…, 持平.
pub fn pp_change(pp: Option<Rational>) -> String {
    let Some(x) = pp else {
        return "无上年同期可比数据".into();
    };
    let printed = x.round(1);
    match printed.signum() {
        0 => "持平".into(),
        1 => format!("提高{printed}个百分点"),
        _ => format!("下降{}个百分点", printed.abs()),
    }
}

/// Compares a rate with the whole's: 高于全州1.2个百分点 / 低于… / 与全州持平.
pub fn against(
    rate: Option<Rational>,
    whole_rate: Option<Rational>,
    whole: &str,
) -> Option<String> {
    // Compare the printed rates: the reader checks the difference by hand.
    let diff = rate?.round(1).minus(whole_rate?.round(1));
    let printed = diff.abs();
    Some(match diff.signum() {
        0 => format!("与{whole}持平"),
        1 => format!("高于{whole}{printed}个百分点"),
        _ => format!("低于{whole}{printed}个百分点"),
    })
}

/// A growth rate against the earlier period's, the NBS way, decided on the
/// printed values: 增速比一季度加快0.6个百分点 / 回落…, 增速与一季度持平,
/// 降幅比一季度收窄… / 扩大…, and 一季度为下降0.5%，增速由负转正 (由正转负).
pub fn against_earlier(
    now: Option<Rational>,
    before: Option<Rational>,
    earlier: &str,
) -> Option<String> {
    let (a, b) = (now?.round(1), before?.round(1));
    let diff = a.minus(b).abs();
    Some(match (a.signum(), b.signum()) {
        _ if diff.is_zero() => format!("增速与{earlier}持平"),
        (1, -1) => format!("{earlier}为下降{}%，增速由负转正", b.abs()),
        (-1, 1) => format!("{earlier}为增长{b}%，增速由正转负"),
        (-1, -1) if a > b => format!("降幅比{earlier}收窄{diff}个百分点"),
        (-1, -1) => format!("降幅比{earlier}扩大{diff}个百分点"),
        _ if a > b => format!("增速比{earlier}加快{diff}个百分点"),
        _ => format!("增速比{earlier}回落{diff}个百分点"),
    })
}

/// 居全州第3位.
pub fn rank_words(rank: Option<u32>, whole: &str) -> Option<String> {
    rank.map(|n| format!("居{whole}第{n}位"))
}

/// Names, each with its own rate, the way statistics bureaus list divisions:
/// 甲产值增长a%，乙增长b%，丙下降c% (`measure` after the first name only).
/// Not 甲、乙和丙分别增长…: most GB/T 4754 names hold a 和 or a 、 of their
/// own (电力、热力生产和供应业), and in one run of names a reader cannot
/// tell where one ends.
pub fn each_with_rate(named: &[(&str, Option<Rational>)], measure: &str) -> String {
    named
        .iter()
        .enumerate()
        .map(|(i, (name, rate))| {
            let lead = if i == 0 { measure } else { "" };
            format!("{name}{lead}{}", growth(*rate))
        })
        .collect::<Vec<_>>()
        .join("，")
}

/// Joins with 、 and a final 和: a、b和c.
pub fn join_cn(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}和{last}", init.join("、")),
    }
}

fn headline(p: &Figures) -> String {
    let out = p.output_value.yoy_pct.map(|g| g.round(1));
    let va = p.value_added.yoy_pct.map(|g| g.round(1));
    match (out.map(|o| o.signum()), out, va) {
        (Some(1), Some(o), Some(v)) if v > o => "稳中有进 量增质升".into(),
        (Some(1), _, Some(v)) if v.signum() > 0 => "稳中有进 量质齐升".into(),
        (Some(1), ..) => "规模扩大 稳步增长".into(),
        (Some(-1), ..) => "承压前行 蓄势待发".into(),
        _ => "稳字当头 蓄势前行".into(),
    }
}

fn region_text(r: &Figures, p: &Figures, whole: &str, earlier: Option<&str>) -> String {
    if r.enterprises == 0 {
        return "本期无规模以上工业企业数据。".into();
    }
    // The template sets the region's name as a heading or a run-in label
    // (延吉市：); the paragraph opens with the unit as its subject (全市, 全县),
    // which also gives its first line, after the indent, characters enough
    // that the line never has to take a three-digit 产值 or be spaced apart.
    // Under a prefecture that calls itself the same (a 市's 县级市: 占全市的…),
    // the unit goes by its name instead.
    let own = whole_name(std::slice::from_ref(&r.name));
    let subject = if own == whole {
        r.name.as_str()
    } else {
        own.as_str()
    };
    let mut first = format!(
        "{subject}{}户规模以上工业企业实现产值{}亿元，占{whole}的{}%，{}",
        r.enterprises,
        yi(r.output_value.level),
        r.output_value.share_pct.map_or("—".into(), one_decimal),
        with_tongbi(r.output_value.yoy_pct),
    );
    let extras: Vec<String> = [
        against(r.output_value.yoy_pct, p.output_value.yoy_pct, whole),
        rank_words(r.rank, whole),
    ]
    .into_iter()
    .flatten()
    .collect();
    for e in extras {
        first.push('，');
        first.push_str(&e);
    }
    let moved = earlier
        .and_then(|e| {
            let then = r.earlier.as_ref()?.value_added_yoy_pct;
            against_earlier(r.value_added.yoy_pct, then, e)
        })
        .map(|t| format!("，{t}"))
        .unwrap_or_default();
    format!(
        "{first}；增加值{}{moved}。{}",
        growth(r.value_added.yoy_pct),
        air_sentence(r)
    )
}

/// 空气质量优良天数比例为98.4%，同比提高3.4个百分点。 — empty without air data.
fn air_sentence(f: &Figures) -> String {
    let Some(air) = &f.air else {
        return String::new();
    };
    let Some(ratio) = air.ratio_pct else {
        return String::new();
    };
    let mut text = format!("空气质量优良天数比例为{}%", one_decimal(ratio));
    if air.yoy_pp.is_some() {
        text.push_str(&format!("，同比{}", pp_change(air.yoy_pp)));
    }
    text.push('。');
    text
}

/// The catalogue indicators of one region in a clause each, such as
/// 接待游客312.4万人次，同比增长21.3%；实现旅游收入…; `None` when the region
/// has none.
fn indicators_text(summary: &Summary, code: &str) -> Option<String> {
    let clauses: Vec<String> = summary
        .indicators
        .iter()
        .filter_map(|ind| {
            let v = ind.values.iter().find(|v| v.code == code)?;
            let level = v.level?;
            let printed = level.round(ind.entry.decimals.into());
            let mut clause = format!("{}{printed}{}", ind.entry.name, ind.entry.unit);
            if v.yoy_pct.is_some() {
                clause.push_str(&format!("，{}", with_tongbi(v.yoy_pct)));
            }
            Some(clause)
        })
        .collect();
    (!clauses.is_empty()).then(|| clauses.join("；"))
}

fn industries_text(summary: &Summary, whole: &str) -> String {
    let breadth = &summary.growth_breadth;
    let mut text = String::new();
    // 分三大门类看，采矿业增加值增长…，制造业增长…。
    if !summary.sections.is_empty() {
        let sections: Vec<String> = summary
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let rate = growth(s.value_added.yoy_pct);
                match (i, s.value_added.yoy_pct) {
                    (0, _) | (_, None) => format!("{}增加值{rate}", s.name),
                    _ => format!("{}{rate}", s.name),
                }
            })
            .collect();
        text.push_str(&format!("分三大门类看，{}。", sections.join("，")));
    }
    // 装备制造业增加值增长…，高于全州…。
    for g in &summary.groups {
        let mut clause = format!("{}增加值{}", g.name, growth(g.value_added.yoy_pct));
        if let Some(t) = against(
            g.value_added.yoy_pct,
            summary.prefecture.value_added.yoy_pct,
            whole,
        ) {
            clause.push_str(&format!("，{t}"));
        }
        text.push_str(&clause);
        text.push('。');
    }
    text.push_str(&format!(
        "分行业看，{whole}{}个行业大类中，{}个行业产值实现增长",
        summary.industries.len(),
        breadth.grown
    ));
    if let Some(pct) = breadth.pct {
        text.push_str(&format!("，增长面为{}%", one_decimal(pct)));
    }
    let mut leaders: Vec<&Figures> = summary
        .industries
        .iter()
        .filter(|i| i.output_value.pull_pp.is_some())
        .collect();
    leaders.sort_by(|a, b| {
        b.output_value
            .pull_pp
            .partial_cmp(&a.output_value.pull_pp)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let top: Vec<&Figures> = leaders
        .into_iter()
        .filter(|i| i.output_value.pull_pp.is_some_and(|x| x.signum() > 0))
        .take(3)
        .collect();
    if !top.is_empty() {
        let named: Vec<(&str, Option<Rational>)> = top
            .iter()
            .map(|i| (i.name.as_str(), i.output_value.yoy_pct))
            .collect();
        text.push_str(&format!(
            "。其中，{}，合计拉动{whole}产值增长{}个百分点",
            each_with_rate(&named, "产值"),
            one_decimal(
                top.iter()
                    .filter_map(|i| i.output_value.pull_pp)
                    .sum::<Rational>()
            ),
        ));
    }
    text.push('。');
    text
}

fn notes(summary: &Summary, period: Period, comparable: bool, whole_word: &str) -> Vec<String> {
    let months = format!("{}年{}", summary.year, period.table_label());
    let whole = "全部";
    let mut notes = vec![
        format!(
            "统计范围：年主营业务收入2000万元及以上的工业法人单位。本期口径为{months}有数据的{}户企业，分布于{}{}个行业大类。",
            summary.prefecture.enterprises,
            if summary.regions.is_empty() {
                String::new()
            } else {
                format!("{}个县（市）、", summary.regions.len())
            },
            summary.industries.len(),
        ),
        format!(
            "指标解释：增长速度按可比口径计算，上年同期数为本期企业在上年相同月份的数据之和，上年无数据的月份按零计。{}占比为地区（行业）产值占{whole}产值的比重；贡献率为其产值增量占{whole}产值增量的比重；拉动为其产值增量与{whole}上年同期产值之比，以百分点表示；增长面为产值增长的行业大类占有上年数据的行业大类的比重。位次按产值增速由高到低排列。累计数自1月起计算，累计、当月{}增速均按各自口径计算。",
            if comparable {
                "工业增加值增速按可比价格计算，以分行业工业生产者出厂价格指数（上年同月=100）缩减。"
            } else {
                "工业增加值增速按现价计算，未剔除价格因素。"
            },
            period
                .earlier()
                .map_or(String::new(), |e| format!("及{}", e.prose_label())),
        ),
    ];
    if summary.prefecture.air.is_some() {
        notes.push(format!("空气质量优良天数比例为空气质量指数（AQI）不高于100的天数占有效监测天数的比重，{whole_word}数按各县（市）监测天数合计计算。"));
    }
    let mut sources = vec!["规模以上工业企业月度统计报表".to_string()];
    if comparable {
        sources.push("工业生产者出厂价格指数".into());
    }
    if summary.prefecture.air.is_some() {
        sources.push("环境空气质量日报".into());
    }
    let others = if summary.indicators.is_empty() {
        String::new()
    } else {
        format!(
            "；{}数据由有关部门提供",
            join_cn(
                &summary
                    .indicators
                    .iter()
                    .map(|i| i.entry.name.clone())
                    .collect::<Vec<_>>()
            )
        )
    };
    notes.push(format!(
        "数据来源：{}{others}。部分数据因四舍五入，分项之和与总计略有出入。",
        sources.join("、")
    ));
    notes
}

/// A figure of `summary.csv` as a table prints it, by its unit: 万元 in
/// 亿元, 户 and 位 whole, anything else with one decimal; signed with a true
/// minus sign, `—` when undefined. (Stories' `signed` wording; `review diff`.)
pub fn signed_figure(value: Option<Rational>, unit: &str) -> String {
    match unit {
        "户" | "位" => value.map_or("—".into(), |v| v.round(0).to_string()),
        "万元" => signed(value.and_then(|v| v.div_int(10_000))),
        _ => signed(value),
    }
}

/// A signed number for tables: `2.6`, `−7.8` (with a true minus sign), `—`.
pub fn signed(pct: Option<Rational>) -> String {
    match pct {
        None => "—".into(),
        Some(x) => {
            let s = one_decimal(x);
            match s.strip_prefix('-') {
                Some(rest) => format!("−{rest}"),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_of_gregorian_dates() {
        assert_eq!(weekday(2024, 7, 22), "星期一");
        assert_eq!(weekday(1970, 1, 1), "星期四");
        assert_eq!(weekday(2000, 2, 29), "星期二");
        assert_eq!(weekday(2024, 12, 29), "星期日");
        assert_eq!(weekday(2023, 2, 29), "");
    }

    /// A figure as its decimal reads.
    fn q(x: f64) -> Option<Rational> {
        Rational::from_f64(x)
    }

    #[test]
    fn growth_words_follow_the_printed_value() {
        let cases = [
            (q(2.6), "增长2.6%"),
            (q(2.649), "增长2.6%"),
            (q(-7.8), "下降7.8%"),
            (q(0.04), "持平"),
            (q(-0.04), "持平"),
            (q(-0.05), "下降0.1%"),
            (q(99.96), "增长100.0%"),
            (q(100.0), "增长1.0倍"),
            (q(179.0), "增长1.8倍"),
            (None, "无上年同期可比数据"),
        ];
        for (x, want) in cases {
            assert_eq!(growth(x), want, "{x:?}");
        }
        // Exact ties round half away from zero.
        assert_eq!(growth(q(2.25)), "增长2.3%");
        assert_eq!(growth(q(-1.25)), "下降1.3%");
        assert_eq!(growth(q(0.05)), "增长0.1%");
        assert_eq!(growth(Rational::percent(9, 400)), "增长2.3%");
        assert_eq!(price_change(q(1.2)), "上涨1.2%");
        assert_eq!(price_change(q(-0.3)), "下降0.3%");
        assert_eq!(with_tongbi(q(2.6)), "同比增长2.6%");
        assert_eq!(with_tongbi(q(0.0)), "与上年同期持平");
    }

    #[test]
    fn percentage_points() {
        assert_eq!(pp_change(q(3.352)), "提高3.4个百分点");
        assert_eq!(pp_change(q(-1.25)), "下降1.3个百分点");
        assert_eq!(pp_change(q(0.01)), "持平");
        assert_eq!(
            against(q(5.0), q(2.6), "全州").unwrap(),
            "高于全州2.4个百分点"
        );
        assert_eq!(
            against(q(-1.0), q(2.6), "全州").unwrap(),
            "低于全州3.6个百分点"
        );
        assert_eq!(against(q(2.64), q(2.56), "全州").unwrap(), "与全州持平");
        assert_eq!(against(None, q(2.6), "全州"), None);
    }

    #[test]
    fn against_the_earlier_period() {
        let cases = [
            (4.2, 3.6, "增速比一季度加快0.6个百分点"),
            (3.0, 4.2, "增速比一季度回落1.2个百分点"),
            (-2.0, -5.0, "降幅比一季度收窄3.0个百分点"),
            (-5.0, -2.0, "降幅比一季度扩大3.0个百分点"),
            (1.0, -0.5, "一季度为下降0.5%，增速由负转正"),
            (-1.0, 2.0, "一季度为增长2.0%，增速由正转负"),
            (2.04, 1.96, "增速与一季度持平"),
            // Decided on the printed values: 4.25 prints 4.3, 3.64 prints 3.6.
            (4.25, 3.64, "增速比一季度加快0.7个百分点"),
        ];
        for (a, b, want) in cases {
            assert_eq!(
                against_earlier(q(a), q(b), "一季度").unwrap(),
                want,
                "{a} vs {b}"
            );
        }
        assert_eq!(against_earlier(q(1.0), None, "一季度"), None);
    }

    /// A unit whose output and value added grew by `out` and `va` %.
    fn grown(out: f64, va: f64) -> Figures {
        let flow = |g: f64| crate::aggregate::Flow {
            level: Rational::ZERO,
            comparable_level: Rational::ZERO,
            base: Rational::ZERO,
            yoy_pct: q(g),
            share_pct: None,
            share_pp: None,
            contrib_pct: None,
            pull_pp: None,
            base_two_years: None,
            two_year_avg_pct: None,
        };
        Figures {
            code: "100000".into(),
            name: "测试州".into(),
            enterprises: 1,
            output_value: flow(out),
            value_added: flow(va),
            sales_value: None,
            export_value: None,
            sales_ratio: None,
            rank: None,
            monthly: Vec::new(),
            air: None,
            earlier: None,
        }
    }

    #[test]
    fn headlines_fit_the_figures() {
        assert_eq!(headline(&grown(2.6, 4.2)), "稳中有进 量增质升");
        assert_eq!(headline(&grown(2.6, 1.0)), "稳中有进 量质齐升");
        assert_eq!(headline(&grown(2.6, -1.0)), "规模扩大 稳步增长");
        // Output falls: never 量增, however value added does.
        assert_eq!(headline(&grown(-1.0, 4.2)), "承压前行 蓄势待发");
        // Decided on the printed values: 0.04 % is 持平.
        assert_eq!(headline(&grown(0.04, 4.2)), "稳字当头 蓄势前行");
        // 2.25 and 2.26 both print 2.3: as printed, value added is not faster.
        assert_eq!(headline(&grown(2.25, 2.26)), "稳中有进 量质齐升");
    }

    #[test]
    fn lists_and_ranks() {
        let named = |list: &[(&'static str, f64)]| -> Vec<(&'static str, Option<Rational>)> {
            list.iter().map(|&(n, r)| (n, q(r))).collect()
        };
        // The sample's leaders: each name ends where its rate begins.
        assert_eq!(
            each_with_rate(
                &named(&[
                    ("有色金属矿采选业", 110.0),
                    ("电力、热力生产和供应业", 4.7),
                    ("专用设备制造业", 11.65)
                ]),
                "产值"
            ),
            "有色金属矿采选业产值增长1.1倍，电力、热力生产和供应业增长4.7%，专用设备制造业增长11.7%"
        );
        assert_eq!(
            each_with_rate(&named(&[("甲", 1.0), ("乙", -2.0), ("丙", 0.04)]), "产值"),
            "甲产值增长1.0%，乙下降2.0%，丙持平"
        );
        assert_eq!(
            each_with_rate(&named(&[("甲", 2.25)]), "产值"),
            "甲产值增长2.3%"
        );
        assert_eq!(rank_words(Some(3), "全州").unwrap(), "居全州第3位");
        assert_eq!(join_cn(&["甲".into()]), "甲");
    }

    #[test]
    fn numbers_and_names() {
        let wan = |x: f64| Rational::from_f64(x).unwrap();
        assert_eq!(yi(wan(3_393_000.0)), "339.3");
        assert_eq!(yi(wan(3_392_949.0)), "339.3");
        assert_eq!(yi(wan(11_500.0)), "1.2");
        assert_eq!(one_decimal(wan(-0.04)), "0.0");
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(whole_name(&names(&["延边州"])), "全州");
        assert_eq!(whole_name(&names(&["延边", "延边朝鲜族自治州"])), "全州");
        assert_eq!(whole_name(&names(&["长春市"])), "全市");
        assert_eq!(whole_name(&names(&["锡林郭勒盟"])), "全盟");
        assert_eq!(whole_name(&names(&["阿里地区"])), "全区");
        assert_eq!(whole_name(&names(&["汪清县"])), "全县");
        assert_eq!(whole_name(&names(&["延吉市"])), "全市");
        assert_eq!(whole_name(&names(&["某某"])), "全市");
        assert_eq!(
            table_name("39", "计算机、通信和其他电子设备制造业", None),
            "计算机通信电子"
        );
        assert_eq!(
            table_name("39", "计算机、通信和其他电子设备制造业", Some("电子")),
            "电子"
        );
        assert_eq!(table_name("99", "其他", None), "其他");
        assert_eq!(signed(q(-7.84)), "−7.8");
        assert_eq!(signed(q(2.6)), "2.6");
        assert_eq!(signed(q(-0.01)), "0.0");
        assert_eq!(signed(None), "—");
    }
}
