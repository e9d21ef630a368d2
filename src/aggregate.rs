//! Stage 2, aggregate: turns the validated enterprise-month rows into the
//! period's figures ([`Summary`]) with Polars lazy plans.
//!
//! The plans read the enterprise rows load kept ([`crate::load::EnterpriseRows`]),
//! filtered once to what any figure needs ([`Scope`]): January to the period's
//! last month of the year and of the year before, and the period two years
//! back. They work on *comparable scope*: the enterprises in scope are those
//! with at least one row in the period; the base of every growth rate is the
//! same months of the previous year for those enterprises only (an
//! enterprise without a row in a base month contributes 0 to it). Each
//! enterprise is attributed to the region and division of its latest row in
//! the period, for the period and its base alike. 累计 (January to each
//! month) and the earlier period are each computed as their own period, with
//! their own scope and attribution; 当月 is the month as its own period.
//!
//! Value added grows at comparable prices: each enterprise-month's value added
//! is divided by its division's price index for that month (same month last
//! year = 100; a division without its own row uses the month's `all` row)
//! before summing. The base is not deflated.
//!
//! Polars sums the flows exactly, in whole fen; the measures derived from the
//! sums (growth, shares, 贡献率, 拉动, ranks) are exact fractions
//! ([`Rational`]), kept unrounded: rounding happens once, in the phrase
//! stage. `docs/methodology.md` states every measure.

use polars::prelude::*;

use crate::error::{DataError, Error, Result};
use crate::load::{Aggregation, Dataset, Region, month_number};
use crate::number::Rational;
use crate::period::{Period, month_key};
pub use crate::summary::{
    AirQuality, Earlier, FigureRow, Figures, Flow, GrowthBreadth, IndicatorFigures, IndicatorValue,
    MonthFigures, Prices, Ratio, SUMMARY_CSV_HEADER, Summary,
};

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

/// Aggregates the dataset for the request.
pub fn aggregate(data: &Dataset, req: Request) -> Result<Summary> {
    aggregate_scoped(data, req, &Scope::new(data, req)?)
}

/// A period's comparable scope, worked out once for every bulletin of a run:
/// each enterprise in scope with the region and division it counts in and
/// its sums (period, base, two years back), the cells behind the monthly
/// series and the earlier period, and the small tables (air quality,
/// indicators), which do not depend on the unit. [`aggregate_scoped`] groups
/// it for the whole or for one county-level unit.
pub struct Scope {
    /// One row per enterprise in scope.
    enterprises: DataFrame,
    /// 当月: each month of the period as its own period, the rows summed
    /// per region, division (of the row itself) and month, beside the same
    /// enterprise-months a year earlier ([`SERIES`]).
    month_cells: DataFrame,
    /// 累计 from January to the period's last month ([`timeline`]).
    ytd_cells: DataFrame,
    /// The earlier period, with its own timeline when it does not start in
    /// January (one that does is read from `ytd_cells`).
    earlier: Option<(Period, Option<DataFrame>)>,
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
        let (_, last) = req.period.month_range();
        let (kept_first, kept_last) = data.kept_months;
        if kept_first > 1 || last > kept_last {
            return Err(internal(polars_err!(
                ComputeError: "the data was loaded for months {kept_first}–{kept_last}, not 1–{last}"
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

/// `month` within the months `first..=last` of `year` (also `review
/// check`'s filter).
pub(crate) fn in_months(year: i32, (first, last): (u8, u8)) -> Expr {
    col("month")
        .gt_eq(lit(month_number(year, first)))
        .and(col("month").lt_eq(lit(month_number(year, last))))
}

/// The columns of the monthly cells: this year's output, value added and
/// deflated value added, and last year's output and value added, of the
/// same enterprise and month (whole fen).
const SERIES: [&str; 5] = ["out", "va", "va_cmp", "out_base", "va_base"];

/// The enterprise part of a [`Scope`]: the rows the figures need, deflated,
/// summed per enterprise and attributed, and the monthly cells.
fn enterprise_scope(data: &Dataset, req: Request, engine: Engine) -> Result<Scope> {
    if data.counties.len().max(data.industries.len()) >= 1 << UNIT_BITS {
        return Err(internal(polars_err!(
            ComputeError: "more than {} regions or divisions", (1 << UNIT_BITS) - 1
        )));
    }
    let range = req.period.month_range();
    let (first, last) = range;
    let to_date = (1, last);
    let needed = in_months(req.year, to_date)
        .or(in_months(req.year - 1, to_date))
        .or(in_months(req.year - 2, range));
    // Materialised once: the plans below read these rows.
    let rows = collect(engine, data.rows.frame().clone().lazy().filter(needed))?.lazy();
    let flows = flow_columns(data);
    let raw: Vec<&str> = flows.iter().map(|f| f.column).collect();
    let mut derived = raw.clone();
    derived.extend(["value_added_cmp", "value_added_cmp2"]);
    // This year from January, deflated, materialised once: the period's
    // rows and the 累计 series read it.
    let this_year = rows.clone().filter(in_months(req.year, to_date));
    let this_year = collect(
        engine,
        fix_columns(deflate(data, this_year, req, to_date)?, &derived),
    )?;
    check_index(data, &this_year, req)?;
    let current = if first == 1 {
        this_year.clone()
    } else {
        collect(
            engine,
            this_year.clone().lazy().filter(in_months(req.year, range)),
        )?
    };
    // Without last year's index for a row of the period, value added has
    // no two-year average.
    let va_two_years = match current.column("index_prev") {
        Ok(index) if req.prices == Prices::Comparable => index.null_count() == 0,
        _ => true,
    };
    let current = current.lazy();
    let rows = fix_columns(rows, &raw);
    let last_year = rows.clone().filter(in_months(req.year - 1, to_date));
    let previous = rows.clone().filter(in_months(req.year - 1, range));
    // Two years back only when the data has every month of that period.
    let two_years = data.missing_months(req.year - 2, range).is_empty();

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
    let enterprises = current.group_by([col("enterprise")]).agg(sums);
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
        base_of(previous, "_base"),
        [col("enterprise")],
        [col("enterprise")],
        JoinArgs::new(JoinType::Left),
    );
    if two_years {
        scoped = scoped.join(
            base_of(rows.filter(in_months(req.year - 2, range)), "_base2"),
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
    let [region, industry, _] = unpacked("latest");
    fill.extend([region, industry]);
    let enterprises = scoped.with_columns(fill).drop(cols(["latest"]));

    // 当月 and 累计 from the rows of January to the period's end (of this
    // year, deflated, and of last year), materialised once for the plans
    // below; see `cumulative_cells` and `month_cells`.
    let count = enterprise_count(data)?;
    let rows = Months {
        this_year: &this_year,
        last_year,
        count,
    };
    let month_cells = rows.month_cells((first, last))?;
    let earlier = req.period.earlier();
    let earlier_cells = match earlier.map(Period::month_range) {
        Some((from, to)) if from > 1 => Some(rows.cumulative_cells((from, to))?),
        _ => None,
    };
    let ytd_cells = rows.cumulative_cells((1, last))?;
    let [enterprises, month_cells, ytd_cells] =
        collect_all(engine, [enterprises, month_cells, ytd_cells])?;
    let earlier_cells = earlier_cells.map(|c| collect(engine, c)).transpose()?;
    Ok(Scope {
        enterprises,
        month_cells,
        ytd_cells,
        earlier: earlier.map(|e| (e, earlier_cells)),
        two_years,
        va_two_years,
        air: None,
        indicators: Vec::new(),
    })
}

/// The rows behind the monthly series: this year's from January to the
/// period's end (deflated, in whole fen, with each row's region and
/// division) and last year's of the same months; `count` enterprise numbers.
struct Months<'a> {
    this_year: &'a DataFrame,
    /// A filter of the scope's materialised rows: each plan reads it again
    /// rather than holding a copy.
    last_year: LazyFrame,
    count: usize,
}

/// `Months`' enterprises within some months: which month each first has a
/// row this year (0: none), the unit of that row, and whether it moves to
/// another unit later.
struct Entry {
    first: Vec<i32>,
    unit: Vec<i64>,
    moves: Vec<bool>,
}

impl Months<'_> {
    /// This year's rows as (enterprise, month of the year, unit code).
    fn units(&self) -> Result<impl Iterator<Item = (u32, i32, i64)> + '_> {
        let get = |name: &str| -> Result<&UInt32Chunked> {
            self.this_year
                .column(name)
                .map_err(internal)?
                .u32()
                .map_err(internal)
        };
        let month = self
            .this_year
            .column("month")
            .map_err(internal)?
            .i32()
            .map_err(internal)?;
        let (enterprise, region, industry) = (get("enterprise")?, get("region")?, get("industry")?);
        Ok(enterprise
            .into_no_null_iter()
            .zip(month.into_no_null_iter())
            .zip(region.into_no_null_iter().zip(industry.into_no_null_iter()))
            .map(|((e, m), (r, i))| (e, m % 100, (i64::from(r) << UNIT_BITS) + i64::from(i))))
    }

    /// Each enterprise's first month and unit within `start..=end`, and
    /// whether it changes unit there.
    fn entries(&self, (start, end): (u8, u8)) -> Result<Entry> {
        let mut entry = Entry {
            first: vec![0; self.count],
            unit: vec![-1; self.count],
            moves: vec![false; self.count],
        };
        let (start, end) = (i32::from(start), i32::from(end));
        for (e, m, unit) in self.units()? {
            let e = e as usize;
            if m < start || m > end {
                continue;
            }
            if entry.first[e] == 0 || m < entry.first[e] {
                if entry.first[e] != 0 && entry.unit[e] != unit {
                    entry.moves[e] = true;
                }
                entry.first[e] = m;
                entry.unit[e] = unit;
            } else if entry.unit[e] != unit {
                entry.moves[e] = true;
            }
        }
        Ok(entry)
    }

    /// 当月 for the months `first..=last`: each month as its own period,
    /// the rows summed per region, division and month of the row itself,
    /// beside the same enterprise-months a year earlier ([`SERIES`]).
    fn month_cells(&self, (first, last): (u8, u8)) -> Result<LazyFrame> {
        // The unit of each enterprise's row in each month, by
        // enterprise · 16 + month (a table: load numbers enterprises
        // densely), for last year's rows of the same enterprise-month.
        let mut unit_of = vec![-1i64; self.count * 16];
        for (e, m, unit) in self.units()? {
            unit_of[e as usize * 16 + m as usize] = unit;
        }
        let unit_of = Series::new("unit".into(), unit_of);
        let months = col("month") % lit(100);
        let slot = (col("enterprise").cast(DataType::Int64) * lit(16i64) + months.clone())
            .cast(DataType::UInt32);
        let now = self.this_year.clone().lazy().select([
            keyed(months.clone(), unit_code(col("region"), col("industry"))).alias("key"),
            col("output_value").alias("out"),
            col("value_added").alias("va"),
            col("value_added_cmp").alias("va_cmp"),
            zero("out_base"),
            zero("va_base"),
        ]);
        let unit = lit(unit_of).gather(slot, false);
        let unit = when(unit.clone().lt(lit(0i64)))
            .then(lit(NULL).cast(DataType::Int64))
            .otherwise(unit);
        let then = self.last_year.clone().select([
            keyed(months, unit).alias("key"),
            zero("out"),
            zero("va"),
            zero("va_cmp"),
            col("output_value").alias("out_base"),
            col("value_added").alias("va_base"),
        ]);
        cells([now, then], (first, last))
    }

    /// 累计 for the months `start..=end`, each as its own cumulative period
    /// (`start` to that month: its own scope and attribution), as changes to
    /// add up month by month: cells per region, division and month whose
    /// running sum over the months ([`cumulated`]) is, for each unit, the
    /// sum over the enterprises counting in it at that month of their
    /// figures from `start` to that month.
    ///
    /// An enterprise enters at its first row this year from `start` and
    /// counts in the unit of its latest row. One that keeps its unit
    /// throughout adds each of its rows at the row's month, and each of last
    /// year's rows at that month or, if later, the month it entered: plain
    /// sums. The few that move go through [`timeline`].
    fn cumulative_cells(&self, (start, end): (u8, u8)) -> Result<LazyFrame> {
        let entry = self.entries((start, end))?;
        let table = |name: &str, values: Vec<i64>| lit(Series::new(name.into(), values));
        let first = table("first", entry.first.iter().map(|&f| i64::from(f)).collect());
        let unit = table("unit", entry.unit.clone());
        let moves = lit(Series::new("moves".into(), entry.moves.clone()));
        let of = |t: &Expr| t.clone().gather(col("enterprise"), false);
        let months = || (col("month") % lit(100)).cast(DataType::Int64);
        let (lo, hi) = (i64::from(start), i64::from(end));
        let within = || months().gt_eq(lit(lo)).and(months().lt_eq(lit(hi)));
        let steady = |rows: LazyFrame| {
            rows.filter(within().and(of(&first).gt(lit(0i64))).and(of(&moves).not()))
        };
        let now = steady(self.this_year.clone().lazy()).select([
            keyed(months(), of(&unit)).alias("key"),
            col("output_value").alias("out"),
            col("value_added").alias("va"),
            col("value_added_cmp").alias("va_cmp"),
            zero("out_base"),
            zero("va_base"),
        ]);
        // Last year's row counts from the month the enterprise entered.
        let entered = when(months().gt(of(&first)))
            .then(months())
            .otherwise(of(&first));
        let then = steady(self.last_year.clone()).select([
            keyed(entered, of(&unit)).alias("key"),
            zero("out"),
            zero("va"),
            zero("va_cmp"),
            col("output_value").alias("out_base"),
            col("value_added").alias("va_base"),
        ]);
        let steady = cells([now, then], (start, end))?;
        if !entry.moves.contains(&true) {
            return Ok(steady);
        }
        // Collected on its own: a few rows, and Polars' common-subplan
        // elimination panics on the timeline's two uses of its states
        // inside the concatenation below (polars 0.55.2,
        // cse/cache_states.rs "unreachable").
        let movers = timeline(self.events(&moves)?, start, end)?
            .collect()
            .map_err(internal)?
            .lazy();
        Ok(concat([steady, movers], UnionArgs::default())
            .map_err(internal)?
            .group_by([col("region"), col("industry"), col("mm")])
            .agg(SERIES.map(|c| col(c).sum())))
    }

    /// The rows of the enterprises `moves` marks, this year's with the unit
    /// of the row and last year's without, sorted by enterprise, month and
    /// year (this year's first): [`timeline`]'s input.
    fn events(&self, moves: &Expr) -> Result<LazyFrame> {
        let mm = || (col("month") % lit(100)).alias("mm");
        let movers = |rows: LazyFrame| rows.filter(moves.clone().gather(col("enterprise"), false));
        let now = movers(self.this_year.clone().lazy()).select([
            col("enterprise"),
            mm(),
            keyed(
                col("month") % lit(100),
                unit_code(col("region"), col("industry")),
            )
            .alias("key"),
            col("output_value").alias("out"),
            col("value_added").alias("va"),
            col("value_added_cmp").alias("va_cmp"),
            zero("out_base"),
            zero("va_base"),
        ]);
        let then = movers(self.last_year.clone()).select([
            col("enterprise"),
            mm(),
            lit(NULL).cast(DataType::Int64).alias("key"),
            zero("out"),
            zero("va"),
            zero("va_cmp"),
            col("output_value").alias("out_base"),
            col("value_added").alias("va_base"),
        ]);
        let order = col("enterprise").cast(DataType::Int64) * lit(64i64)
            + col("mm").cast(DataType::Int64) * lit(2i64)
            + col("key").is_null().cast(DataType::Int64);
        Ok(concat([now, then], UnionArgs::default())
            .map_err(internal)?
            .sort_by_exprs([order], SortMultipleOptions::default()))
    }
}

/// A zero of the exact sums' type, as column `name`.
fn zero(name: &str) -> Expr {
    lit(0i64).cast(DataType::Int64).alias(name)
}

/// Rows with a packed month-and-unit `key` (null: none) summed per region,
/// division and month, for the months `first..=last`: each frame grouped
/// on its own (no copy of the rows side by side), then the small results.
fn cells<const N: usize>(frames: [LazyFrame; N], (first, last): (u8, u8)) -> Result<LazyFrame> {
    let (lo, hi) = (month_key_bound(first), month_key_bound(last + 1));
    let grouped = frames.map(|rows| {
        rows.filter(col("key").gt_eq(lit(lo)).and(col("key").lt(lit(hi))))
            .group_by([col("key")])
            .agg(SERIES.map(|c| col(c).sum()))
    });
    let [region, industry, month] = unpacked("key");
    let mut columns = vec![region, industry, month.alias("mm")];
    columns.extend(SERIES.map(col));
    Ok(concat(grouped, UnionArgs::default())
        .map_err(internal)?
        .group_by([col("key")])
        .agg(SERIES.map(|c| col(c).sum()))
        .select(columns))
}

/// The least packed key ([`keyed`]) of a month of the year.
fn month_key_bound(month: u8) -> i64 {
    i64::from(month) << (2 * UNIT_BITS)
}

/// How many enterprise numbers load gave out.
fn enterprise_count(data: &Dataset) -> Result<usize> {
    Ok(data
        .rows
        .frame()
        .column("enterprise")
        .map_err(internal)?
        .u32()
        .map_err(internal)?
        .max()
        .map_or(0, |max| max as usize + 1))
}

/// The months `start..=end` of a year as each one's cumulative period
/// (`start` to that month, its own scope and attribution), as changes to
/// add up month by month: cells per region, division and month whose
/// running sum over the months ([`cumulated`]) is, for each unit, the sum
/// over the enterprises counting in it at that month of their figures from
/// `start` to that month.
///
/// `events` are the rows of the enterprises that move ([`Months::events`]),
/// sorted by enterprise and month. An enterprise enters at its first row this
/// year from `start`; from each of its rows (this year's or last year's) on,
/// it counts its running sums in the unit of its latest
/// row this year. Each such state adds its sums to its unit at its month and
/// takes them back at the enterprise's next row's month, so no
/// enterprise-month is repeated for the months after it. Everything is
/// elementwise over the sorted rows (running sums less each enterprise's
/// start, forward fills), with no per-group window.
fn timeline(events: LazyFrame, start: u8, end: u8) -> Result<LazyFrame> {
    let (start, end) = (i32::from(start), i32::from(end));
    let forward = |e: Expr| e.fill_null_with_strategy(FillNullStrategy::Forward(None));
    let enterprise = || col("enterprise");
    let first = || {
        enterprise()
            .neq(enterprise().shift(lit(1)))
            .fill_null(lit(true))
    };
    // Running sums within an enterprise: the running sum over all rows less
    // its value before the enterprise's first row.
    let mut states: Vec<Expr> = SERIES
        .iter()
        .map(|c| {
            let total = col(*c).cum_sum(false);
            let before = forward(
                when(first())
                    .then(total.clone() - col(*c))
                    .otherwise(lit(NULL).cast(DataType::Int64)),
            );
            (total - before).alias(*c)
        })
        .collect();
    // The latest unit: this year's key carried forward (keys grow with the
    // month); 0 before the enterprise's first row this year.
    states.push(
        forward(
            when(first().and(col("key").is_null()))
                .then(lit(0i64))
                .otherwise(col("key")),
        )
        .alias("latest"),
    );
    states.push(
        when(enterprise().shift(lit(-1)).eq(enterprise()))
            .then(col("mm").shift(lit(-1)))
            .otherwise(lit(end + 1))
            .alias("next"),
    );
    let states = events
        .filter(col("mm").gt_eq(lit(start)).and(col("mm").lt_eq(lit(end))))
        .with_columns(states)
        .filter(col("latest").gt(lit(0i64)));
    let [region, industry, _] = unpacked("latest");
    let mut added = vec![region.clone(), industry.clone(), col("mm")];
    added.extend(SERIES.map(col));
    let mut taken = vec![region, industry, col("next").alias("mm")];
    taken.extend(SERIES.map(|c| (lit(0i64) - col(c)).alias(c)));
    let changes = concat(
        [
            states.clone().select(added),
            states.filter(col("next").lt_eq(lit(end))).select(taken),
        ],
        UnionArgs::default(),
    )
    .map_err(internal)?;
    Ok(changes
        .group_by([col("region"), col("industry"), col("mm")])
        .agg(SERIES.map(|c| col(c).sum())))
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

/// [`aggregate`] from a scope worked out for the same period, year and
/// prices: the whole's figures, or (`req.region`) one unit's.
///
/// The plans here read the scope's frames, one row per enterprise or per
/// region, division and month, so they run on the in-memory engine: at the
/// sample's size each streaming start-up cost more than the plan, and a
/// batch runs them once per unit. Both engines give the same bits (the sums
/// are exact).
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
    let divisions: Vec<Region> = data
        .industries
        .iter()
        .map(|i| Region {
            code: i.code.clone(),
            name: i.name.clone(),
            short_name: i.name.clone(),
        })
        .collect();
    let (sections, in_section) = sections(data);
    let (groups, in_group) = groups(data);
    let by = |key: Expr| scoped.clone().with_column(key.alias("order"));
    let members = |members: DataFrame| {
        scoped.clone().join(
            members.lazy(),
            [col("industry")],
            [col("industry")],
            JoinArgs::new(JoinType::Inner),
        )
    };
    let [total, regions, industries, section_sums, group_sums] = collect_all(
        engine,
        [
            grouped(by(lit(0u32)), std::slice::from_ref(whole), &plan),
            grouped(by(col("region")), counties, &plan),
            grouped(by(col("industry")), &divisions, &plan),
            grouped(members(in_section), &sections, &plan),
            grouped(members(in_group), &groups, &plan),
        ],
    )?;
    let total = unit_sums(&total, &flows)?
        .pop()
        .filter(|t| t.enterprises > 0)
        .ok_or_else(|| no_data(data, req))?;
    let of = |frame: &DataFrame| -> Result<Vec<Figures>> {
        Ok(unit_sums(frame, &flows)?
            .iter()
            .map(|u| figures_of(u, &total, &plan))
            .collect())
    };
    let mut prefecture = figures_of(&total, &total, &plan);
    let mut regions = of(&regions)?;
    rank(&mut regions);
    let mut industries = of(&industries)?;

    let month_cells = of_unit(&scope.month_cells);
    let ytd_cells = of_unit(&scope.ytd_cells);
    let series = |key: Expr, units: usize| {
        monthly_series(month_cells.clone(), ytd_cells.clone(), key, units, req)
    };
    let [total_months, region_months, industry_months] = collect_all(
        engine,
        [
            series(lit(0u32), 1)?,
            series(col("region"), counties.len())?,
            series(col("industry"), divisions.len())?,
        ],
    )?;
    let per = months.len();
    prefecture.monthly = month_figures(&total_months, &months)?;
    for (unit, series) in regions
        .iter_mut()
        .zip(month_figures(&region_months, &months)?.chunks(per))
    {
        unit.monthly = series.to_vec();
    }
    for (unit, series) in industries
        .iter_mut()
        .zip(month_figures(&industry_months, &months)?.chunks(per))
    {
        unit.monthly = series.to_vec();
    }

    if let Some((earlier, own)) = &scope.earlier {
        let (from, to) = earlier.month_range();
        let cells = own.as_ref().map_or(ytd_cells, of_unit);
        let at = |key: Expr, units: usize| -> Result<LazyFrame> {
            Ok(cumulated(cells.clone(), key, units, (from, to))?
                .filter(col("mm").eq(lit(i32::from(to)))))
        };
        let [whole_then, regions_then] = collect_all(
            engine,
            [at(lit(0u32), 1)?, at(col("region"), counties.len())?],
        )?;
        prefecture.earlier = earlier_figures(&whole_then)?.pop();
        for (unit, then) in regions.iter_mut().zip(earlier_figures(&regions_then)?) {
            unit.earlier = Some(then);
        }
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
    let present = |units: Vec<Figures>| -> Vec<Figures> {
        units.into_iter().filter(|f| f.enterprises > 0).collect()
    };
    Ok(Summary {
        period: req.period.label(req.year),
        period_key: req.period.key(),
        year: req.year,
        months,
        comparison_months,
        prices: req.prices,
        prefecture,
        regions,
        growth_breadth: GrowthBreadth::of(&industries),
        industries: present(industries),
        sections: present(of(&section_sums)?),
        groups: present(of(&group_sums)?),
        earlier_period: scope.earlier.as_ref().map(|(e, _)| e.key()),
        indicators: scope.indicators.clone(),
    })
}

/// A GB/T 4754 section of industry (门类).
pub struct Section {
    /// Its letter, `section:<code>` in `summary.csv`.
    pub code: &'static str,
    /// Its name.
    pub name: &'static str,
    /// The name tables use, where the full one is too long for a cell.
    pub short_name: &'static str,
    /// The divisions it spans.
    pub divisions: std::ops::RangeInclusive<u32>,
}

/// The three sections of industry (三大门类); a division outside 06–46 is in
/// none.
pub const SECTIONS: [Section; 3] = [
    Section {
        code: "B",
        name: "采矿业",
        short_name: "采矿业",
        divisions: 6..=12,
    },
    Section {
        code: "C",
        name: "制造业",
        short_name: "制造业",
        divisions: 13..=43,
    },
    Section {
        code: "D",
        name: "电力、热力、燃气及水生产和供应业",
        short_name: "电力热力燃气及水",
        divisions: 44..=46,
    },
];

/// The sections as units, and the table of (division index, section
/// index) that attributes an enterprise to its division's section.
fn sections(data: &Dataset) -> (Vec<Region>, DataFrame) {
    let units = SECTIONS
        .iter()
        .map(|s| Region {
            code: s.code.into(),
            name: s.name.into(),
            short_name: s.short_name.into(),
        })
        .collect();
    let (mut division, mut order) = (Vec::new(), Vec::new());
    for (d, industry) in data.industries.iter().enumerate() {
        let Ok(number) = industry.code.parse::<u32>() else {
            continue;
        };
        if let Some(s) = SECTIONS.iter().position(|s| s.divisions.contains(&number)) {
            division.push(d as u32);
            order.push(s as u32);
        }
    }
    (units, membership(division, order))
}

/// The groups of divisions of `industry_groups.csv` as units, and the table
/// of (division index, group index); a division may be in several groups.
fn groups(data: &Dataset) -> (Vec<Region>, DataFrame) {
    let units = data
        .groups
        .iter()
        .map(|g| Region {
            code: g.key.clone(),
            name: g.name.clone(),
            short_name: g.name.clone(),
        })
        .collect();
    let (mut division, mut order) = (Vec::new(), Vec::new());
    for (i, group) in data.groups.iter().enumerate() {
        for &d in &group.industries {
            division.push(d as u32);
            order.push(i as u32);
        }
    }
    (units, membership(division, order))
}

fn membership(division: Vec<u32>, order: Vec<u32>) -> DataFrame {
    df!("industry" => division, "order" => order).expect("columns of equal length")
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
fn deflate(
    data: &Dataset,
    rows: LazyFrame,
    req: Request,
    (first, last): (u8, u8),
) -> Result<LazyFrame> {
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
/// even the month's `all` row) cannot be deflated.
fn check_index(data: &Dataset, rows: &DataFrame, req: Request) -> Result<()> {
    let (Prices::Comparable, Some(path)) = (req.prices, &data.price_index_file) else {
        return Ok(());
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
    Ok(())
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

/// Sums the enterprises of each unit (column `order`, the unit's index in
/// `list`): their count and every flow's exact sums, in whole fen, for every
/// unit of `list` in its order (0 for a unit without enterprises).
fn grouped(keyed: LazyFrame, list: &[Region], plan: &Plan<'_>) -> LazyFrame {
    let mut sums = vec![len().cast(DataType::UInt32).alias("enterprises")];
    let mut fill = vec![col("enterprises").fill_null(lit(0u32))];
    for f in plan.flows {
        for suffix in ["", "_cmp", "_cmp2", "_base", "_base2"] {
            let name = format!("{}{suffix}", f.prefix);
            if suffix == "_base2" && !plan.two_years {
                // Summing nulls gives 0; a base the data lacks stays null.
                sums.push(lit(NULL).cast(DataType::Int64).alias(name.as_str()));
                continue;
            }
            sums.push(col(name.as_str()).sum());
            fill.push(col(name.as_str()).fill_null(lit(0i64)));
        }
    }
    units(list)
        .join(
            keyed.group_by([col("order")]).agg(sums),
            [col("order")],
            [col("order")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(fill)
        .sort(["order"], SortMultipleOptions::default())
}

/// One flow's exact sums for one unit, in whole fen ([`FIXED`]).
#[derive(Debug, Clone, Copy)]
struct FlowSums {
    nominal: i64,
    comparable: i64,
    comparable2: i64,
    base: i64,
    base2: Option<i64>,
}

/// One unit's row of a [`grouped`] frame.
struct UnitSums {
    code: String,
    name: String,
    enterprises: u32,
    /// In the order of [`flow_columns`].
    flows: Vec<FlowSums>,
}

fn unit_sums(df: &DataFrame, flows: &[FlowCol]) -> Result<Vec<UnitSums>> {
    let codes = string_column(df, "code")?;
    let names = string_column(df, "name")?;
    let counts = i64_column(df, "enterprises")?;
    let columns = flows
        .iter()
        .map(|f| {
            ["", "_cmp", "_cmp2", "_base", "_base2"]
                .map(|suffix| i64_column(df, &format!("{}{suffix}", f.prefix)))
                .into_iter()
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((0..df.height())
        .map(|i| UnitSums {
            code: codes[i].clone(),
            name: names[i].clone(),
            enterprises: counts[i].unwrap_or(0) as u32,
            flows: columns
                .iter()
                .map(|c| FlowSums {
                    nominal: c[0][i].unwrap_or(0),
                    comparable: c[1][i].unwrap_or(0),
                    comparable2: c[2][i].unwrap_or(0),
                    base: c[3][i].unwrap_or(0),
                    base2: c[4][i],
                })
                .collect(),
        })
        .collect())
}

/// Whole fen as 万元, exactly.
fn wan(fen: i64) -> Rational {
    Rational::new(fen.into(), FIXED as i128).expect("a nonzero unit")
}

/// `100 · (now − base) / base`: growth in %, `None` on a zero base.
fn growth(now: i64, base: i64) -> Option<Rational> {
    Rational::percent(i128::from(now) - i128::from(base), base.into())
}

/// A unit's figures from its sums and the whole's (for shares, 贡献率 and
/// 拉动; a unit that is the whole has a share of 100 %).
fn figures_of(unit: &UnitSums, whole: &UnitSums, plan: &Plan<'_>) -> Figures {
    let flow = |k: usize| {
        let two_years =
            plan.two_years && (plan.flows[k].column != "value_added" || plan.va_two_years);
        derive(&unit.flows[k], &whole.flows[k], two_years)
    };
    let find = |column: &str| plan.flows.iter().position(|f| f.column == column);
    Figures {
        code: unit.code.clone(),
        name: unit.name.clone(),
        enterprises: unit.enterprises,
        output_value: flow(0),
        value_added: flow(1),
        sales_value: find("sales_value").map(flow),
        export_value: find("export_value").map(flow),
        sales_ratio: find("sales_value").map(|k| {
            let (sales, output) = (&unit.flows[k], &unit.flows[0]);
            let level = Rational::percent(sales.nominal.into(), output.nominal.into());
            let base = Rational::percent(sales.base.into(), output.base.into());
            Ratio {
                level,
                base,
                yoy_pp: level.zip(base).map(|(a, b)| a - b),
            }
        }),
        rank: None,
        monthly: Vec::new(),
        air: None,
        earlier: None,
    }
}

/// Every measure of one flow (`docs/methodology.md`, "Measures"): growth
/// on comparable levels, shares on nominal ones, each an exact fraction of
/// the sums.
fn derive(unit: &FlowSums, whole: &FlowSums, two_years: bool) -> Flow {
    let change = i128::from(unit.comparable) - i128::from(unit.base);
    let share = |part: i64, of: i64| Rational::percent(part.into(), of.into());
    let two_year_avg_pct = match unit.base2 {
        Some(base2) if two_years && base2 > 0 && unit.comparable2 >= 0 => {
            Rational::from_f64(((unit.comparable2 as f64 / base2 as f64).sqrt() - 1.0) * 100.0)
        }
        _ => None,
    };
    Flow {
        level: wan(unit.nominal),
        comparable_level: wan(unit.comparable),
        base: wan(unit.base),
        yoy_pct: growth(unit.comparable, unit.base),
        share_pct: share(unit.nominal, whole.nominal),
        share_pp: share(unit.nominal, whole.nominal)
            .zip(share(unit.base, whole.base))
            .map(|(now, then)| now - then),
        contrib_pct: Rational::percent(
            change,
            i128::from(whole.comparable) - i128::from(whole.base),
        ),
        pull_pp: Rational::percent(change, whole.base.into()),
        base_two_years: unit.base2.filter(|_| two_years).map(wan),
        two_year_avg_pct,
    }
}

/// Ranks units by output growth, fastest first; ties share the better rank
/// ("min"); a unit without growth has none. Exact: two rates that print
/// alike but differ are ranked apart.
fn rank(units: &mut [Figures]) {
    let rates: Vec<Option<Rational>> = units.iter().map(|u| u.output_value.yoy_pct).collect();
    for (unit, rate) in units.iter_mut().zip(&rates) {
        unit.rank = rate.map(|r| 1 + rates.iter().flatten().filter(|o| **o > r).count() as u32);
    }
}

/// Every unit × month of `from..=to`, so that months without rows are 0
/// and units keep their order.
fn grid(units: usize, (from, to): (u8, u8)) -> LazyFrame {
    let (mut order, mut mm) = (Vec::new(), Vec::new());
    for i in 0..units as u32 {
        for m in from..=to {
            order.push(i);
            mm.push(i32::from(m));
        }
    }
    df!("order" => order, "mm" => mm)
        .expect("columns of equal length")
        .lazy()
}

/// The running sums over the months `from..=to` of a [`timeline`]'s cells,
/// per unit (`key`, its index among `units`): each unit's cumulative
/// figures at each month, as columns `<series>_ytd`.
fn cumulated(cells: LazyFrame, key: Expr, units: usize, months: (u8, u8)) -> Result<LazyFrame> {
    let changes = cells
        .with_column(key.alias("order"))
        .group_by([col("order"), col("mm")])
        .agg(SERIES.map(|c| col(c).sum()));
    let running = SERIES
        .iter()
        .map(|c| {
            Ok(col(*c)
                .cum_sum(false)
                .over([col("order")])
                .map_err(internal)?
                .alias(format!("{c}_ytd")))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut columns = vec![col("order"), col("mm")];
    columns.extend(SERIES.map(|c| col(format!("{c}_ytd"))));
    Ok(grid(units, months)
        .join(
            changes,
            [col("order"), col("mm")],
            [col("order"), col("mm")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(SERIES.map(|c| col(c).fill_null(lit(0i64))))
        .sort(["order", "mm"], SortMultipleOptions::default())
        .with_columns(running)
        .select(columns))
}

/// 当月 and 累计 sums over the period's months for every unit (`key`, its
/// index among `units`; `lit(0)` for the whole): the month cells grouped,
/// beside the 累计 from January.
fn monthly_series(
    month_cells: LazyFrame,
    ytd_cells: LazyFrame,
    key: Expr,
    units: usize,
    req: Request,
) -> Result<LazyFrame> {
    let (first, last) = req.period.month_range();
    let month = month_cells
        .with_column(key.clone().alias("order"))
        .group_by([col("order"), col("mm")])
        .agg(SERIES.map(|c| col(c).sum()));
    let keys = || [col("order"), col("mm")];
    Ok(cumulated(ytd_cells, key, units, (1, last))?
        .filter(col("mm").gt_eq(lit(i32::from(first))))
        .join(month, keys(), keys(), JoinArgs::new(JoinType::Left))
        .with_columns(SERIES.map(|c| col(c).fill_null(lit(0i64))))
        .sort(["order", "mm"], SortMultipleOptions::default()))
}

/// The rows of a [`monthly_series`] frame as each unit's months, unit after
/// unit.
fn month_figures(df: &DataFrame, months: &[String]) -> Result<Vec<MonthFigures>> {
    let get = |name: &str| i64_column(df, name);
    let [out, va, va_cmp, out_base, va_base] = SERIES.map(get);
    let [out_ytd, va_ytd, va_cmp_ytd, out_base_ytd, va_base_ytd] =
        SERIES.map(|c| get(&format!("{c}_ytd")));
    let (out, va, va_cmp, out_base, va_base) = (out?, va?, va_cmp?, out_base?, va_base?);
    let (out_ytd, va_ytd, va_cmp_ytd, out_base_ytd, va_base_ytd) =
        (out_ytd?, va_ytd?, va_cmp_ytd?, out_base_ytd?, va_base_ytd?);
    let v = |c: &[Option<i64>], i: usize| c[i].unwrap_or(0);
    Ok((0..df.height())
        .map(|i| MonthFigures {
            month: months[i % months.len()].clone(),
            output_value: wan(v(&out, i)),
            output_yoy_pct: growth(v(&out, i), v(&out_base, i)),
            output_ytd: wan(v(&out_ytd, i)),
            output_ytd_yoy_pct: growth(v(&out_ytd, i), v(&out_base_ytd, i)),
            value_added: wan(v(&va, i)),
            value_added_yoy_pct: growth(v(&va_cmp, i), v(&va_base, i)),
            value_added_ytd: wan(v(&va_ytd, i)),
            value_added_ytd_yoy_pct: growth(v(&va_cmp_ytd, i), v(&va_base_ytd, i)),
        })
        .collect())
}

/// The earlier period's growth of each unit, from its [`cumulated`] sums
/// at the earlier period's last month.
fn earlier_figures(df: &DataFrame) -> Result<Vec<Earlier>> {
    let get = |name: &str| i64_column(df, &format!("{name}_ytd"));
    let (out, va_cmp, out_base, va_base) = (
        get("out")?,
        get("va_cmp")?,
        get("out_base")?,
        get("va_base")?,
    );
    let v = |c: &[Option<i64>], i: usize| c[i].unwrap_or(0);
    Ok((0..df.height())
        .map(|i| Earlier {
            output_yoy_pct: growth(v(&out, i), v(&out_base, i)),
            value_added_yoy_pct: growth(v(&va_cmp, i), v(&va_base, i)),
        })
        .collect())
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
    .map_err(internal)?;
    let df = collect_small(frame)?;
    let codes = df
        .column("code")
        .map_err(internal)?
        .str()
        .map_err(internal)?
        .clone();
    let codes: Vec<Option<String>> = codes.iter().map(|c| c.map(str::to_string)).collect();
    let count = |name: &str| -> Result<Vec<i128>> {
        Ok(f64_column(&df, name)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0) as i128)
            .collect())
    };
    let (days, good) = (count("days")?, count("good")?);
    let (days_base, good_base) = (count("days_base")?, count("good_base")?);
    Ok(codes
        .into_iter()
        .enumerate()
        .map(|(i, code)| {
            let ratio_pct = Rational::percent(good[i], days[i]);
            let base_ratio_pct = Rational::percent(good_base[i], days_base[i]);
            let air = AirQuality {
                days: days[i] as u32,
                good_days: good[i] as u32,
                ratio_pct,
                base_ratio_pct,
                yoy_pp: ratio_pct.zip(base_ratio_pct).map(|(a, b)| a - b),
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
        .sort(["order"], SortMultipleOptions::default());
    let df = collect_small(frame)?;
    // The levels as their doubles read (sums of exact fen read exactly).
    let decimal = |name: &str| -> Result<Vec<Option<Rational>>> {
        Ok(f64_column(&df, name)?
            .into_iter()
            .map(|v| v.and_then(Rational::from_f64))
            .collect())
    };
    let (codes_col, level, base) = (
        string_column(&df, "code")?,
        decimal("level")?,
        decimal("base")?,
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
                    yoy_pct: level[k]
                        .zip(base[k])
                        .and_then(|(now, then)| (now - then).checked_div(then))
                        .map(|g| g.mul_int(100)),
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

pub(crate) fn internal(err: PolarsError) -> Error {
    Error::Data(vec![DataError::file("<aggregation>", err.to_string())])
}

fn string_column(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let column = df.column(name).map_err(internal)?.str().map_err(internal)?;
    Ok(column
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

/// A collected frame's column as doubles (non-finite values undefined).
pub(crate) fn f64_column(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
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

/// A collected frame's column as whole numbers.
pub(crate) fn i64_column(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let column = df
        .column(name)
        .map_err(internal)?
        .cast(&DataType::Int64)
        .map_err(internal)?;
    Ok(column.i64().map_err(internal)?.iter().collect())
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
