//! Stage 2, aggregate: turns the validated enterprise-month rows into the
//! period's figures with Polars lazy plans.
//!
//! The plan scans the CSV once per input (Polars pushes the month filter and
//! the column selection into the scan), keeps the rows of the period and of
//! the same months one year earlier, and works on *comparable scope*: the
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
use crate::load::{Dataset, Region};
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
    /// The prefecture's month-by-month series inside the period.
    pub monthly: Vec<MonthFigures>,
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
    /// Rank among regions by output growth, 1 = fastest (regions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    /// Air quality, for the prefecture and regions when the data has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub air: Option<AirQuality>,
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
}

/// One month of the prefecture series.
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

impl Summary {
    /// `summary.csv`: one row per figure, unrounded (shortest decimal that
    /// reads back as the same `f64`); an undefined figure has an empty value.
    pub fn to_csv(&self, prefecture_code: &str) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(SUMMARY_CSV_HEADER)
            .expect("writing to memory");
        let mut row = |region: &str,
                       group: &str,
                       indicator: &str,
                       measure: &str,
                       value: Option<f64>,
                       unit: &str| {
            let value = value.map(|v| v.to_string()).unwrap_or_default();
            w.write_record([
                self.period.as_str(),
                region,
                group,
                indicator,
                measure,
                &value,
                unit,
            ])
            .expect("writing to memory");
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
            for (name, flow) in [
                ("output_value", &f.output_value),
                ("value_added", &f.value_added),
            ] {
                row(region, group, name, "level", Some(flow.level), "万元");
                row(region, group, name, "yoy_pct", flow.yoy_pct, "%");
                row(region, group, name, "share_pct", flow.share_pct, "%");
                row(region, group, name, "share_pp", flow.share_pp, "百分点");
                row(region, group, name, "contrib_pct", flow.contrib_pct, "%");
                row(region, group, name, "pull_pp", flow.pull_pp, "百分点");
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
        for m in &self.monthly {
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
                    prefecture_code,
                    "total",
                    indicator,
                    &format!("{measure}:{mm}"),
                    value,
                    unit,
                );
            }
        }
        drop(row);
        w.into_inner().expect("writing to memory")
    }
}

/// Aggregates the dataset for the request.
pub fn aggregate(data: &Dataset, req: Request) -> Result<Summary> {
    let months = req.period.months(req.year);
    let comparison_months = req.period.months(req.year - 1);
    let (first, last) = req.period.month_range();
    let in_period = |year: i32| {
        col("month")
            .gt_eq(lit(month_key(year, first)))
            .and(col("month").lt_eq(lit(month_key(year, last))))
    };

    let rows = scan_industry(data)?;
    let current = rows.clone().filter(in_period(req.year));
    let current = deflate(data, current, req.prices)?;
    let previous = rows.filter(in_period(req.year - 1));

    // One row per enterprise in scope, with its attribution and sums.
    let by_latest = |name: &str| {
        col(name)
            .sort_by([col("month")], SortMultipleOptions::default())
            .last()
    };
    let enterprises = current
        .clone()
        .group_by([col("enterprise_id")])
        .agg([
            by_latest("region_code"),
            by_latest("industry_code"),
            col("output_value").sum().alias("out"),
            col("value_added").sum().alias("va"),
            col("va_real").sum().alias("va_real"),
        ])
        .cache();
    let base = previous
        .clone()
        .join(
            enterprises.clone().select([col("enterprise_id")]),
            [col("enterprise_id")],
            [col("enterprise_id")],
            JoinArgs::new(JoinType::Semi),
        )
        .group_by([col("enterprise_id")])
        .agg([
            col("output_value").sum().alias("out_base"),
            col("value_added").sum().alias("va_base"),
        ]);
    let scoped = enterprises
        .clone()
        .join(
            base,
            [col("enterprise_id")],
            [col("enterprise_id")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("out_base").fill_null(lit(0.0)),
            col("va_base").fill_null(lit(0.0)),
        ])
        .cache();

    let regions = collect(grouped(
        scoped.clone(),
        "region_code",
        units(&data.counties),
        true,
    ))?;
    let industries_ref: Vec<Region> = data
        .industries
        .iter()
        .map(|i| Region {
            code: i.code.clone(),
            name: i.name.clone(),
            short_name: i.name.clone(),
        })
        .collect();
    let industries = collect(grouped(
        scoped.clone(),
        "industry_code",
        units(&industries_ref),
        false,
    ))?;
    let total = collect(grouped(
        scoped
            .clone()
            .with_column(lit(data.prefecture.code.clone()).alias("all")),
        "all",
        units(std::slice::from_ref(&data.prefecture)),
        false,
    ))?;

    let monthly = collect(monthly_series(current, previous, scoped, req))?;

    let mut prefecture = figures(&total)?
        .into_iter()
        .next()
        .ok_or_else(|| no_data(data, req))?;
    if prefecture.enterprises == 0 {
        return Err(no_data(data, req));
    }
    let mut regions = figures(&regions)?;
    if let Some(path) = &data.air_quality_file {
        let air = air_quality(path, &data.counties, req)?;
        prefecture.air = air
            .iter()
            .find(|(code, _)| code.is_none())
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
        industries: figures(&industries)?
            .into_iter()
            .filter(|f| f.enterprises > 0)
            .collect(),
        monthly: month_figures(&monthly)?,
    })
}

fn no_data(data: &Dataset, req: Request) -> Error {
    DataError::file(
        &data.industry_file,
        format!("no enterprise rows for {}-{}", req.year, req.period.key()),
    )
    .into()
}

/// Lazily scans the enterprise-month file with the contract's schema.
fn scan_industry(data: &Dataset) -> Result<LazyFrame> {
    let schema = Schema::from_iter([
        Field::new("month".into(), DataType::String),
        Field::new("enterprise_id".into(), DataType::String),
        Field::new("region_code".into(), DataType::String),
        Field::new("industry_code".into(), DataType::String),
        Field::new("output_value".into(), DataType::Float64),
        Field::new("value_added".into(), DataType::Float64),
    ]);
    let path = data.industry_file.to_string_lossy().to_string();
    let frame = LazyCsvReader::new(PlRefPath::new(path.as_str()))
        .with_has_header(true)
        .with_dtype_overwrite(Some(Arc::new(schema)))
        .with_infer_schema_length(Some(0))
        .finish()
        .map_err(|e| polars_error(&data.industry_file, e))?;
    Ok(frame.select([
        col("month").str().strip_chars(lit(NULL)),
        col("enterprise_id").str().strip_chars(lit(NULL)),
        col("region_code").str().strip_chars(lit(NULL)),
        col("industry_code").str().strip_chars(lit(NULL)),
        col("output_value"),
        col("value_added"),
    ]))
}

/// Adds `va_real`, value added at the prices growth is measured at.
fn deflate(data: &Dataset, rows: LazyFrame, prices: Prices) -> Result<LazyFrame> {
    if prices == Prices::Current {
        return Ok(rows.with_column(col("value_added").alias("va_real")));
    }
    let Some(path) = &data.price_index_file else {
        return Err(DataError::file(
            data.industry_file
                .with_file_name(crate::load::PRICE_INDEX_FILE),
            "file not found; value added grows at comparable prices, which needs the price index \
             (or run with --current-prices to compute growth at current prices)",
        )
        .into());
    };
    let schema = Schema::from_iter([
        Field::new("month".into(), DataType::String),
        Field::new("industry_code".into(), DataType::String),
        Field::new("index".into(), DataType::Float64),
    ]);
    let index = LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref()))
        .with_has_header(true)
        .with_dtype_overwrite(Some(Arc::new(schema)))
        .with_infer_schema_length(Some(0))
        .finish()
        .map_err(|e| polars_error(path, e))?
        .select([
            col("month").str().strip_chars(lit(NULL)),
            col("industry_code").str().strip_chars(lit(NULL)),
            col("index"),
        ])
        .cache();
    let own = index.clone().filter(col("industry_code").neq(lit("all")));
    let all = index
        .filter(col("industry_code").eq(lit("all")))
        .select([col("month"), col("index").alias("index_all")]);
    let joined = rows
        .join(
            own,
            [col("month"), col("industry_code")],
            [col("month"), col("industry_code")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            all,
            [col("month")],
            [col("month")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("index").fill_null(col("index_all")).alias("index"))
        .cache();

    // A month and division with no index at all cannot be deflated.
    let missing = joined
        .clone()
        .filter(col("index").is_null())
        .group_by([col("month"), col("industry_code")])
        .agg([len()])
        .sort(["month", "industry_code"], SortMultipleOptions::default())
        .collect()
        .map_err(|e| polars_error(path, e))?;
    if missing.height() > 0 {
        let months = string_column(&missing, "month")?;
        let codes = string_column(&missing, "industry_code")?;
        let errors = months
            .iter()
            .zip(&codes)
            .take(crate::error::MAX_DATA_ERRORS)
            .map(|(m, c)| {
                DataError::file(
                    path,
                    format!("no index for {m} and division {c}, and no `all` row for {m}; add one or run with --current-prices"),
                )
            })
            .collect();
        return Err(Error::Data(errors));
    }
    Ok(joined.with_column((col("value_added") / (col("index") / lit(100.0))).alias("va_real")))
}

/// The reference table of units (regions or divisions) in their file order,
/// so that units without enterprises still appear, in a stable order.
fn units(list: &[Region]) -> LazyFrame {
    let codes: Vec<&str> = list.iter().map(|r| r.code.as_str()).collect();
    let names: Vec<&str> = list.iter().map(|r| r.name.as_str()).collect();
    let order: Vec<u32> = (0..list.len() as u32).collect();
    df!("code" => codes, "name" => names, "order" => order)
        .expect("columns of equal length")
        .lazy()
}

/// Groups the enterprises by `key` and derives every measure of a flow.
fn grouped(scoped: LazyFrame, key: &str, units: LazyFrame, rank: bool) -> LazyFrame {
    let sums = scoped.group_by([col(key).alias("code")]).agg([
        len().cast(DataType::UInt32).alias("enterprises"),
        col("out").sum(),
        col("out_base").sum(),
        col("va").sum(),
        col("va_real").sum(),
        col("va_base").sum(),
    ]);
    let mut frame = units
        .join(
            sums,
            [col("code")],
            [col("code")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("enterprises").fill_null(lit(0u32)),
            col("out").fill_null(lit(0.0)),
            col("out_base").fill_null(lit(0.0)),
            col("va").fill_null(lit(0.0)),
            col("va_real").fill_null(lit(0.0)),
            col("va_base").fill_null(lit(0.0)),
        ])
        .sort(["order"], SortMultipleOptions::default())
        .with_columns(flow_measures("out", "out", "out_base"))
        .with_columns(flow_measures("va", "va_real", "va_base"));
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

/// `growth / base` as a percentage, null where the base is zero.
fn pct(change: Expr, base: Expr) -> Expr {
    when(base.clone().neq(lit(0.0)))
        .then(change / base * lit(100.0))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// Growth, share, share change, contribution and pull of one flow, computed
/// over the whole frame of units (whose sums are the total).
fn flow_measures(prefix: &str, level_col: &str, base_col: &str) -> Vec<Expr> {
    let nominal = col(prefix);
    let level = col(level_col);
    let base = col(base_col);
    let change = level.clone() - base.clone();
    let total_change = level.clone().sum() - base.clone().sum();
    vec![
        pct(change.clone(), base.clone()).alias(format!("{prefix}_yoy_pct")),
        pct(nominal.clone(), nominal.clone().sum()).alias(format!("{prefix}_share_pct")),
        (pct(nominal.clone(), nominal.clone().sum()) - pct(base.clone(), base.clone().sum()))
            .alias(format!("{prefix}_share_pp")),
        pct(change.clone(), total_change).alias(format!("{prefix}_contrib_pct")),
        pct(change, base.clone().sum()).alias(format!("{prefix}_pull_pp")),
    ]
}

/// The prefecture's 当月 and 累计 series over the period's months.
fn monthly_series(
    current: LazyFrame,
    previous: LazyFrame,
    scoped: LazyFrame,
    req: Request,
) -> LazyFrame {
    let ids = scoped.select([col("enterprise_id")]);
    let semi = JoinArgs::new(JoinType::Semi);
    let month_no = || col("month").str().slice(lit(5), lit(2)).alias("mm");
    let cur = current.group_by([month_no()]).agg([
        col("output_value").sum().alias("out"),
        col("value_added").sum().alias("va"),
        col("va_real").sum(),
    ]);
    let prev = previous
        .join(ids, [col("enterprise_id")], [col("enterprise_id")], semi)
        .group_by([month_no()])
        .agg([
            col("output_value").sum().alias("out_base"),
            col("value_added").sum().alias("va_base"),
        ]);
    let calendar: Vec<String> = req.period.months(req.year);
    let mm: Vec<String> = calendar.iter().map(|m| m[5..].to_string()).collect();
    let frame = df!("month" => calendar, "mm" => mm)
        .expect("columns of equal length")
        .lazy();
    let zero = |c: &str| col(c).fill_null(lit(0.0));
    frame
        .join(cur, [col("mm")], [col("mm")], JoinArgs::new(JoinType::Left))
        .join(
            prev,
            [col("mm")],
            [col("mm")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["month"], SortMultipleOptions::default())
        .with_columns([
            zero("out"),
            zero("va"),
            zero("va_real"),
            zero("out_base"),
            zero("va_base"),
        ])
        .with_columns([
            pct(col("out") - col("out_base"), col("out_base")).alias("out_yoy_pct"),
            pct(col("va_real") - col("va_base"), col("va_base")).alias("va_yoy_pct"),
            pct(
                col("out").cum_sum(false) - col("out_base").cum_sum(false),
                col("out_base").cum_sum(false),
            )
            .alias("out_ytd_yoy_pct"),
            pct(
                col("va_real").cum_sum(false) - col("va_base").cum_sum(false),
                col("va_base").cum_sum(false),
            )
            .alias("va_ytd_yoy_pct"),
            col("out").cum_sum(false).alias("out_ytd"),
            col("va").cum_sum(false).alias("va_ytd"),
        ])
}

/// 优良天数比例 per county and pooled over all counties (code `None`), this
/// period and a year earlier. Dates compare as text: `YYYY-MM-DD` sorts like
/// the calendar, and validation guaranteed the format.
fn air_quality(
    path: &std::path::Path,
    counties: &[Region],
    req: Request,
) -> Result<Vec<(Option<String>, AirQuality)>> {
    let schema = Schema::from_iter([
        Field::new("date".into(), DataType::String),
        Field::new("region_code".into(), DataType::String),
        Field::new("aqi".into(), DataType::Float64),
    ]);
    let rows = LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref()))
        .with_has_header(true)
        .with_dtype_overwrite(Some(Arc::new(schema)))
        .with_infer_schema_length(Some(0))
        .finish()
        .map_err(|e| polars_error(path, e))?
        .select([
            col("date").str().strip_chars(lit(NULL)),
            col("region_code").str().strip_chars(lit(NULL)),
            col("aqi"),
        ]);
    let (first, last) = req.period.month_range();
    let window = |year: i32| {
        // From the first day of the first month to before the month after the
        // last ("2024-13" sorts after every day of 2024-12).
        let end = format!("{year:04}-{:02}", last + 1);
        col("date")
            .gt_eq(lit(month_key(year, first)))
            .and(col("date").lt(lit(end)))
    };
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
    let df = collect(frame)?;
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

fn collect(frame: LazyFrame) -> Result<DataFrame> {
    frame
        .collect()
        .map_err(|e| Error::Data(vec![DataError::file("<aggregation>", e.to_string())]))
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

fn flow(df: &DataFrame, prefix: &str, level: &str, base: &str) -> Result<Vec<Flow>> {
    let nominal = f64_column(df, prefix)?;
    let comparable = f64_column(df, level)?;
    let bases = f64_column(df, base)?;
    let get = |m: &str| f64_column(df, &format!("{prefix}_{m}"));
    let (yoy, share, share_pp, contrib, pull) = (
        get("yoy_pct")?,
        get("share_pct")?,
        get("share_pp")?,
        get("contrib_pct")?,
        get("pull_pp")?,
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
        })
        .collect())
}

fn figures(df: &DataFrame) -> Result<Vec<Figures>> {
    let codes = string_column(df, "code")?;
    let names = string_column(df, "name")?;
    let counts = f64_column(df, "enterprises")?;
    let ranks = if df.column("rank").is_ok() {
        f64_column(df, "rank")?
    } else {
        vec![None; df.height()]
    };
    let outputs = flow(df, "out", "out", "out_base")?;
    let added = flow(df, "va", "va_real", "va_base")?;
    Ok(codes
        .into_iter()
        .zip(names)
        .zip(counts)
        .zip(ranks)
        .zip(outputs.into_iter().zip(added))
        .map(
            |((((code, name), count), rank), (output_value, value_added))| Figures {
                code,
                name,
                enterprises: count.unwrap_or(0.0) as u32,
                output_value,
                value_added,
                rank: rank.map(|r| r as u32),
                air: None,
            },
        )
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
