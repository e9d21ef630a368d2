//! `industry_monthly.parquet`: the enterprise-month rows in Parquet, with
//! the same columns as the CSV. The contract's rules (`contract.rs`) run as
//! Polars expressions instead of row by row, and the rows that break one get
//! the contract's messages (a Parquet file has no lines: messages give the
//! 1-based row); one row per enterprise and month is checked as the CSV's.

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::*;

use super::contract::{self, Bound, ENTERPRISES, Kind, List};
use super::{EnterpriseMonths, EnterpriseRows, Errors, Industry, MonthSet, Region, parse_month};
use crate::error::DataError;

/// Scans the file lazily (the aggregate stage uses this too).
///
/// Columns named as report forms name them (月份, 工业总产值) read as the
/// contract's names, as a CSV header's do (an amount in another unit keeps
/// its name: [`read`] refuses it).
pub fn scan(path: &Path) -> PolarsResult<LazyFrame> {
    let mut frame = LazyFrame::scan_parquet(
        PlRefPath::new(path.to_string_lossy().as_ref()),
        ScanArgsParquet::default(),
    )?;
    let (mut from, mut to) = (Vec::new(), Vec::new());
    for name in frame.collect_schema()?.iter_names() {
        if let Some(Ok(own)) = ENTERPRISES.header_name(name)
            && own != name.as_str()
        {
            from.push(name.to_string());
            to.push(own.to_string());
        }
    }
    Ok(if from.is_empty() {
        frame
    } else {
        frame.rename(from, to, true)
    })
}

/// Validates the file; returns the months present, the optional flow
/// columns it has and, when every row is good, the rows of the months of the
/// year in `keep` typed like the CSV's ([`EnterpriseRows`]).
pub(super) fn read(
    path: &Path,
    counties: &[Region],
    industries: &[Industry],
    keep: (u8, u8),
    errors: &mut Errors,
) -> Option<(MonthSet, Vec<&'static str>, EnterpriseRows)> {
    let fail = |errors: &mut Errors, e: PolarsError| {
        errors.push(DataError::file(
            path,
            format!("cannot read as Parquet: {e}"),
        ));
    };
    let mut frame = match scan(path) {
        Ok(frame) => frame,
        Err(e) => {
            fail(errors, e);
            return None;
        }
    };
    let schema = match frame.collect_schema() {
        Ok(schema) => schema,
        Err(e) => {
            fail(errors, e);
            return None;
        }
    };
    // (An amount named in another unit than 万元: see `Table::header_name`.)
    let mut refused = false;
    for name in schema.iter_names() {
        if let Some(Err((_, message))) = ENTERPRISES.header_name(name) {
            errors.push(DataError::file(path, message));
            refused = true;
        }
    }
    if refused {
        return None;
    }
    let mut missing = false;
    let mut optional: Vec<&'static str> = Vec::new();
    for column in ENTERPRISES.columns {
        let number = matches!(column.kind, Kind::Number(..));
        let problem = match schema.get(column.name) {
            None if column.required => format!("missing column `{}`", column.name),
            None => continue,
            // A column of nothing but nulls has no number type to show.
            Some(dtype) if number && !(dtype.is_primitive_numeric() || dtype.is_null()) => {
                format!("column `{}` is {dtype}; expected numbers", column.name)
            }
            Some(dtype) if !number && !matches!(dtype, DataType::String) => {
                format!("column `{}` is {dtype}; expected text", column.name)
            }
            Some(_) => {
                if !column.required {
                    optional.push(column.name);
                }
                continue;
            }
        };
        errors.push(DataError::file(path, problem));
        missing = true;
    }
    if missing {
        return None;
    }
    let run = |plan: LazyFrame| {
        plan.collect_with_engine(Engine::Streaming)
            .map(|result| result.unwrap_single())
    };

    // The months present, parsed in Rust like the CSV's.
    let months_frame = match run(frame.clone().select([col("month").unique()])) {
        Ok(df) => df,
        Err(e) => {
            fail(errors, e);
            return None;
        }
    };
    let mut months: MonthSet = BTreeSet::new();
    let mut good: Vec<String> = Vec::new();
    if let Ok(column) = months_frame.column("month").and_then(|c| c.str().cloned()) {
        for m in column.iter().flatten() {
            if let Some(month) = parse_month(m) {
                months.insert(month);
                good.push(m.to_string());
            }
        }
    }
    if months.is_empty() {
        let expected = Kind::Month.expected();
        errors.push(DataError::file(path, format!("has no row with {expected}")));
        return None;
    }

    // The 行业代码 and 行政区划代码 the file holds, each numbered as its
    // division or county (`contract::division_of`, `contract::county_of`:
    // a class such as 1311 is division 13, a village's code its county's).
    let numbered = |column: &str, of: fn(&str) -> &str, own: Vec<&str>| {
        let df = run(frame.clone().select([text(column).unique()]))?;
        let codes = df.column(column)?.str()?.clone();
        Ok::<Vec<(String, u32)>, PolarsError>(
            codes
                .iter()
                .flatten()
                .filter_map(|c| Some((c.to_string(), own.iter().position(|o| *o == of(c))? as u32)))
                .collect(),
        )
    };
    let classes = numbered(
        "industry_code",
        contract::division_of,
        industries.iter().map(|i| i.code.as_str()).collect(),
    );
    let units = numbered(
        "region_code",
        contract::county_of,
        counties.iter().map(|r| r.code.as_str()).collect(),
    );
    let (classes, units) = match (classes, units) {
        (Ok(classes), Ok(units)) => (classes, units),
        (Err(e), _) | (_, Err(e)) => {
            fail(errors, e);
            return None;
        }
    };

    // Every row that breaks a rule of the contract, the first ones only;
    // the messages are the contract's, as the CSV's are.
    let list = |values: Vec<String>| lit(Series::new("".into(), values)).implode(false);
    // (The enterprise file lists no other codes: a contract test holds it.)
    let listed = |list: List| -> Vec<String> {
        match list {
            List::Counties => units.iter().map(|(c, _)| c.clone()).collect(),
            _ => classes.iter().map(|(c, _)| c.clone()).collect(),
        }
    };
    let rules: Vec<(&contract::Column, Expr)> = ENTERPRISES
        .columns
        .iter()
        .filter(|c| c.required || optional.contains(&c.name))
        .filter_map(|column| {
            let field = col(column.name);
            let number = field.clone().cast(DataType::Float64);
            let broken = match column.kind {
                Kind::Month => field.is_in(list(good.clone()), false).not(),
                Kind::Text(_) => field.str().strip_chars(lit(NULL)).eq(lit("")),
                Kind::Listed(which) => field.is_in(list(listed(which)), false).not(),
                Kind::Number(_, bound) => {
                    let outside = match bound {
                        None => lit(false),
                        Some(Bound::Zero) => number.clone().lt(lit(0.0)),
                        Some(Bound::Positive) => number.clone().lt_eq(lit(0.0)),
                    };
                    number.is_finite().not().or(outside)
                }
                _ => return None,
            };
            // An empty optional flow counts as 0, as in the CSV.
            Some((column, broken.fill_null(column.required)))
        })
        .collect();
    frame = frame.with_row_index("row", Some(1));
    let flags: Vec<Expr> = rules
        .iter()
        .map(|(column, rule)| rule.clone().alias(format!("bad_{}", column.name)))
        .collect();
    let any = rules
        .iter()
        .map(|(_, rule)| rule.clone())
        .reduce(|a, b| a.or(b))
        .expect("rules");
    let bad = frame
        .clone()
        .filter(any)
        .select(
            [col("row")]
                .into_iter()
                .chain(
                    rules
                        .iter()
                        .map(|(column, _)| col(column.name).cast(DataType::String)),
                )
                .chain(flags)
                .collect::<Vec<_>>(),
        )
        .limit(crate::error::MAX_DATA_ERRORS as IdxSize);
    match run(bad) {
        Ok(df) => {
            let cell = |name: &str, i: usize| df.column(name).ok().and_then(|c| c.get(i).ok());
            for i in 0..df.height() {
                let row = cell("row", i).and_then(|v| v.extract::<u64>()).unwrap_or(0);
                for (column, _) in &rules {
                    let flag = format!("bad_{}", column.name);
                    if !cell(&flag, i)
                        .and_then(|v| v.extract_bool())
                        .unwrap_or(false)
                    {
                        continue;
                    }
                    let found = cell(column.name, i)
                        .and_then(|v| v.get_str().map(str::to_string))
                        .unwrap_or_default();
                    let found = found.trim();
                    let message = match column.kind {
                        Kind::Listed(_) => column.kind.unlisted(found),
                        kind => kind
                            .check(found)
                            .err()
                            .unwrap_or_else(|| kind.unlisted(found)),
                    };
                    errors.push(DataError::at_row(path, row, Some(column.name), message));
                }
            }
        }
        Err(e) => fail(errors, e),
    }

    // One row per enterprise and month, checked as the CSV is, fed batch by
    // batch (a group-by over enterprise and month held ten million groups at
    // 10 M rows).
    #[derive(Default)]
    struct Seen {
        rows: EnterpriseMonths,
        duplicates: Vec<(String, String, u64, u64)>,
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
    let sink = {
        let seen = seen.clone();
        PlanCallback::new(move |df: DataFrame| -> PolarsResult<bool> {
            let rows = df.column("row")?.cast(&DataType::UInt64)?;
            let rows = rows.u64()?;
            let ids = df.column("enterprise_id")?.str()?.clone();
            let months = df.column("month")?.str()?.clone();
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            let seen = &mut *seen;
            for ((row, id), month) in rows.iter().zip(ids.iter()).zip(months.iter()) {
                let (Some(row), Some(id), Some(month)) = (row, id, month) else {
                    continue;
                };
                let Some(parsed) = parse_month(month) else {
                    continue;
                };
                if let Some(first) = seen.rows.insert(id, parsed, row)
                    && seen.duplicates.len() < crate::error::MAX_DATA_ERRORS
                {
                    seen.duplicates
                        .push((id.to_string(), month.to_string(), first, row));
                }
            }
            Ok(false)
        })
    };
    let pass = frame
        .clone()
        .select([col("row"), col("enterprise_id"), col("month")])
        .sink_batches(sink, true, None)
        .and_then(|plan| plan.collect_with_engine(Engine::Streaming));
    if let Err(e) = pass {
        fail(errors, e);
    }
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
    for (id, month, first, last) in seen.duplicates {
        errors.push(DataError::at_row(
            path,
            last,
            Some("enterprise_id"),
            contract::two_rows(&id, &month, &format!("rows {first} and {last}")),
        ));
    }
    if !errors.list.is_empty() {
        return Some((months, optional, EnterpriseRows::default()));
    }
    match typed(frame, &units, &classes, &optional, keep) {
        Ok(rows) => Some((months, optional, rows)),
        Err(e) => {
            fail(errors, e);
            None
        }
    }
}

/// The enterprise numbers of a file's rows: each identifier's place among
/// the file's identifiers in sorted order, as a table (`id`, `enterprise`)
/// to join the rows with. The same file always numbers the same way (a
/// categorical's codes follow the order the engine meets the strings in,
/// which its threads change from run to run), so [`numbered`] finds the rows
/// that [`typed`] numbered.
fn numbers(frame: &LazyFrame) -> PolarsResult<LazyFrame> {
    let ids = frame
        .clone()
        .select([text("enterprise_id").alias("id")])
        .unique(None, UniqueKeepStrategy::Any)
        .sort(["id"], SortMultipleOptions::default())
        .collect()?;
    let count = ids.height() as u32;
    let mut ids = ids;
    ids.with_column(Column::new(
        "enterprise".into(),
        (0..count).collect::<Vec<u32>>(),
    ))?;
    Ok(ids.lazy())
}

/// `frame` with its rows' enterprise numbers ([`numbers`]) as `enterprise`;
/// in the file's order of rows when `in_order`.
fn with_numbers(frame: LazyFrame, in_order: bool) -> PolarsResult<LazyFrame> {
    let numbers = numbers(&frame)?;
    let mut args = JoinArgs::new(JoinType::Inner);
    if in_order {
        args.maintain_order = MaintainOrderJoin::Left;
    }
    Ok(frame.join(numbers, [text("enterprise_id")], [col("id")], args))
}

/// A text column, trimmed.
fn text(c: &str) -> Expr {
    col(c).cast(DataType::String).str().strip_chars(lit(NULL))
}

/// Each row's enterprise number as [`typed`] gives it ([`numbers`]), with
/// the identifier, name and month as written, in file order: for messages
/// about rows (`load::locate`).
pub(super) fn numbered(path: &Path) -> PolarsResult<DataFrame> {
    with_numbers(scan(path)?, true)?
        .select([
            col("enterprise"),
            text("enterprise_id").alias("enterprise_id"),
            text("enterprise_name").alias("enterprise_name"),
            text("month").alias("month"),
        ])
        .collect()
}

/// The validated rows as [`EnterpriseRows`]: identifiers numbered by
/// [`numbers`], months as `year * 100 + month`, codes as indices (the
/// file's 行政区划代码 and 行业代码 as `units` and `classes` number them:
/// each its county's and division's).
fn typed(
    frame: LazyFrame,
    units: &[(String, u32)],
    classes: &[(String, u32)],
    optional: &[&'static str],
    (first, last): (u8, u8),
) -> PolarsResult<EnterpriseRows> {
    let index = |codes: &[(String, u32)], name: &str| {
        df!(
            "code" => codes.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
            name => codes.iter().map(|&(_, n)| n).collect::<Vec<_>>(),
        )
        .map(DataFrame::lazy)
    };
    let regions = index(units, "region")?;
    let divisions = index(classes, "industry")?;
    let frame = with_numbers(frame, false)?;
    let mut columns = vec![
        col("enterprise"),
        (text("month")
            .str()
            .slice(lit(0), lit(4))
            .cast(DataType::Int32)
            * lit(100)
            + text("month")
                .str()
                .slice(lit(5), lit(2))
                .cast(DataType::Int32))
        .alias("month"),
        col("region"),
        col("industry"),
    ];
    columns.extend(
        ["output_value", "value_added"]
            .iter()
            .chain(optional)
            .map(|c| col(*c).cast(DataType::Float64)),
    );
    let on = |c: &str| [text(c)];
    let typed = frame
        .join(
            regions,
            on("region_code"),
            [col("code")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            divisions,
            on("industry_code"),
            [col("code")],
            JoinArgs::new(JoinType::Inner),
        )
        .select(columns)
        .filter(
            (col("month") % lit(100))
                .gt_eq(lit(i32::from(first)))
                .and((col("month") % lit(100)).lt_eq(lit(i32::from(last)))),
        )
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    Ok(EnterpriseRows::from_frame(typed))
}
