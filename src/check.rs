//! `review check`: the audit before publishing (数据审核). Beside aggregate,
//! on the same validated rows: Polars plans find the enterprise-months and
//! enterprises that would embarrass a bulletin (an outlying month, a growth
//! rate far out, value added above output, enterprises that vanished or
//! appeared), and list the enterprises that make most of the growth (拉动).
//! The rows are then located in the enterprise file (`load::locate`) so
//! every finding names its file and line.

use std::collections::HashSet;

use polars::prelude::*;
use serde::Serialize;

use crate::aggregate::{f64_column, i64_column, in_months, internal};
use crate::error::Result;
use crate::load::{CheckSettings, Dataset};
use crate::number::Rational;
use crate::period::{Period, month_key};

/// The thresholds in force (`publication.toml`'s `[check]`, or defaults).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Thresholds {
    /// A month ≥ this × the median month (or ≤ its inverse) is an outlier.
    pub month_ratio: f64,
    /// Growth of at least ± this many % is flagged…
    pub growth_pct: f64,
    /// …on a base above this many 万元.
    pub min_base: f64,
    /// Lowest plausible value-added rate, %.
    pub va_rate_min: f64,
    /// Highest plausible value-added rate, %.
    pub va_rate_max: f64,
    /// Contributors listed.
    pub top: usize,
}

impl Thresholds {
    /// The settings, with defaults where a field is not set.
    pub fn of(settings: &CheckSettings) -> Thresholds {
        Thresholds {
            month_ratio: settings.month_ratio.unwrap_or(3.0),
            growth_pct: settings.growth_pct.unwrap_or(50.0),
            min_base: settings.min_base.unwrap_or(1000.0),
            va_rate_min: settings.va_rate_min.unwrap_or(5.0),
            va_rate_max: settings.va_rate_max.unwrap_or(70.0),
            top: settings.top.unwrap_or(10),
        }
    }
}

/// The rules, in the order findings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// One month far from the enterprise's median month.
    MonthOutlier,
    /// An enterprise's growth far up or down on a sizeable base.
    Growth,
    /// Value added above output, or a value-added rate outside the band.
    ValueAdded,
    /// In scope, without a row for a month of the period after its first
    /// (漏报 in a month, or a month whose returns are not all in).
    Gap,
    /// In scope a year earlier, without a row now (漏报 or 退出).
    Missing,
    /// In scope now, without a row a year earlier.
    New,
    /// The largest contributors to the whole's growth (information).
    Contributor,
}

impl Rule {
    /// Key in `check.csv`.
    pub fn key(self) -> &'static str {
        match self {
            Rule::MonthOutlier => "month_outlier",
            Rule::Growth => "growth",
            Rule::ValueAdded => "value_added",
            Rule::Gap => "gap",
            Rule::Missing => "missing",
            Rule::New => "new",
            Rule::Contributor => "contributor",
        }
    }

    /// What the rule looks for, as the report's heading says it.
    pub fn title(self, t: &Thresholds) -> String {
        match self {
            Rule::MonthOutlier => format!(
                "one month's output at least {}× or at most 1/{} of the enterprise's median month (the period and the same months last year)",
                t.month_ratio, t.month_ratio
            ),
            Rule::Growth => format!(
                "output growth of ±{}% or more on a base above {} 万元",
                t.growth_pct, t.min_base
            ),
            Rule::ValueAdded => format!(
                "value added above output, or a value-added rate outside {}–{}%",
                t.va_rate_min, t.va_rate_max
            ),
            Rule::Gap => {
                "in scope, without a row for a month of the period after its first (漏报, or returns not yet in)".into()
            }
            Rule::Missing => {
                "in scope in the same months last year, without a row now (漏报 or 退出)".into()
            }
            Rule::New => "in scope now, without a row in the same months last year".into(),
            Rule::Contributor => format!(
                "the {} largest contributions to the whole's output growth (拉动, 百分点)",
                t.top
            ),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Its rule.
    pub rule: Rule,
    /// The enterprise's number in the loaded rows.
    #[serde(skip)]
    pub enterprise: u32,
    /// Its identifier and name, from the file.
    pub enterprise_id: String,
    /// See `enterprise_id`.
    pub enterprise_name: String,
    /// The county-level unit it counts in (its latest row's).
    pub region_code: String,
    /// The unit's name.
    pub region: String,
    /// The row the finding is about (`YYYY-MM`), if one.
    pub month: Option<String>,
    /// That row's line in the enterprise file (a Parquet file's row number).
    pub line: Option<u64>,
    /// The value found (万元, %, or 百分点 for a contributor).
    pub value: f64,
    /// What it was measured against (the median month, the base…).
    pub reference: Option<f64>,
    /// The finding in words.
    pub detail: String,
}

/// What `review check` found.
pub struct Report {
    /// The period, such as `2024-H1`.
    pub period: String,
    /// Enterprises in scope.
    pub enterprises: usize,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// The enterprise file, for `file:line`.
    pub file: String,
    /// Every finding, by rule, then enterprise.
    pub findings: Vec<Finding>,
    /// The warnings about the data the load gave (a thin month, an
    /// enterprise that moves, a file read as GB18030…), as a build prints
    /// them; the caller fills them in.
    pub warnings: Vec<String>,
    /// The months with [`Rule::Gap`] findings, and how many enterprises
    /// have no row for each: a month of many is one whose returns are not
    /// all in.
    pub gaps: MonthCounts,
}

/// Months (`YYYY-MM`) and a count for each.
pub type MonthCounts = Vec<(String, usize)>;

impl Report {
    /// Findings of the anomaly rules (not the contributors' list, which
    /// informs).
    pub fn anomalies(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.rule != Rule::Contributor)
            .count()
    }

    /// The report as a statistician reads it, grouped by rule.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = format!(
            "review check: {}, {} enterprises in scope, {} findings\n",
            self.period,
            self.enterprises,
            self.anomalies()
        );
        for rule in [
            Rule::MonthOutlier,
            Rule::Growth,
            Rule::ValueAdded,
            Rule::Gap,
            Rule::Missing,
            Rule::New,
            Rule::Contributor,
        ] {
            let found: Vec<&Finding> = self.findings.iter().filter(|f| f.rule == rule).collect();
            let _ = writeln!(
                out,
                "\n[{}] {}: {}",
                rule.key(),
                rule.title(&self.thresholds),
                found.len()
            );
            if rule == Rule::Gap && !self.gaps.is_empty() {
                let months: Vec<String> = self
                    .gaps
                    .iter()
                    .map(|(month, n)| format!("{month} {n}"))
                    .collect();
                let _ = writeln!(out, "  by month: {}", months.join(", "));
            }
            for f in found {
                let at = match f.line {
                    // A Parquet file has rows, not lines.
                    Some(row) if self.file.ends_with(".parquet") => {
                        format!("{} row {row}", self.file)
                    }
                    Some(line) => format!("{}:{line}", self.file),
                    None => self.file.clone(),
                };
                let _ = writeln!(
                    out,
                    "  {} {} ({} {}) {at}: {}",
                    f.enterprise_id, f.enterprise_name, f.region_code, f.region, f.detail
                );
            }
        }
        out
    }

    /// `check.csv`: one finding per row.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "rule",
            "enterprise_id",
            "enterprise_name",
            "region_code",
            "region",
            "file",
            "line",
            "month",
            "value",
            "reference",
            "detail",
        ])
        .expect("writing to memory");
        for f in &self.findings {
            w.write_record([
                f.rule.key(),
                &f.enterprise_id,
                &f.enterprise_name,
                &f.region_code,
                &f.region,
                &self.file,
                &f.line.map(|l| l.to_string()).unwrap_or_default(),
                f.month.as_deref().unwrap_or(""),
                &fen(f.value).to_string(),
                &f.reference.map(|r| fen(r).to_string()).unwrap_or_default(),
                &f.detail,
            ])
            .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }
}

/// A candidate finding before it is located in the file.
struct Candidate {
    rule: Rule,
    enterprise: u32,
    region: u32,
    month: Option<i32>,
    value: f64,
    reference: Option<f64>,
    detail: String,
}

/// Audits `period` of `year`: every rule over the loaded enterprise rows
/// (which must hold the period's months of `year` and `year − 1`).
pub fn check(data: &Dataset, period: Period, year: i32, t: Thresholds) -> Result<Report> {
    let range = period.month_range();
    let rows = data.rows.frame().clone().lazy();
    let now = in_months(year, range);
    let both = rows
        .filter(now.clone().or(in_months(year - 1, range)))
        .with_column(now.alias("now"));
    let both = both.collect().map_err(internal)?.lazy();
    // Per enterprise: the median month over both years, the sums, the rows
    // in each year, the first month now, the last month a year earlier, and
    // its latest unit (the greatest month-and-region key).
    let flow = |now: bool| {
        let keep = if now { col("now") } else { col("now").not() };
        col("output_value").filter(keep).sum()
    };
    let stats = both
        .clone()
        .group_by([col("enterprise")])
        .agg([
            col("output_value").median().alias("median"),
            flow(true).alias("out"),
            flow(false).alias("out_base"),
            col("now").cast(DataType::UInt32).sum().alias("n_now"),
            col("now")
                .not()
                .cast(DataType::UInt32)
                .sum()
                .alias("n_base"),
            col("month").filter(col("now")).min().alias("first"),
            col("month")
                .filter(col("now").not())
                .max()
                .alias("last_base"),
            (col("month").cast(DataType::Int64) * lit(1i64 << 21)
                + col("region").cast(DataType::Int64))
            .max()
            .alias("latest"),
        ])
        .with_column((col("latest") % lit(1i64 << 21)).alias("unit"))
        .sort(["enterprise"], SortMultipleOptions::default());
    let stats = stats.collect().map_err(internal)?;
    let (gap_candidates, gaps) = gaps(both.clone(), year, range)?;
    let months = both
        .join(
            stats
                .clone()
                .lazy()
                .select([col("enterprise"), col("median"), col("unit")]),
            [col("enterprise")],
            [col("enterprise")],
            JoinArgs::new(JoinType::Left),
        )
        .filter(
            col("median").gt(lit(0.0)).and(
                col("output_value")
                    .gt_eq(col("median") * lit(t.month_ratio))
                    .or(col("output_value").lt_eq(col("median") / lit(t.month_ratio))),
            ),
        )
        .sort(["enterprise", "month"], SortMultipleOptions::default())
        .collect()
        .map_err(internal)?;
    let value_added = data
        .rows
        .frame()
        .clone()
        .lazy()
        .filter(in_months(year, range))
        .filter(
            col("value_added")
                .gt(col("output_value"))
                .or(col("output_value").gt(lit(0.0)).and(
                    (col("value_added") / col("output_value") * lit(100.0))
                        .lt(lit(t.va_rate_min))
                        .or((col("value_added") / col("output_value") * lit(100.0))
                            .gt(lit(t.va_rate_max))),
                )),
        )
        .sort(["enterprise", "month"], SortMultipleOptions::default())
        .collect()
        .map_err(internal)?;

    let mut candidates = gap_candidates;
    {
        let (e, m, r, v, med) = (
            i64_column(&months, "enterprise")?,
            i64_column(&months, "month")?,
            i64_column(&months, "unit")?,
            f64_column(&months, "output_value")?,
            f64_column(&months, "median")?,
        );
        for i in 0..months.height() {
            let (value, median) = (v[i].unwrap_or(0.0), med[i].unwrap_or(0.0));
            let month = m[i].unwrap_or(0) as i32;
            candidates.push(Candidate {
                rule: Rule::MonthOutlier,
                enterprise: e[i].unwrap_or(0) as u32,
                region: r[i].unwrap_or(0) as u32,
                month: Some(month),
                value,
                reference: Some(median),
                detail: format!(
                    "{} output {} 万元, {}× the median month {} 万元",
                    month_text(month),
                    wan(value),
                    Rational::from_f64(value / median)
                        .map_or("—".into(), |x| x.round(1).to_string()),
                    wan(median)
                ),
            });
        }
    }
    {
        let (e, m, r, out, va) = (
            i64_column(&value_added, "enterprise")?,
            i64_column(&value_added, "month")?,
            i64_column(&value_added, "region")?,
            f64_column(&value_added, "output_value")?,
            f64_column(&value_added, "value_added")?,
        );
        for i in 0..value_added.height() {
            let (out, va) = (out[i].unwrap_or(0.0), va[i].unwrap_or(0.0));
            let month = m[i].unwrap_or(0) as i32;
            let rate = Rational::from_f64(va / out * 100.0)
                .map_or("—".into(), |x| x.round(1).to_string());
            candidates.push(Candidate {
                rule: Rule::ValueAdded,
                enterprise: e[i].unwrap_or(0) as u32,
                region: r[i].unwrap_or(0) as u32,
                month: Some(month),
                value: va,
                reference: Some(out),
                detail: if va > out {
                    format!(
                        "{} value added {} 万元 above output {} 万元",
                        month_text(month),
                        wan(va),
                        wan(out)
                    )
                } else {
                    format!(
                        "{} value-added rate {rate}% (value added {}, output {} 万元)",
                        month_text(month),
                        wan(va),
                        wan(out)
                    )
                },
            });
        }
    }
    let (e, out, base, n_now, n_base, first, last_base, unit) = (
        i64_column(&stats, "enterprise")?,
        f64_column(&stats, "out")?,
        f64_column(&stats, "out_base")?,
        i64_column(&stats, "n_now")?,
        i64_column(&stats, "n_base")?,
        i64_column(&stats, "first")?,
        i64_column(&stats, "last_base")?,
        i64_column(&stats, "unit")?,
    );
    let in_scope = |i: usize| n_now[i].unwrap_or(0) > 0;
    let enterprises = (0..stats.height()).filter(|&i| in_scope(i)).count();
    // The whole's base on comparable scope, for 拉动.
    let whole_base: f64 = (0..stats.height())
        .filter(|&i| in_scope(i))
        .map(|i| base[i].unwrap_or(0.0))
        .sum();
    let mut contributions = Vec::new();
    for i in 0..stats.height() {
        let enterprise = e[i].unwrap_or(0) as u32;
        let region = unit[i].unwrap_or(0) as u32;
        let (now, then) = (out[i].unwrap_or(0.0), base[i].unwrap_or(0.0));
        if in_scope(i) && n_base[i].unwrap_or(0) > 0 && then > t.min_base {
            let growth = (now / then - 1.0) * 100.0;
            if growth.abs() >= t.growth_pct {
                candidates.push(Candidate {
                    rule: Rule::Growth,
                    enterprise,
                    region,
                    month: first[i].map(|m| m as i32),
                    value: growth,
                    reference: Some(then),
                    detail: format!(
                        "output {} 万元 against {} 万元 a year earlier: {}{}%",
                        wan(now),
                        wan(then),
                        if growth > 0.0 { "+" } else { "" },
                        Rational::from_f64(growth).map_or("—".into(), |x| x.round(1).to_string())
                    ),
                });
            }
        }
        if !in_scope(i) && n_base[i].unwrap_or(0) > 0 {
            let month = last_base[i].unwrap_or(0) as i32;
            candidates.push(Candidate {
                rule: Rule::Missing,
                enterprise,
                region,
                month: Some(month),
                value: then,
                reference: None,
                detail: format!(
                    "{} 万元 in the same months last year (last row {}), no row in the period",
                    wan(then),
                    month_text(month)
                ),
            });
        }
        if in_scope(i) && n_base[i].unwrap_or(0) == 0 {
            let month = first[i].unwrap_or(0) as i32;
            candidates.push(Candidate {
                rule: Rule::New,
                enterprise,
                region,
                month: Some(month),
                value: now,
                reference: None,
                detail: format!(
                    "first row {}, output {} 万元 in the period",
                    month_text(month),
                    wan(now)
                ),
            });
        }
        if in_scope(i) && whole_base > 0.0 {
            contributions.push((now - then, enterprise, region, first[i].map(|m| m as i32)));
        }
    }
    // The largest contributions in the direction the whole moved.
    let total: f64 = contributions.iter().map(|c| c.0).sum();
    contributions.sort_by(|a, b| {
        let order = b.0.total_cmp(&a.0);
        if total < 0.0 { order.reverse() } else { order }.then(a.1.cmp(&b.1))
    });
    for (delta, enterprise, region, month) in contributions.into_iter().take(t.top) {
        let pull = delta / whole_base * 100.0;
        candidates.push(Candidate {
            rule: Rule::Contributor,
            enterprise,
            region,
            month,
            value: pull,
            reference: Some(delta),
            detail: format!(
                "拉动 {} 百分点 (output {}{} 万元)",
                Rational::from_f64(pull).map_or("—".into(), |x| x.round(2).to_string()),
                if delta >= 0.0 { "+" } else { "" },
                wan(delta)
            ),
        });
    }
    candidates.sort_by_key(|c| {
        (
            c.rule,
            if c.rule == Rule::Contributor {
                0
            } else {
                c.enterprise
            },
            c.month,
        )
    });
    let wanted: HashSet<(u32, i32)> = candidates
        .iter()
        .map(|c| (c.enterprise, c.month.unwrap_or(0)))
        .collect();
    let located = crate::load::locate(data, &wanted)?;
    let findings: Vec<Finding> = candidates
        .into_iter()
        .map(|c| {
            let (id, name) = located
                .enterprises
                .get(&c.enterprise)
                .cloned()
                .unwrap_or_default();
            let county = data.counties.get(c.region as usize);
            Finding {
                rule: c.rule,
                enterprise: c.enterprise,
                enterprise_id: id,
                enterprise_name: name,
                region_code: county.map(|r| r.code.clone()).unwrap_or_default(),
                region: county.map(|r| r.name.clone()).unwrap_or_default(),
                month: c.month.map(month_text),
                line: c
                    .month
                    .and_then(|m| located.lines.get(&(c.enterprise, m)).copied()),
                value: c.value,
                reference: c.reference,
                detail: c.detail,
            }
        })
        .collect();
    // By rule, then by the enterprise's identifier (the contributors by
    // their contribution, as found).
    let mut findings: Vec<Finding> = findings;
    findings.sort_by(|a, b| {
        a.rule.cmp(&b.rule).then_with(|| {
            if a.rule == Rule::Contributor {
                std::cmp::Ordering::Equal
            } else {
                (&a.enterprise_id, &a.month).cmp(&(&b.enterprise_id, &b.month))
            }
        })
    });
    Ok(Report {
        period: period.label(year),
        enterprises,
        thresholds: t,
        file: data
            .industry_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        findings,
        warnings: Vec::new(),
        gaps,
    })
}

/// [`Rule::Gap`]: each enterprise with rows in the period (`rows`, with its
/// `now` column) and none for some month of it after its first, as a
/// candidate at its last row before the first such month; and per month,
/// how many enterprises have no row for it.
fn gaps(
    rows: LazyFrame,
    year: i32,
    (first, last): (u8, u8),
) -> Result<(Vec<Candidate>, MonthCounts)> {
    let now = rows
        .filter(col("now"))
        .select([col("enterprise"), col("month"), col("region")])
        .sort(["enterprise", "month"], SortMultipleOptions::default())
        .collect()
        .map_err(internal)?;
    let (e, m, r) = (
        i64_column(&now, "enterprise")?,
        i64_column(&now, "month")?,
        i64_column(&now, "region")?,
    );
    let key = |month: u8| year * 100 + i32::from(month);
    let mut candidates = Vec::new();
    let mut by_month = [0usize; 13];
    let mut start = 0;
    while start < now.height() {
        let enterprise = e[start].unwrap_or(0);
        let mut end = start;
        while end < now.height() && e[end] == Some(enterprise) {
            end += 1;
        }
        let had: Vec<i32> = m[start..end]
            .iter()
            .map(|x| x.unwrap_or(0) as i32)
            .collect();
        let missing: Vec<u8> = (first..=last)
            .filter(|&month| key(month) > had[0] && !had.contains(&key(month)))
            .collect();
        if let Some(&gap) = missing.first() {
            for &month in &missing {
                by_month[month as usize] += 1;
            }
            let before = had
                .iter()
                .copied()
                .filter(|&h| h < key(gap))
                .max()
                .unwrap_or(had[0]);
            let listed: Vec<String> = missing
                .iter()
                .map(|&month| month_text(key(month)))
                .collect();
            candidates.push(Candidate {
                rule: Rule::Gap,
                enterprise: enterprise as u32,
                region: r[end - 1].unwrap_or(0) as u32,
                month: Some(before),
                value: missing.len() as f64,
                reference: None,
                detail: format!(
                    "no row for {} (rows for {} of the period's months, from {})",
                    listed.join(", "),
                    had.len(),
                    month_text(had[0])
                ),
            });
        }
        start = end;
    }
    let gaps = (first..=last)
        .filter(|&month| by_month[month as usize] > 0)
        .map(|month| (month_text(key(month)), by_month[month as usize]))
        .collect();
    Ok((candidates, gaps))
}

/// 万元 as printed in a finding: one decimal, rounded half away from zero
/// (the sums of doubles carry noise in their last digits).
fn wan(x: f64) -> String {
    Rational::from_f64(x).map_or("—".into(), |x| x.round(1).to_string())
}

/// A value for check.csv: to the fen (six decimals of 万元), as the
/// statistics hold it.
fn fen(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `yyyymm` as `YYYY-MM`.
fn month_text(month: i32) -> String {
    month_key(month / 100, (month % 100) as u8)
}
