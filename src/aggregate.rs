//! Stage 2, aggregate: turns the validated enterprise-month rows into the
//! period's figures with Polars lazy plans.
//!
//! The plans read the enterprise rows load kept ([`crate::load::EnterpriseRows`]),
//! filtered once to the period and the same months one and two years earlier
//! ([`Scope`]), and work on *comparable scope*: the
//! enterprises in scope are those with at least one row in the period; the
//! base of every growth rate is the same months of the previous year for
//! those enterprises only (an enterprise without a row in a base month
//! contributes 0 to it). Each enterprise is attributed to the region and
//! division of its latest row in the period, for the period and its base
//! alike.
//!
//! Value added grows at comparable prices: each enterprise-month's value added
//! is divided by its division's price index for that month (same month last
//! year = 100; a division without its own row uses the month's `all` row)
//! before summing. The base is not deflated.
//!
//! Every figure is kept unrounded; rounding happens once, in the phrase stage.

use polars::prelude::*;
use serde::Serialize;

use crate::error::{DataError, Error, Result};
use crate::load::{Aggregation, CatalogEntry, Dataset, Region, month_number};
use crate::period::{Period, month_key};

/// How value added is valued when it grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prices {
    /// Deflated by the producer price index (可比价).
    Comparable,
    /// Not deflated (按现价计算), chosen with `--current-prices`.
    Current,
}

/// What to aggregate.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    /// The period.
    pub period: Period,
    /// Its year.
    pub year: i32,
    /// Comparable or current prices for value added.
    pub prices: Prices,
    /// Aggregate one county-level unit (an index into `Dataset::counties`)
    /// as if it were the whole: its enterprises (attributed as usual, to
    /// their latest region), its divisions, its monthly series, its air.
    /// The summary's `prefecture` is then that unit and `regions` is empty.
    pub region: Option<usize>,
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
    pub pct: Option<f64>,
}

impl GrowthBreadth {
    fn of(units: &[Figures]) -> GrowthBreadth {
        let rates: Vec<f64> = units
            .iter()
            .filter_map(|u| u.output_value.yoy_pct)
            .collect();
        let grown = rates.iter().filter(|&&g| g > 0.0).count() as u32;
        let with_base = rates.len() as u32;
        let pct = (with_base > 0).then(|| f64::from(grown) / f64::from(with_base) * 100.0);
        GrowthBreadth {
            grown,
            with_base,
            pct,
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
    pub level: Option<f64>,
    /// The same months last year.
    pub base: Option<f64>,
    /// Growth, %.
    pub yoy_pct: Option<f64>,
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
}

/// A ratio of two flows, in %, and its change in 百分点.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    /// This period, %.
    pub level: Option<f64>,
    /// The base period, %.
    pub base: Option<f64>,
    /// Change, 百分点.
    pub yoy_pp: Option<f64>,
}

/// 优良天数比例: the share of days with a reading whose AQI is at most 100.
#[derive(Debug, Clone, Serialize)]
pub struct AirQuality {
    /// Days with a reading in the period.
    pub days: u32,
    /// Of which good (AQI ≤ 100).
    pub good_days: u32,
    /// Good days / days × 100.
    pub ratio_pct: Option<f64>,
    /// The same ratio a year earlier.
    pub base_ratio_pct: Option<f64>,
    /// Change in 百分点.
    pub yoy_pp: Option<f64>,
}

/// A flow (a sum over enterprise-months) and the measures derived from it.
/// `None` means undefined (zero base, no comparison data), never zero.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// This period, current prices.
    pub level: f64,
    /// This period at the prices growth is measured at (deflated value added;
    /// equal to `level` for flows at current prices).
    pub comparable_level: f64,
    /// The same months last year, comparable scope.
    pub base: f64,
    /// Year-on-year growth, %.
    pub yoy_pct: Option<f64>,
    /// Share of the prefecture total this period, %.
    pub share_pct: Option<f64>,
    /// Change of the share against the base period, 百分点.
    pub share_pp: Option<f64>,
    /// 贡献率: this unit's change over the total's change, %.
    pub contrib_pct: Option<f64>,
    /// 拉动: this unit's change over the total's base, 百分点.
    pub pull_pp: Option<f64>,
    /// The same months two years earlier, comparable scope (this period's
    /// enterprises); `None` when the data does not reach back that far.
    pub base_two_years: Option<f64>,
    /// 两年平均增长: sqrt(level / two years' base) − 1, %. Value added at
    /// comparable prices is deflated by this year's and last year's index.
    pub two_year_avg_pct: Option<f64>,
}

/// One month of a unit's series.
#[derive(Debug, Clone, Serialize)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// 当月 output value, 万元.
    pub output_value: f64,
    /// 当月 output growth, %.
    pub output_yoy_pct: Option<f64>,
    /// 累计 (from the period's first month) output value, 万元.
    pub output_ytd: f64,
    /// 累计 output growth, %.
    pub output_ytd_yoy_pct: Option<f64>,
    /// 当月 value added, 万元 at current prices.
    pub value_added: f64,
    /// 当月 value added growth, %.
    pub value_added_yoy_pct: Option<f64>,
    /// 累计 value added, 万元 at current prices.
    pub value_added_ytd: f64,
    /// 累计 value added growth, %.
    pub value_added_ytd_yoy_pct: Option<f64>,
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
    pub value: Option<f64>,
    /// Unit: 户, 万元, %, 百分点, 位 or the catalogue's unit.
    pub unit: String,
}

impl Summary {
    /// `summary.csv`: one row per figure, unrounded (shortest decimal that
    /// reads back as the same `f64`); an undefined figure has an empty value.
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
                       value: Option<f64>,
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
        for (region, group, f) in &units {
            row(
                region,
                group,
                "enterprises",
                "level",
                Some(f64::from(f.enterprises)),
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
                    Some(f64::from(rank)),
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

/// Aggregates the dataset for the request.
pub fn aggregate(data: &Dataset, req: Request) -> Result<Summary> {
    aggregate_scoped(data, req, &Scope::new(data, req)?)
}

/// A period's comparable scope, worked out once for every bulletin of a run:
/// each enterprise in scope with the region and division it counts in and
/// its sums (period, base, two years back), the rows behind the monthly
/// series, and the small tables (air quality, indicators), which do not
/// depend on the unit. [`aggregate_scoped`] groups it for the whole or for
/// one county-level unit.
pub struct Scope {
    /// One row per enterprise in scope.
    enterprises: DataFrame,
    /// The period's rows of those enterprises summed per region, division
    /// and month (the region and division they count in).
    current_rows: DataFrame,
    /// The same for the base's rows.
    previous_rows: DataFrame,
    /// The data reaches two years back.
    two_years: bool,
    /// Value added can be deflated two years back.
    va_two_years: bool,
    /// Air quality of every county and pooled (code `None`).
    air: Option<Vec<(Option<String>, AirQuality)>>,
    indicators: Vec<IndicatorFigures>,
}

/// Rows (of the months kept) from which the scope's plans stream. Below,
/// the rows take a few tens of MB and the in-memory engine is quicker.
pub const STREAMING_ROWS: usize = 500_000;

impl Scope {
    /// Works out the scope of `req`'s period, year and prices (its `region`
    /// plays no part: units are grouped from the whole's scope).
    ///
    /// Its plans read the rows: from [`STREAMING_ROWS`] rows on they run on
    /// Polars' streaming engine, so that memory follows the groups, and
    /// below on the in-memory engine, which starts faster. The two give the
    /// same bits (every sum is exact), so a verify that rebuilds from fewer
    /// rows still matches.
    pub fn new(data: &Dataset, req: Request) -> Result<Scope> {
        let engine = if data.rows.frame().height() >= STREAMING_ROWS {
            Engine::Streaming
        } else {
            Engine::InMemory
        };
        Scope::on(data, req, engine)
    }

    /// [`Scope::new`] on the given engine.
    fn on(data: &Dataset, req: Request, engine: Engine) -> Result<Scope> {
        let (first, last) = req.period.month_range();
        let (kept_first, kept_last) = data.kept_months;
        if first < kept_first || last > kept_last {
            return Err(internal(polars_err!(
                ComputeError: "the data was loaded for months {kept_first}–{kept_last}, not {first}–{last}"
            )));
        }
        // The small tables do not depend on the enterprise figures: meanwhile.
        let (scope, (air, indicators)) = rayon::join(
            || enterprise_scope(data, req, engine),
            || {
                let air = data
                    .air_quality_file
                    .as_ref()
                    .map(|_| air_quality(&data.tables.air_quality, &data.counties, req))
                    .transpose();
                (air, indicators(data, req))
            },
        );
        let mut scope = scope?;
        scope.air = air?;
        scope.indicators = indicators?;
        Ok(scope)
    }
}

/// `month` within the request's months of `year`.
fn in_period(req: Request, year: i32) -> Expr {
    let (first, last) = req.period.month_range();
    col("month")
        .gt_eq(lit(month_number(year, first)))
        .and(col("month").lt_eq(lit(month_number(year, last))))
}

/// The enterprise part of a [`Scope`]: the rows the period's figures need
/// (the period, a year and two years earlier), deflated, summed per
/// enterprise and attributed.
fn enterprise_scope(data: &Dataset, req: Request, engine: Engine) -> Result<Scope> {
    if data.counties.len().max(data.industries.len()) >= 1 << UNIT_BITS {
        return Err(internal(polars_err!(
            ComputeError: "more than {} regions or divisions", (1 << UNIT_BITS) - 1
        )));
    }
    let (first, last) = req.period.month_range();
    let in_period = |year: i32| in_period(req, year);
    let needed = in_period(req.year)
        .or(in_period(req.year - 1))
        .or(in_period(req.year - 2));
    // Materialised once: the plans below read these rows.
    let rows = collect(engine, data.rows.frame().clone().lazy().filter(needed))?.lazy();
    let flows = flow_columns(data);
    let current = rows.clone().filter(in_period(req.year));
    let raw: Vec<&str> = flows.iter().map(|f| f.column).collect();
    let mut derived = raw.clone();
    derived.extend(["value_added_cmp", "value_added_cmp2"]);
    // Materialised once, deflated: every plan below reads these rows.
    let current = collect(engine, fix_columns(deflate(data, current, req)?, &derived))?;
    let va_two_years = check_index(data, &current, req)?;
    let current = current.lazy();
    let rows = fix_columns(rows, &raw);
    let previous = rows.clone().filter(in_period(req.year - 1));
    // Two years back only when the data has every month of that period.
    let two_years = data.missing_months(req.year - 2, (first, last)).is_empty();

    // One row per enterprise in scope, with its attribution and sums.
    // (An enterprise has one row a month: its latest row is unique.)
    // The latest month's unit is the greatest month-and-unit key: a plain
    // maximum, which the engine does in one pass (unlike taking a value at
    // an arg-max per group).
    let latest = keyed(col("month"), unit_code(col("region"), col("industry")))
        .max()
        .alias("latest");
    let mut sums = vec![latest];
    for f in &flows {
        sums.push(col(f.column).sum().alias(f.prefix));
        sums.push(
            col(f.comparable_column())
                .sum()
                .alias(format!("{}_cmp", f.prefix)),
        );
        sums.push(
            col(f.two_year_column())
                .sum()
                .alias(format!("{}_cmp2", f.prefix)),
        );
    }
    let enterprises = current
        .clone()
        .group_by([col("enterprise")])
        .agg(sums)
        .cache();
    // Summed per enterprise; the left join below keeps those in scope.
    let base_of = |rows: LazyFrame, suffix: &str| {
        rows.group_by([col("enterprise")]).agg(
            flows
                .iter()
                .map(|f| col(f.column).sum().alias(format!("{}{suffix}", f.prefix)))
                .collect::<Vec<_>>(),
        )
    };
    let mut scoped = enterprises.join(
        base_of(previous.clone(), "_base"),
        [col("enterprise")],
        [col("enterprise")],
        JoinArgs::new(JoinType::Left),
    );
    if two_years {
        scoped = scoped.join(
            base_of(rows.filter(in_period(req.year - 2)), "_base2"),
            [col("enterprise")],
            [col("enterprise")],
            JoinArgs::new(JoinType::Left),
        );
    } else {
        scoped = scoped.with_columns(
            flows
                .iter()
                .map(|f| {
                    lit(NULL)
                        .cast(DataType::Int64)
                        .alias(format!("{}_base2", f.prefix))
                })
                .collect::<Vec<_>>(),
        );
    }
    let mut fill = Vec::new();
    for f in &flows {
        fill.push(col(format!("{}_base", f.prefix)).fill_null(lit(0i64)));
        if two_years {
            fill.push(col(format!("{}_base2", f.prefix)).fill_null(lit(0i64)));
        }
    }
    // One row per enterprise in scope, materialised once for every grouping.
    let [region, industry, _] = unpacked("latest");
    fill.extend([region, industry]);
    let enterprises = collect(engine, scoped.with_columns(fill).drop(cols(["latest"])))?;

    // The rows of the enterprises in scope with the unit they count in,
    // for the monthly series. Load numbers enterprises densely, so a row
    // finds its unit by index in a table (null: not in scope) rather than
    // through a hash join.
    let units = Series::new("unit".into(), units_by_enterprise(data, &enterprises)?);
    // Summed per region, division and month (exact sums, so the series
    // add up the same from these cells as from the rows).
    let attributed = |rows: LazyFrame, flows: &[&str]| {
        let unit = lit(units.clone()).gather(col("enterprise"), false);
        let mut columns = vec![keyed(col("month"), unit).alias("key")];
        columns.extend(flows.iter().map(|c| col(*c)));
        let mut unpack = unpacked("key").to_vec();
        unpack.push(all().exclude_cols(["key"]).as_expr());
        rows.select(columns)
            .filter(col("key").is_not_null())
            .group_by([col("key")])
            .agg(flows.iter().map(|c| col(*c).sum()).collect::<Vec<_>>())
            .select(unpack)
    };
    let [current_rows, previous_rows] = collect_all(
        engine,
        [
            attributed(current, &["output_value", "value_added", "value_added_cmp"]),
            attributed(previous, &["output_value", "value_added"]),
        ],
    )?;
    Ok(Scope {
        enterprises,
        current_rows,
        previous_rows,
        two_years,
        va_two_years,
        air: None,
        indicators: Vec::new(),
    })
}

/// Bits of a region or division index in a packed key (see [`keyed`]).
const UNIT_BITS: u32 = 21;

/// A unit, region and division index, as one integer: region · 2²¹ +
/// division.
fn unit_code(region: Expr, industry: Expr) -> Expr {
    region.cast(DataType::Int64) * lit(1i64 << UNIT_BITS) + industry.cast(DataType::Int64)
}

/// A month and a [`unit_code`] packed into one `Int64` key (month · 2⁴² +
/// unit; `yyyymm` months need 20 bits): one key to group by, or to take the
/// maximum of, instead of three. Its order is the month's, then the unit's.
fn keyed(month: Expr, unit: Expr) -> Expr {
    month.cast(DataType::Int64) * lit(1i64 << (2 * UNIT_BITS)) + unit
}

/// The region, division and month of the packed key in column `key`.
fn unpacked(key: &str) -> [Expr; 3] {
    let index = |shift: u32| {
        ((col(key) / lit(1i64 << shift)) % lit(1i64 << UNIT_BITS)).cast(DataType::UInt32)
    };
    [
        index(UNIT_BITS).alias("region"),
        index(0).alias("industry"),
        (col(key) / lit(1i64 << (2 * UNIT_BITS)))
            .cast(DataType::Int32)
            .alias("month"),
    ]
}

/// For every enterprise number load gave out, the [`unit_code`] it counts
/// in, or null when it is not in scope (not among `enterprises`).
fn units_by_enterprise(data: &Dataset, enterprises: &DataFrame) -> Result<Vec<Option<i64>>> {
    let numbers = |frame: &DataFrame, name: &str| -> Result<UInt32Chunked> {
        Ok(frame
            .column(name)
            .map_err(internal)?
            .u32()
            .map_err(internal)?
            .clone())
    };
    let count = numbers(data.rows.frame(), "enterprise")?
        .max()
        .map_or(0, |max| max as usize + 1);
    let mut units = vec![None; count];
    let [enterprise, region, industry] =
        ["enterprise", "region", "industry"].map(|name| numbers(enterprises, name));
    for ((e, r), i) in enterprise?
        .into_no_null_iter()
        .zip(region?.into_no_null_iter())
        .zip(industry?.into_no_null_iter())
    {
        units[e as usize] = Some((i64::from(r) << UNIT_BITS) + i64::from(i));
    }
    Ok(units)
}

/// [`aggregate`] from a scope worked out for the same period, year and
/// prices: the whole's figures, or (`req.region`) one unit's.
///
/// The plans here read the scope's frames, one row per enterprise or per
/// region, division and month, so they run on the in-memory engine: at the
/// sample's size each streaming start-up cost more than the plan, and a
/// batch runs them once per unit. Both engines give the same bits (the sums
/// are exact; see [`flow_measures`]).
pub fn aggregate_scoped(data: &Dataset, req: Request, scope: &Scope) -> Result<Summary> {
    summarise(data, req, scope, Engine::InMemory)
}

/// [`aggregate_scoped`] on the given engine.
fn summarise(data: &Dataset, req: Request, scope: &Scope, engine: Engine) -> Result<Summary> {
    let months = req.period.months(req.year);
    let comparison_months = req.period.months(req.year - 1);
    let flows = flow_columns(data);
    let whole = req.region.map_or(&data.prefecture, |i| &data.counties[i]);
    // A unit's enterprises: those counting in it (their latest region).
    let of_unit = |frame: &DataFrame| {
        let frame = frame.clone().lazy();
        match req.region {
            Some(i) => frame.filter(col("region").eq(lit(i as u32))),
            None => frame,
        }
    };
    let scoped = of_unit(&scope.enterprises);
    let current_rows = of_unit(&scope.current_rows);
    let previous_rows = of_unit(&scope.previous_rows);
    let plan = Plan {
        flows: &flows,
        two_years: scope.two_years,
        va_two_years: scope.va_two_years,
    };

    // A unit's own bulletin has no regions below it.
    let counties: &[Region] = if req.region.is_some() {
        &[]
    } else {
        &data.counties
    };
    let regions = grouped(scoped.clone(), col("region"), units(counties), true, &plan);
    let industries_ref: Vec<Region> = data
        .industries
        .iter()
        .map(|i| Region {
            code: i.code.clone(),
            name: i.name.clone(),
            short_name: i.name.clone(),
        })
        .collect();
    let industries = grouped(
        scoped.clone(),
        col("industry"),
        units(&industries_ref),
        false,
        &plan,
    );
    let total = grouped(
        scoped.clone(),
        lit(0u32),
        units(std::slice::from_ref(whole)),
        false,
        &plan,
    );
    let [regions, industries, total] = collect_all(engine, [regions, industries, total])?;
    let series = |key: &str, list: &[Region]| {
        monthly_series(
            current_rows.clone(),
            previous_rows.clone(),
            col(key),
            list,
            req,
        )
    };
    let [total_months, region_months, industry_months] = collect_all(
        engine,
        [
            series("whole", std::slice::from_ref(whole))?,
            series("region", counties)?,
            series("industry", &industries_ref)?,
        ],
    )?;
    let (total_months, region_months, industry_months) = (
        month_figures(&total_months)?,
        month_figures(&region_months)?,
        month_figures(&industry_months)?,
    );

    let mut prefecture = figures(&total)?
        .into_iter()
        .next()
        .ok_or_else(|| no_data(data, req))?;
    if prefecture.enterprises == 0 {
        return Err(no_data(data, req));
    }
    let mut regions = figures(&regions)?;
    let mut industries = figures(&industries)?;
    let per = req.period.months(req.year).len();
    prefecture.monthly = total_months;
    for (unit, months) in regions.iter_mut().zip(region_months.chunks(per)) {
        unit.monthly = months.to_vec();
    }
    for (unit, months) in industries.iter_mut().zip(industry_months.chunks(per)) {
        unit.monthly = months.to_vec();
    }
    if let Some(air) = &scope.air {
        let whole_code = req.region.map(|i| data.counties[i].code.as_str());
        prefecture.air = air
            .iter()
            .find(|(code, _)| code.as_deref() == whole_code)
            .map(|(_, a)| a.clone());
        for region in &mut regions {
            region.air = air
                .iter()
                .find(|(c, _)| c.as_deref() == Some(region.code.as_str()))
                .map(|(_, a)| a.clone());
        }
    }
    Ok(Summary {
        period: format!("{}-{}", req.year, req.period.key()),
        period_key: req.period.key(),
        year: req.year,
        months,
        comparison_months,
        prices: req.prices,
        prefecture,
        regions,
        growth_breadth: GrowthBreadth::of(&industries),
        industries: industries
            .into_iter()
            .filter(|f| f.enterprises > 0)
            .collect(),
        indicators: scope.indicators.clone(),
    })
}

/// A flow of the enterprise file and the prefix of its columns in frames.
struct FlowCol {
    column: &'static str,
    prefix: &'static str,
}

impl FlowCol {
    /// The row column growth is measured on (deflated for value added).
    fn comparable_column(&self) -> &'static str {
        if self.column == "value_added" {
            "value_added_cmp"
        } else {
            self.column
        }
    }

    /// The row column the two-year average is measured on.
    fn two_year_column(&self) -> &'static str {
        if self.column == "value_added" {
            "value_added_cmp2"
        } else {
            self.column
        }
    }
}

/// The flows the data has: output and value added always, sales and exports
/// when their columns are present.
fn flow_columns(data: &Dataset) -> Vec<FlowCol> {
    let mut flows = vec![
        FlowCol {
            column: "output_value",
            prefix: "out",
        },
        FlowCol {
            column: "value_added",
            prefix: "va",
        },
    ];
    for &column in &data.optional_flows {
        let prefix = if column == "sales_value" {
            "sales"
        } else {
            "export"
        };
        flows.push(FlowCol { column, prefix });
    }
    flows
}

/// What the grouped measures depend on.
struct Plan<'a> {
    flows: &'a [FlowCol],
    /// The data reaches two years back.
    two_years: bool,
    /// Value added can be deflated two years back.
    va_two_years: bool,
}

fn no_data(data: &Dataset, req: Request) -> Error {
    DataError::file(
        &data.industry_file,
        format!("no enterprise rows for {}-{}", req.year, req.period.key()),
    )
    .into()
}

/// Adds `value_added_cmp` (value added at the prices growth is measured at)
/// and `value_added_cmp2` (at the prices of two years earlier: deflated by
/// this year's and last year's index for the same month and division), with
/// the `index` and `index_prev` they were deflated by ([`check_index`]).
fn deflate(data: &Dataset, rows: LazyFrame, req: Request) -> Result<LazyFrame> {
    if req.prices == Prices::Current {
        let rows = rows.with_columns([
            col("value_added").alias("value_added_cmp"),
            col("value_added").alias("value_added_cmp2"),
        ]);
        return Ok(rows);
    }
    if data.price_index_file.is_none() {
        return Err(DataError::file(
            data.industry_file
                .with_file_name(crate::load::PRICE_INDEX_FILE),
            "file not found; value added grows at comparable prices, which needs the price index \
             (or run with --current-prices to compute growth at current prices)",
        )
        .into());
    }
    // Months and divisions numbered like the enterprise rows (load did).
    let index = data.tables.price_index.frame().clone().lazy();
    // Every month of the period and division, next to the same month a
    // year earlier: the indices are looked up on this small table, which
    // then joins the rows once.
    let (first, last) = req.period.month_range();
    let (mut this_year, mut last_year, mut division) = (Vec::new(), Vec::new(), Vec::new());
    for m in first..=last {
        for d in 0..data.industries.len() as u32 {
            this_year.push(month_number(req.year, m));
            last_year.push(month_number(req.year - 1, m));
            division.push(d);
        }
    }
    let calendar = df!("month" => this_year, "month_prev" => last_year, "industry" => division)
        .expect("equal lengths")
        .lazy();
    // The index of (month key column, division), falling back to the month's `all` row.
    let lookup = |rows: LazyFrame, month: &str, alias: &str| {
        let own = index.clone().filter(col("industry").is_not_null());
        let all = index
            .clone()
            .filter(col("industry").is_null())
            .select([col("month"), col("index").alias("index_all")]);
        rows.join(
            own.select([
                col("month"),
                col("industry"),
                col("index").alias("index_own"),
            ]),
            [col(month), col("industry")],
            [col("month"), col("industry")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            all,
            [col(month)],
            [col("month")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("index_own").fill_null(col("index_all")).alias(alias))
        .drop(cols(["index_own", "index_all"]))
    };
    let deflated = |joined: LazyFrame| {
        let deflated = col("value_added") / (col("index") / lit(100.0));
        joined.with_columns([
            deflated.clone().alias("value_added_cmp"),
            (deflated / (col("index_prev") / lit(100.0))).alias("value_added_cmp2"),
        ])
    };
    let factors = lookup(
        lookup(calendar, "month", "index"),
        "month_prev",
        "index_prev",
    );
    let joined = rows.join(
        factors,
        [col("month"), col("industry")],
        [col("month"), col("industry")],
        JoinArgs::new(JoinType::Left),
    );
    Ok(deflated(joined))
}

/// Checks the deflated rows: a month and division with no index at all (not
/// even the month's `all` row) cannot be deflated. Returns whether every row
/// had last year's index too, without which the two-year average of value
/// added is undefined.
fn check_index(data: &Dataset, rows: &DataFrame, req: Request) -> Result<bool> {
    let (Prices::Comparable, Some(path)) = (req.prices, &data.price_index_file) else {
        return Ok(true);
    };
    let nulls = |name: &str| rows.column(name).map(Column::null_count).map_err(internal);
    if nulls("index")? > 0 {
        let missing = rows
            .clone()
            .lazy()
            .filter(col("index").is_null())
            .group_by([col("month"), col("industry")])
            .agg([len()])
            .sort(["month", "industry"], SortMultipleOptions::default());
        let missing = missing.collect().map_err(|e| polars_error(path, e))?;
        let months = f64_column(&missing, "month")?;
        let divisions = f64_column(&missing, "industry")?;
        let errors = months
            .iter()
            .zip(&divisions)
            .take(crate::error::MAX_DATA_ERRORS)
            .map(|(m, d)| {
                let m = m.unwrap_or_default() as i32;
                let m = month_key(m / 100, (m % 100) as u8);
                let c = &data.industries[d.unwrap_or_default() as usize].code;
                DataError::file(
                    path,
                    format!("no index for {m} and division {c}, and no `all` row for {m}; add one or run with --current-prices"),
                )
            })
            .collect();
        return Err(Error::Data(errors));
    }
    Ok(nulls("index_prev")? == 0)
}

/// The reference table of units (regions or divisions) in their file order,
/// so that units without enterprises still appear, in a stable order;
/// `order` is also the index the enterprise rows use.
fn units(list: &[Region]) -> LazyFrame {
    let codes: Vec<&str> = list.iter().map(|r| r.code.as_str()).collect();
    let names: Vec<&str> = list.iter().map(|r| r.name.as_str()).collect();
    let order: Vec<u32> = (0..list.len() as u32).collect();
    df!("code" => codes, "name" => names, "order" => order)
        .expect("columns of equal length")
        .lazy()
}

/// Groups the enterprises by `key` (the unit's index) and derives every
/// measure of a flow.
fn grouped(
    scoped: LazyFrame,
    key: Expr,
    units: LazyFrame,
    rank: bool,
    plan: &Plan<'_>,
) -> LazyFrame {
    let mut sums = vec![len().cast(DataType::UInt32).alias("enterprises")];
    let mut fill = vec![col("enterprises").fill_null(lit(0u32))];
    for f in plan.flows {
        for suffix in ["", "_cmp", "_cmp2", "_base", "_base2"] {
            let name = format!("{}{suffix}", f.prefix);
            if suffix == "_base2" && !plan.two_years {
                // Summing nulls gives 0; a base the data lacks stays null.
                sums.push(lit(NULL).cast(DataType::Float64).alias(name.as_str()));
                continue;
            }
            sums.push(col(name.as_str()).sum());
            let exact = col(name.as_str()).fill_null(lit(0i64));
            if matches!(suffix, "" | "_cmp" | "_base") {
                // The exact sums stay beside the 万元 for the totals.
                fill.push(exact.clone().alias(format!("{name}_fixed")));
            }
            fill.push(from_fixed(exact).alias(name.as_str()));
        }
    }
    let mut frame = units
        .join(
            scoped.group_by([key.alias("order")]).agg(sums),
            [col("order")],
            [col("order")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(fill)
        .sort(["order"], SortMultipleOptions::default());
    for f in plan.flows {
        let two_years = plan.two_years && (f.column != "value_added" || plan.va_two_years);
        frame = frame.with_columns(flow_measures(f.prefix, two_years));
    }
    if plan.flows.iter().any(|f| f.column == "sales_value") {
        frame = frame.with_columns([
            pct(col("sales"), col("out")).alias("sales_ratio"),
            pct(col("sales_base"), col("out_base")).alias("sales_ratio_base"),
        ]);
        frame = frame
            .with_column((col("sales_ratio") - col("sales_ratio_base")).alias("sales_ratio_pp"));
    }
    if rank {
        frame = frame.with_column(
            col("out_yoy_pct")
                .rank(
                    RankOptions {
                        method: RankMethod::Min,
                        descending: true,
                    },
                    None,
                )
                .cast(DataType::UInt32)
                .alias("rank"),
        );
    }
    frame
}

/// Resolution of the exact sums: 1 000 000 units per 万元, i.e. one fen
/// (0.01 yuan); inputs with up to six decimals of 万元 are held exactly, and
/// an i64 sum overflows only past 9.2 × 10^12 万元, a thousand times China's
/// annual GDP.
///
/// Flows are summed as whole numbers of this unit. Integer sums do not
/// depend on the order of their terms, which joins, hash groups and threads
/// do not keep, so a rebuild gives the same bits; floating-point sums would
/// differ in the last digits from run to run.
const FIXED: f64 = 1_000_000.0;

/// A value in 万元 as a whole number of [`FIXED`] units, rounded half away
/// from zero.
fn to_fixed(value: Expr) -> Expr {
    let scaled = value * lit(FIXED);
    when(scaled.clone().gt_eq(lit(0.0)))
        .then(scaled.clone() + lit(0.5))
        .otherwise(scaled - lit(0.5))
        .cast(DataType::Int64)
}

/// Back from [`FIXED`] units to 万元.
fn from_fixed(value: Expr) -> Expr {
    value.cast(DataType::Float64) / lit(FIXED)
}

/// Replaces each named column by its [`to_fixed`] value.
fn fix_columns(frame: LazyFrame, names: &[&str]) -> LazyFrame {
    frame.with_columns(
        names
            .iter()
            .map(|n| to_fixed(col(*n)).alias(*n))
            .collect::<Vec<_>>(),
    )
}

/// `growth / base` as a percentage, null where the base is zero.
fn pct(change: Expr, base: Expr) -> Expr {
    when(base.clone().neq(lit(0.0)))
        .then(change / base * lit(100.0))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// Growth, share, share change, contribution, pull and two-year average of
/// one flow, computed over the whole frame of units (whose sums are the
/// total). Nominal levels give shares; comparable levels give growth.
///
/// The totals are sums of the units' exact sums (`…_fixed`), so they are the
/// same whatever order the engine adds the units in.
fn flow_measures(prefix: &str, two_years: bool) -> Vec<Expr> {
    let nominal = col(prefix);
    let base = col(format!("{prefix}_base"));
    let exact = |suffix: &str| col(format!("{prefix}{suffix}_fixed"));
    let nominal_total = from_fixed(exact("").sum());
    let base_total = from_fixed(exact("_base").sum());
    // Differences of exact sums, rounded once.
    let change = from_fixed(exact("_cmp") - exact("_base"));
    let total_change = from_fixed(exact("_cmp").sum() - exact("_base").sum());
    let base2 = col(format!("{prefix}_base2"));
    let two_year = if two_years {
        when(
            base2
                .clone()
                .gt(lit(0.0))
                .and(col(format!("{prefix}_cmp2")).gt_eq(lit(0.0))),
        )
        .then(((col(format!("{prefix}_cmp2")) / base2).sqrt() - lit(1.0)) * lit(100.0))
        .otherwise(lit(NULL).cast(DataType::Float64))
    } else {
        lit(NULL).cast(DataType::Float64)
    };
    vec![
        pct(change.clone(), base.clone()).alias(format!("{prefix}_yoy_pct")),
        pct(nominal.clone(), nominal_total.clone()).alias(format!("{prefix}_share_pct")),
        (pct(nominal, nominal_total) - pct(base.clone(), base_total.clone()))
            .alias(format!("{prefix}_share_pp")),
        pct(change.clone(), total_change).alias(format!("{prefix}_contrib_pct")),
        pct(change, base_total).alias(format!("{prefix}_pull_pp")),
        two_year.alias(format!("{prefix}_two_year_avg_pct")),
    ]
}

/// 当月 and 累计 series over the period's months for every unit of `units`:
/// the rows of the enterprises in scope, attributed like the period's
/// figures, grouped by `key` (the unit's index, `whole` for the whole) and
/// month.
fn monthly_series(
    current: LazyFrame,
    previous: LazyFrame,
    key: Expr,
    list: &[Region],
    req: Request,
) -> Result<LazyFrame> {
    let month_no = || (col("month") % lit(100)).alias("mm");
    let key = || key.clone().alias("order");
    let cur = current
        .with_column(lit(0u32).alias("whole"))
        .group_by([key(), month_no()])
        .agg([
            col("output_value").sum().alias("out"),
            col("value_added").sum().alias("va"),
            col("value_added_cmp").sum(),
        ]);
    let prev = previous
        .with_column(lit(0u32).alias("whole"))
        .group_by([key(), month_no()])
        .agg([
            col("output_value").sum().alias("out_base"),
            col("value_added").sum().alias("va_base"),
        ]);
    // Every unit × month, so months without rows are 0 and units keep their order.
    let months = req.period.months(req.year);
    let (mut order, mut month, mut mm) = (Vec::new(), Vec::new(), Vec::new());
    let (first, _) = req.period.month_range();
    for i in 0..list.len() as u32 {
        for (m, text) in (first..).zip(&months) {
            order.push(i);
            month.push(text.clone());
            mm.push(i32::from(m));
        }
    }
    let grid = df!("order" => order, "month" => month, "mm" => mm)
        .expect("columns of equal length")
        .lazy();
    let zero = |c: &str| col(c).fill_null(lit(0i64));
    // Cumulative sums in whole units (exact), then everything back to 万元.
    let ytd = |c: &str| {
        let sum = col(c)
            .cum_sum(false)
            .over([col("order")])
            .map_err(internal)?;
        Ok::<Expr, Error>(sum.alias(format!("{c}_ytd")))
    };
    let flows = ["out", "va", "value_added_cmp", "out_base", "va_base"];
    let back: Vec<Expr> = flows
        .iter()
        .flat_map(|c| {
            [
                from_fixed(col(*c)).alias(*c),
                from_fixed(col(format!("{c}_ytd"))).alias(format!("{c}_ytd")),
            ]
        })
        .collect();
    let keys = || [col("order"), col("mm")];
    Ok(grid
        .join(cur, keys(), keys(), JoinArgs::new(JoinType::Left))
        .join(prev, keys(), keys(), JoinArgs::new(JoinType::Left))
        .sort(["order", "month"], SortMultipleOptions::default())
        .with_columns([
            zero("out"),
            zero("va"),
            zero("value_added_cmp"),
            zero("out_base"),
            zero("va_base"),
        ])
        .with_columns(flows.iter().map(|c| ytd(c)).collect::<Result<Vec<_>>>()?)
        .with_columns(back)
        .with_columns([
            pct(col("out") - col("out_base"), col("out_base")).alias("out_yoy_pct"),
            pct(col("value_added_cmp") - col("va_base"), col("va_base")).alias("va_yoy_pct"),
            pct(col("out_ytd") - col("out_base_ytd"), col("out_base_ytd")).alias("out_ytd_yoy_pct"),
            pct(
                col("value_added_cmp_ytd") - col("va_base_ytd"),
                col("va_base_ytd"),
            )
            .alias("va_ytd_yoy_pct"),
        ]))
}

/// 优良天数比例 per county and pooled over all counties (code `None`), this
/// period and a year earlier. Dates compare as text: `YYYY-MM-DD` sorts like
/// the calendar, and validation guaranteed the format.
fn air_quality(
    rows: &crate::load::Table,
    counties: &[Region],
    req: Request,
) -> Result<Vec<(Option<String>, AirQuality)>> {
    let (first, last) = req.period.month_range();
    let window = |year: i32| {
        // From the first day of the first month to before the month after the
        // last ("2024-13" sorts after every day of 2024-12).
        let end = format!("{year:04}-{:02}", last + 1);
        col("date")
            .gt_eq(lit(month_key(year, first)))
            .and(col("date").lt(lit(end)))
    };
    // The days of the period and of its base.
    let rows = collect_small(
        rows.frame()
            .clone()
            .lazy()
            .filter(window(req.year).or(window(req.year - 1))),
    )?
    .lazy();
    let tally = |year: i32, suffix: &str| {
        rows.clone()
            .filter(window(year))
            .group_by([col("region_code")])
            .agg([
                len().cast(DataType::Float64).alias(format!("days{suffix}")),
                col("aqi")
                    .lt_eq(lit(100.0))
                    .cast(DataType::Float64)
                    .sum()
                    .alias(format!("good{suffix}")),
            ])
    };
    let per_region = units(counties)
        .select([col("code"), col("order")])
        .join(
            tally(req.year, ""),
            [col("code")],
            [col("region_code")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            tally(req.year - 1, "_base"),
            [col("code")],
            [col("region_code")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("days").fill_null(lit(0.0)),
            col("good").fill_null(lit(0.0)),
            col("days_base").fill_null(lit(0.0)),
            col("good_base").fill_null(lit(0.0)),
        ])
        .sort(["order"], SortMultipleOptions::default());
    let per_region = collect_small(per_region)?.lazy();
    let pooled = per_region.clone().select([
        lit(NULL).cast(DataType::String).alias("code"),
        col("days").sum(),
        col("good").sum(),
        col("days_base").sum(),
        col("good_base").sum(),
    ]);
    let frame = concat(
        [
            per_region.select([
                col("code"),
                col("days"),
                col("good"),
                col("days_base"),
                col("good_base"),
            ]),
            pooled,
        ],
        UnionArgs::default(),
    )
    .map_err(internal)?
    .with_columns([
        pct(col("good"), col("days")).alias("ratio"),
        pct(col("good_base"), col("days_base")).alias("ratio_base"),
    ])
    .with_column((col("ratio") - col("ratio_base")).alias("pp"));
    let df = collect_small(frame)?;
    let codes = df
        .column("code")
        .map_err(internal)?
        .str()
        .map_err(internal)?
        .clone();
    let codes: Vec<Option<String>> = codes.iter().map(|c| c.map(str::to_string)).collect();
    let (days, good) = (f64_column(&df, "days")?, f64_column(&df, "good")?);
    let (ratio, base, pp) = (
        f64_column(&df, "ratio")?,
        f64_column(&df, "ratio_base")?,
        f64_column(&df, "pp")?,
    );
    Ok(codes
        .into_iter()
        .enumerate()
        .map(|(i, code)| {
            let air = AirQuality {
                days: days[i].unwrap_or(0.0) as u32,
                good_days: good[i].unwrap_or(0.0) as u32,
                ratio_pct: ratio[i],
                base_ratio_pct: base[i],
                yoy_pp: pp[i],
            };
            (code, air)
        })
        .collect())
}

/// Catalogue indicators per region and for the prefecture. Months combine per
/// the catalogue (sum, mean, or the latest month's value). The prefecture's
/// own rows are used when the file has them; otherwise a sum or last-value
/// indicator is the sum over the regions that have it, and a mean has no
/// prefecture figure (it cannot be pooled without weights).
fn indicators(data: &Dataset, req: Request) -> Result<Vec<IndicatorFigures>> {
    if data.indicators_file.is_none() {
        return Ok(Vec::new());
    }
    let rows = data.tables.indicators.frame().clone().lazy();
    let keys: Vec<&str> = data.catalog.iter().map(|c| c.indicator.as_str()).collect();
    let how: Vec<&str> = data
        .catalog
        .iter()
        .map(|c| match c.aggregation {
            Aggregation::Sum => "sum",
            Aggregation::Mean => "mean",
            Aggregation::Last => "last",
        })
        .collect();
    let catalog = df!("indicator" => keys, "how" => how)
        .expect("equal lengths")
        .lazy();
    let (first, last) = req.period.month_range();
    let per_region = |year: i32, alias: &str| {
        rows.clone()
            .filter(
                col("month")
                    .gt_eq(lit(month_key(year, first)))
                    .and(col("month").lt_eq(lit(month_key(year, last)))),
            )
            .group_by([col("region_code"), col("indicator")])
            .agg([
                from_fixed(to_fixed(col("value")).sum()).alias("sum"),
                (from_fixed(to_fixed(col("value")).sum())
                    / col("value").count().cast(DataType::Float64))
                .alias("mean"),
                col("value")
                    .sort_by([col("month")], SortMultipleOptions::default())
                    .last()
                    .alias("last"),
            ])
            .join(
                catalog.clone(),
                [col("indicator")],
                [col("indicator")],
                JoinArgs::new(JoinType::Inner),
            )
            .select([
                col("region_code"),
                col("indicator"),
                when(col("how").eq(lit("sum")))
                    .then(col("sum"))
                    .when(col("how").eq(lit("mean")))
                    .then(col("mean"))
                    .otherwise(col("last"))
                    .alias(alias),
            ])
    };
    // Every (region, indicator) pair, prefecture first, in catalogue order.
    let mut codes = vec![data.prefecture.code.clone()];
    codes.extend(data.counties.iter().map(|r| r.code.clone()));
    let mut grid_code = Vec::new();
    let mut grid_indicator = Vec::new();
    let mut grid_order = Vec::new();
    for (i, entry) in data.catalog.iter().enumerate() {
        for (j, code) in codes.iter().enumerate() {
            grid_code.push(code.clone());
            grid_indicator.push(entry.indicator.clone());
            grid_order.push((i * codes.len() + j) as u32);
        }
    }
    let grid = df!("code" => grid_code, "indicator" => grid_indicator, "order" => grid_order)
        .expect("equal lengths")
        .lazy();
    let keys = [col("code"), col("indicator")];
    let by = [col("region_code"), col("indicator")];
    let joined = grid
        .join(
            per_region(req.year, "level"),
            keys.clone(),
            by.clone(),
            JoinArgs::new(JoinType::Left),
        )
        .join(
            per_region(req.year - 1, "base"),
            keys,
            by,
            JoinArgs::new(JoinType::Left),
        )
        .join(
            catalog,
            [col("indicator")],
            [col("indicator")],
            JoinArgs::new(JoinType::Left),
        )
        .cache();
    let is_prefecture = col("code").eq(lit(data.prefecture.code.clone()));
    // The regions' sum, for the prefecture when it has no rows of its own.
    let pooled = |c: &str| {
        when(
            col("how")
                .first()
                .neq(lit("mean"))
                .and(col(c).count().gt(lit(0))),
        )
        .then(from_fixed(to_fixed(col(c)).sum()))
        .otherwise(lit(NULL).cast(DataType::Float64))
        .alias(format!("{c}_pooled"))
    };
    let derived = joined
        .clone()
        .filter(is_prefecture.clone().not())
        .group_by([col("indicator")])
        .agg([pooled("level"), pooled("base")]);
    let frame = joined
        .join(
            derived,
            [col("indicator")],
            [col("indicator")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            when(is_prefecture.clone())
                .then(col("level").fill_null(col("level_pooled")))
                .otherwise(col("level"))
                .alias("level"),
            when(is_prefecture)
                .then(col("base").fill_null(col("base_pooled")))
                .otherwise(col("base"))
                .alias("base"),
        ])
        .with_column(pct(col("level") - col("base"), col("base")).alias("yoy_pct"))
        .sort(["order"], SortMultipleOptions::default());
    let df = collect_small(frame)?;
    let (codes_col, level, base, yoy) = (
        string_column(&df, "code")?,
        f64_column(&df, "level")?,
        f64_column(&df, "base")?,
        f64_column(&df, "yoy_pct")?,
    );
    let per = codes.len();
    Ok(data
        .catalog
        .iter()
        .enumerate()
        .map(|(i, entry)| IndicatorFigures {
            entry: entry.clone(),
            values: (i * per..(i + 1) * per)
                .map(|k| IndicatorValue {
                    code: codes_col[k].clone(),
                    level: level[k],
                    base: base[k],
                    yoy_pct: yoy[k],
                })
                .collect(),
        })
        .collect())
}

/// Runs a plan on the in-memory engine, for the small tables (air quality,
/// indicators): their float sums are then added in file order, so rebuilds
/// are byte-identical (the enterprise flows are exact integers and may be
/// summed in any order).
fn collect_small(frame: LazyFrame) -> Result<DataFrame> {
    frame.collect().map_err(internal)
}

/// Runs several plans at once on `engine` (one start-up).
fn collect_all<const N: usize>(engine: Engine, frames: [LazyFrame; N]) -> Result<[DataFrame; N]> {
    let opt_state = frames[0].get_current_optimizations();
    let plans = frames.into_iter().map(|f| f.logical_plan).collect();
    let frames = LazyFrame::collect_all_with_engine(plans, engine, opt_state).map_err(internal)?;
    frames.try_into().map_err(|_| {
        internal(polars_err!(ComputeError: "Polars returned another number of frames"))
    })
}

/// Runs a plan on `engine`.
fn collect(engine: Engine, frame: LazyFrame) -> Result<DataFrame> {
    frame
        .collect_with_engine(engine)
        .map(|result| result.unwrap_single())
        .map_err(internal)
}

fn polars_error(path: &std::path::Path, err: PolarsError) -> Error {
    DataError::file(path, format!("cannot scan: {err}")).into()
}

fn internal(err: PolarsError) -> Error {
    Error::Data(vec![DataError::file("<aggregation>", err.to_string())])
}

fn string_column(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let column = df.column(name).map_err(internal)?.str().map_err(internal)?;
    Ok(column
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

fn f64_column(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let column = df
        .column(name)
        .map_err(internal)?
        .cast(&DataType::Float64)
        .map_err(internal)?;
    let values = column.f64().map_err(internal)?;
    // Polars yields NaN for 0/0 only where our `pct` guard is bypassed; treat
    // any non-finite value as undefined all the same.
    Ok(values.iter().map(|v| v.filter(|x| x.is_finite())).collect())
}

fn flow(df: &DataFrame, prefix: &str) -> Result<Vec<Flow>> {
    let get = |m: &str| f64_column(df, &format!("{prefix}{m}"));
    let (nominal, comparable, bases, bases2) =
        (get("")?, get("_cmp")?, get("_base")?, get("_base2")?);
    let (yoy, share, share_pp) = (get("_yoy_pct")?, get("_share_pct")?, get("_share_pp")?);
    let (contrib, pull, two_year) = (
        get("_contrib_pct")?,
        get("_pull_pp")?,
        get("_two_year_avg_pct")?,
    );
    Ok((0..df.height())
        .map(|i| Flow {
            level: nominal[i].unwrap_or(0.0),
            comparable_level: comparable[i].unwrap_or(0.0),
            base: bases[i].unwrap_or(0.0),
            yoy_pct: yoy[i],
            share_pct: share[i],
            share_pp: share_pp[i],
            contrib_pct: contrib[i],
            pull_pp: pull[i],
            base_two_years: bases2[i],
            two_year_avg_pct: two_year[i],
        })
        .collect())
}

fn figures(df: &DataFrame) -> Result<Vec<Figures>> {
    let codes = string_column(df, "code")?;
    let names = string_column(df, "name")?;
    let counts = f64_column(df, "enterprises")?;
    let has = |name: &str| df.column(name).is_ok();
    let optional = |name: &str| -> Result<Vec<Option<f64>>> {
        if has(name) {
            f64_column(df, name)
        } else {
            Ok(vec![None; df.height()])
        }
    };
    let ranks = optional("rank")?;
    let outputs = flow(df, "out")?;
    let added = flow(df, "va")?;
    let sales = if has("sales") {
        Some(flow(df, "sales")?)
    } else {
        None
    };
    let exports = if has("export") {
        Some(flow(df, "export")?)
    } else {
        None
    };
    let (ratio, ratio_base, ratio_pp) = (
        optional("sales_ratio")?,
        optional("sales_ratio_base")?,
        optional("sales_ratio_pp")?,
    );
    Ok((0..df.height())
        .map(|i| Figures {
            code: codes[i].clone(),
            name: names[i].clone(),
            enterprises: counts[i].unwrap_or(0.0) as u32,
            output_value: outputs[i].clone(),
            value_added: added[i].clone(),
            sales_value: sales.as_ref().map(|v| v[i].clone()),
            export_value: exports.as_ref().map(|v| v[i].clone()),
            sales_ratio: sales.is_some().then(|| Ratio {
                level: ratio[i],
                base: ratio_base[i],
                yoy_pp: ratio_pp[i],
            }),
            rank: ranks[i].map(|r| r as u32),
            air: None,
            monthly: Vec::new(),
        })
        .collect())
}

fn month_figures(df: &DataFrame) -> Result<Vec<MonthFigures>> {
    let months = string_column(df, "month")?;
    let out = f64_column(df, "out")?;
    let va = f64_column(df, "va")?;
    let (out_yoy, out_ytd) = (
        f64_column(df, "out_yoy_pct")?,
        f64_column(df, "out_ytd_yoy_pct")?,
    );
    let (va_yoy, va_ytd) = (
        f64_column(df, "va_yoy_pct")?,
        f64_column(df, "va_ytd_yoy_pct")?,
    );
    let (out_cum, va_cum) = (f64_column(df, "out_ytd")?, f64_column(df, "va_ytd")?);
    Ok(months
        .into_iter()
        .enumerate()
        .map(|(i, month)| MonthFigures {
            month,
            output_value: out[i].unwrap_or(0.0),
            output_yoy_pct: out_yoy[i],
            output_ytd: out_cum[i].unwrap_or(0.0),
            output_ytd_yoy_pct: out_ytd[i],
            value_added: va[i].unwrap_or(0.0),
            value_added_yoy_pct: va_yoy[i],
            value_added_ytd: va_cum[i].unwrap_or(0.0),
            value_added_ytd_yoy_pct: va_ytd[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;

    /// The figures do not depend on the engine that adds them up, for the
    /// scope or for the figures grouped from it: the in-memory engine and
    /// the streaming one sum in different orders, and a float total would
    /// differ in the last digits (a verify that rebuilt on the other engine
    /// would then fail).
    #[test]
    fn both_engines_give_the_same_figures() {
        let data = crate::load::load(std::path::Path::new("data")).unwrap();
        let req = Request {
            period: "H1".parse::<Period>().unwrap(),
            year: 2024,
            prices: Prices::Comparable,
            region: None,
        };
        let scopes =
            [Engine::InMemory, Engine::Streaming].map(|e| Scope::on(&data, req, e).unwrap());
        for region in [None, Some(0), Some(3)] {
            let req = Request { region, ..req };
            let mut summaries = Vec::new();
            for scope in &scopes {
                for engine in [Engine::InMemory, Engine::Streaming] {
                    let summary = summarise(&data, req, scope, engine).unwrap();
                    summaries.push(summary.to_csv(&data.prefecture.code));
                }
            }
            assert!(summaries[0].len() > 10_000, "{} bytes", summaries[0].len());
            for (i, other) in summaries.iter().enumerate() {
                assert!(*other == summaries[0], "unit {region:?}, pair {i}");
            }
        }
    }
}
