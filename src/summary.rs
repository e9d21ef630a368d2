//! The period's figures as the aggregate stage leaves them: the contract
//! between the statistics and the bulletin, serialised as `summary.json`
//! and, one figure per row, as `summary.csv` ([`Summary::rows`]).
//!
//! Levels are exact sums in 万元 and every rate, share, 贡献率 and 拉动 is
//! an exact fraction of such sums ([`Rational`]); both files hold them
//! unrounded. `docs/methodology.md` defines each measure.

use serde::Serialize;

use crate::load::CatalogEntry;
use crate::number::Rational;

/// How value added is valued when it grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prices {
    /// Deflated by the producer price index (可比价).
    Comparable,
    /// Not deflated (按现价计算), chosen with `--current-prices`.
    Current,
}

/// The period's figures: the contract between the statistics and the
/// bulletin. Serialised as `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Period identifier, such as `2024-H1`.
    pub period: String,
    /// The period's key, such as `H1`.
    pub period_key: String,
    /// The year.
    pub year: i32,
    /// Months of the period, `YYYY-MM`.
    pub months: Vec<String>,
    /// The same months one year earlier: the base of growth rates.
    pub comparison_months: Vec<String>,
    /// How value added growth is valued.
    pub prices: Prices,
    /// The prefecture as a whole.
    pub prefecture: Figures,
    /// Each county-level unit, in the order of `regions.csv`.
    pub regions: Vec<Figures>,
    /// Each division with enterprises in scope, in the order of
    /// `industries.csv`.
    pub industries: Vec<Figures>,
    /// The 三大门类 (GB/T 4754 sections B, C, D) with enterprises in scope,
    /// attributed like divisions; no monthly series.
    pub sections: Vec<Figures>,
    /// The groups of divisions of `industry_groups.csv` (装备制造业, …), in
    /// file order; no monthly series.
    pub groups: Vec<Figures>,
    /// The earlier period growth is compared with (`Q1` for `H1`), when the
    /// period has one ([`crate::period::Period::earlier`]).
    pub earlier_period: Option<String>,
    /// 增长面 of the divisions' output.
    pub growth_breadth: GrowthBreadth,
    /// Catalogue indicators (tourism, investment, …), in catalogue order.
    pub indicators: Vec<IndicatorFigures>,
}

/// 增长面: how many divisions' output grew, among those with a base.
#[derive(Debug, Clone, Serialize)]
pub struct GrowthBreadth {
    /// Divisions whose output growth is above zero.
    pub grown: u32,
    /// Divisions with a defined growth rate.
    pub with_base: u32,
    /// grown / with_base × 100; `None` when no division has a base.
    pub pct: Option<Rational>,
}

impl GrowthBreadth {
    /// The 增长面 of `units`: those whose output grew (exactly above zero)
    /// among those with a growth rate.
    pub fn of(units: &[Figures]) -> GrowthBreadth {
        let rates: Vec<Rational> = units
            .iter()
            .filter_map(|u| u.output_value.yoy_pct)
            .collect();
        let grown = rates.iter().filter(|g| g.signum() > 0).count() as u32;
        let with_base = rates.len() as u32;
        GrowthBreadth {
            grown,
            with_base,
            pct: Rational::percent(grown.into(), with_base.into()),
        }
    }
}

/// A catalogue indicator for the prefecture and every region.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorFigures {
    /// The catalogue's description of the indicator.
    #[serde(flatten)]
    pub entry: CatalogEntry,
    /// The prefecture first, then the regions in file order.
    pub values: Vec<IndicatorValue>,
}

/// One region's value of a catalogue indicator.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorValue {
    /// Region code.
    pub code: String,
    /// This period, aggregated per the catalogue.
    pub level: Option<Rational>,
    /// The same months last year.
    pub base: Option<Rational>,
    /// Growth, %.
    pub yoy_pct: Option<Rational>,
}

/// Figures of one unit: the prefecture, a region or a division.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Region or division code.
    pub code: String,
    /// Region or division name.
    pub name: String,
    /// Enterprises in scope (户).
    pub enterprises: u32,
    /// 工业总产值, 万元 at current prices.
    pub output_value: Flow,
    /// 工业增加值, 万元 at current prices; growth per [`Summary::prices`].
    pub value_added: Flow,
    /// 销售产值, 万元, when the data has the column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_value: Option<Flow>,
    /// 出口交货值, 万元, when the data has the column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_value: Option<Flow>,
    /// 产品销售率 = sales / output × 100, when the data has sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_ratio: Option<Ratio>,
    /// Rank among regions by output growth, 1 = fastest (regions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    /// 当月 and 累计 figures for each month of the period.
    pub monthly: Vec<MonthFigures>,
    /// Air quality, for the prefecture and regions when the data has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub air: Option<AirQuality>,
    /// Growth of the earlier period ([`Summary::earlier_period`]), computed
    /// as its own period: the whole and each county-level unit, when the
    /// period has an earlier one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier: Option<Earlier>,
}

/// The earlier period's growth rates of a unit, each computed on that
/// period's own comparable scope.
#[derive(Debug, Clone, Serialize)]
pub struct Earlier {
    /// Output growth, %.
    pub output_yoy_pct: Option<Rational>,
    /// Value-added growth (at the run's prices), %.
    pub value_added_yoy_pct: Option<Rational>,
}

/// A ratio of two flows, in %, and its change in 百分点.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    /// This period, %.
    pub level: Option<Rational>,
    /// The base period, %.
    pub base: Option<Rational>,
    /// Change, 百分点.
    pub yoy_pp: Option<Rational>,
}

/// 优良天数比例: the share of days with a reading whose AQI is at most 100.
#[derive(Debug, Clone, Serialize)]
pub struct AirQuality {
    /// Days with a reading in the period.
    pub days: u32,
    /// Of which good (AQI ≤ 100).
    pub good_days: u32,
    /// Good days / days × 100.
    pub ratio_pct: Option<Rational>,
    /// The same ratio a year earlier.
    pub base_ratio_pct: Option<Rational>,
    /// Change in 百分点.
    pub yoy_pp: Option<Rational>,
}

/// A flow (a sum over enterprise-months) and the measures derived from it.
/// `None` means undefined (zero base, no comparison data), never zero.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// This period, current prices, 万元.
    pub level: Rational,
    /// This period at the prices growth is measured at (deflated value added;
    /// equal to `level` for flows at current prices).
    pub comparable_level: Rational,
    /// The same months last year, comparable scope.
    pub base: Rational,
    /// Year-on-year growth, %.
    pub yoy_pct: Option<Rational>,
    /// Share of the whole this period, %.
    pub share_pct: Option<Rational>,
    /// Change of the share against the base period, 百分点.
    pub share_pp: Option<Rational>,
    /// 贡献率: this unit's change over the whole's change, %.
    pub contrib_pct: Option<Rational>,
    /// 拉动: this unit's change over the whole's base, 百分点.
    pub pull_pp: Option<Rational>,
    /// The same months two years earlier, comparable scope (this period's
    /// enterprises); `None` when the data does not reach back that far.
    pub base_two_years: Option<Rational>,
    /// 两年平均增长: sqrt(level / two years' base) − 1, %. Value added at
    /// comparable prices is deflated by this year's and last year's index.
    pub two_year_avg_pct: Option<Rational>,
}

/// One month of a unit's series: 当月 is the month as its own period (the
/// enterprises with a row that month, in the unit of that row), 累计 is
/// January to the month as its own period (its own scope and attribution).
#[derive(Debug, Clone, Serialize)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// 当月 output value, 万元.
    pub output_value: Rational,
    /// 当月 output growth, %.
    pub output_yoy_pct: Option<Rational>,
    /// 累计 (from January) output value, 万元.
    pub output_ytd: Rational,
    /// 累计 output growth, %.
    pub output_ytd_yoy_pct: Option<Rational>,
    /// 当月 value added, 万元 at current prices.
    pub value_added: Rational,
    /// 当月 value added growth, %.
    pub value_added_yoy_pct: Option<Rational>,
    /// 累计 value added, 万元 at current prices.
    pub value_added_ytd: Rational,
    /// 累计 value added growth, %.
    pub value_added_ytd_yoy_pct: Option<Rational>,
}

/// Header of `summary.csv`, the long-format contract (README, "Output").
pub const SUMMARY_CSV_HEADER: [&str; 7] = [
    "period",
    "region_code",
    "group",
    "indicator",
    "measure",
    "value",
    "unit",
];

/// One figure of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow {
    /// Region code (the prefecture's for divisions).
    pub region: String,
    /// `total` or `industry:<code>`.
    pub group: String,
    /// Indicator key, such as `output_value`.
    pub indicator: String,
    /// Measure key, such as `yoy_pct` or `month_level:06`.
    pub measure: String,
    /// Unrounded value; `None` when undefined.
    pub value: Option<Rational>,
    /// Unit: 户, 万元, %, 百分点, 位 or the catalogue's unit.
    pub unit: String,
}

impl Summary {
    /// `summary.csv`: one row per figure, unrounded (the shortest decimal
    /// that reads back as the nearest `f64`); an undefined figure has an
    /// empty value.
    pub fn to_csv(&self, prefecture_code: &str) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(SUMMARY_CSV_HEADER)
            .expect("writing to memory");
        for r in self.rows(prefecture_code) {
            let value = r.value.map(|v| v.to_string()).unwrap_or_default();
            w.write_record([
                self.period.as_str(),
                &r.region,
                &r.group,
                &r.indicator,
                &r.measure,
                &value,
                &r.unit,
            ])
            .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }

    /// The figures of `summary.csv`, in its order.
    pub fn rows(&self, prefecture_code: &str) -> Vec<FigureRow> {
        let mut out = Vec::new();
        let mut row = |region: &str,
                       group: &str,
                       indicator: &str,
                       measure: &str,
                       value: Option<Rational>,
                       unit: &str| {
            out.push(FigureRow {
                region: region.to_string(),
                group: group.to_string(),
                indicator: indicator.to_string(),
                measure: measure.to_string(),
                value,
                unit: unit.to_string(),
            });
        };
        let mut units: Vec<(&str, String, &Figures)> =
            vec![(prefecture_code, "total".into(), &self.prefecture)];
        units.extend(
            self.regions
                .iter()
                .map(|r| (r.code.as_str(), "total".to_string(), r)),
        );
        units.extend(
            self.industries
                .iter()
                .map(|i| (prefecture_code, format!("industry:{}", i.code), i)),
        );
        units.extend(
            self.sections
                .iter()
                .map(|s| (prefecture_code, format!("section:{}", s.code), s)),
        );
        units.extend(
            self.groups
                .iter()
                .map(|g| (prefecture_code, format!("group:{}", g.code), g)),
        );
        for (region, group, f) in &units {
            row(
                region,
                group,
                "enterprises",
                "level",
                Some(Rational::integer(f.enterprises.into())),
                "户",
            );
            let mut flows = vec![
                ("output_value", &f.output_value),
                ("value_added", &f.value_added),
            ];
            flows.extend(f.sales_value.as_ref().map(|v| ("sales_value", v)));
            flows.extend(f.export_value.as_ref().map(|v| ("export_value", v)));
            for (name, flow) in flows {
                row(region, group, name, "level", Some(flow.level), "万元");
                row(region, group, name, "yoy_pct", flow.yoy_pct, "%");
                row(region, group, name, "share_pct", flow.share_pct, "%");
                row(region, group, name, "share_pp", flow.share_pp, "百分点");
                row(region, group, name, "contrib_pct", flow.contrib_pct, "%");
                row(region, group, name, "pull_pp", flow.pull_pp, "百分点");
                row(
                    region,
                    group,
                    name,
                    "two_year_avg_pct",
                    flow.two_year_avg_pct,
                    "%",
                );
            }
            if let Some(earlier) = &f.earlier {
                for (name, rate) in [
                    ("output_value", earlier.output_yoy_pct),
                    ("value_added", earlier.value_added_yoy_pct),
                ] {
                    row(region, group, name, "earlier_yoy_pct", rate, "%");
                }
            }
            if let Some(ratio) = &f.sales_ratio {
                row(region, group, "sales_ratio", "level", ratio.level, "%");
                row(
                    region,
                    group,
                    "sales_ratio",
                    "yoy_pp",
                    ratio.yoy_pp,
                    "百分点",
                );
            }
            if let Some(rank) = f.rank {
                row(
                    region,
                    group,
                    "output_value",
                    "rank",
                    Some(Rational::integer(rank.into())),
                    "位",
                );
            }
            if let Some(air) = &f.air {
                row(
                    region,
                    group,
                    "air_good_days_ratio",
                    "level",
                    air.ratio_pct,
                    "%",
                );
                row(
                    region,
                    group,
                    "air_good_days_ratio",
                    "yoy_pp",
                    air.yoy_pp,
                    "百分点",
                );
            }
        }
        for ind in &self.indicators {
            for v in &ind.values {
                let key = ind.entry.indicator.as_str();
                row(&v.code, "total", key, "level", v.level, &ind.entry.unit);
                row(&v.code, "total", key, "yoy_pct", v.yoy_pct, "%");
            }
        }
        for (region, group, f) in &units {
            for m in &f.monthly {
                let mm = &m.month[5..];
                let series = [
                    ("output_value", "month_level", Some(m.output_value), "万元"),
                    ("output_value", "month_yoy_pct", m.output_yoy_pct, "%"),
                    ("output_value", "ytd_level", Some(m.output_ytd), "万元"),
                    ("output_value", "ytd_yoy_pct", m.output_ytd_yoy_pct, "%"),
                    ("value_added", "month_level", Some(m.value_added), "万元"),
                    ("value_added", "month_yoy_pct", m.value_added_yoy_pct, "%"),
                    ("value_added", "ytd_level", Some(m.value_added_ytd), "万元"),
                    ("value_added", "ytd_yoy_pct", m.value_added_ytd_yoy_pct, "%"),
                ];
                for (indicator, measure, value, unit) in series {
                    row(
                        region,
                        group,
                        indicator,
                        &format!("{measure}:{mm}"),
                        value,
                        unit,
                    );
                }
            }
        }
        out
    }
}
