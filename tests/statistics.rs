//! The statistics engine against hand-computed fixtures: comparable scope,
//! entering and leaving enterprises, missing months, zero bases, growth above
//! 100%, price-index fallback, contributions and pulls.

use std::path::Path;

use review::aggregate::{Prices, Request, Summary, aggregate};
use review::load::load;
use review::number::Rational;
use review::period::Period;

const REGIONS: &str = "region_code,name,parent_code\n100000,测试州,\n100001,甲市,100000\n100002,乙市,100000\n100003,丙县,100000\n";
const INDUSTRIES: &str = "industry_code,name\n13,农副食品加工业\n27,医药制造业\n";
const HEADER: &str =
    "month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added\n";

fn fixture(rows: &str, prices: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("regions.csv", REGIONS);
    write("industries.csv", INDUSTRIES);
    write("industry_monthly.csv", &format!("{HEADER}{rows}"));
    if let Some(p) = prices {
        write("price_index.csv", p);
    }
    dir
}

fn run(dir: &Path, period: Period, year: i32, prices: Prices) -> Summary {
    let data = load(dir).unwrap_or_else(|e| panic!("{e}"));
    aggregate(
        &data,
        Request {
            period,
            year,
            prices,
            region: None,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn close<T: Into<f64>>(got: Option<T>, want: f64) {
    let got: f64 = got.expect("a defined figure").into();
    assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
}

/// E1 reports every month; E2 only January this year but all of last year's
/// quarter; E3 is new (no base); E4 left the roster (not in scope, not in
/// the base); E5 reported one month in each year; E6 is new and alone in its
/// region (zero base). Division 13 has its own price index (125), 27 falls
/// back to the month's `all` row (80).
const ROWS: &str = "\
2023-01,E1,一厂,100001,13,80,25
2023-02,E1,一厂,100001,13,80,25
2023-03,E1,一厂,100001,13,80,25
2023-01,E2,二厂,100001,27,50,20
2023-02,E2,二厂,100001,27,50,20
2023-03,E2,二厂,100001,27,50,20
2023-01,E4,四厂,100002,13,1000,300
2023-02,E4,四厂,100002,13,1000,300
2023-03,E4,四厂,100002,13,1000,300
2023-02,E5,五厂,100002,13,20,4
2024-01,E1,一厂,100001,13,100,30
2024-02,E1,一厂,100001,13,100,30
2024-03,E1,一厂,100001,13,100,30
2024-01,E2,二厂,100001,27,50,20
2024-01,E3,三厂,100002,27,60,10
2024-02,E3,三厂,100002,27,60,10
2024-03,E3,三厂,100002,27,60,10
2024-02,E5,五厂,100002,13,40,8
2024-01,E6,六厂,100003,27,10,2
";

const PRICES: &str = "month,industry_code,index\n2024-01,all,80\n2024-02,all,80\n2024-03,all,80\n2024-01,13,125\n2024-02,13,125\n2024-03,13,125\n";

#[test]
fn comparable_scope_levels_and_growth() {
    let dir = fixture(ROWS, Some(PRICES));
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Comparable);
    let p = &s.prefecture;
    assert_eq!(p.enterprises, 5, "E4 left the roster");
    assert_eq!(p.output_value.level, 580.0);
    assert_eq!(
        p.output_value.base, 410.0,
        "E1 240 + E2 150 + E5 20; E3, E6 have none; E4 is out"
    );
    close(p.output_value.yoy_pct, 170.0 / 410.0 * 100.0);
    // Value added: 90/1.25 + 20/0.8 + 30/0.8 + 8/1.25 + 2/0.8 = 143.4 against 139.
    close(Some(p.value_added.comparable_level), 143.4);
    assert_eq!(p.value_added.level, 150.0);
    close(p.value_added.yoy_pct, (143.4 / 139.0 - 1.0) * 100.0);
}

#[test]
fn regions_shares_contributions_pulls_and_ranks() {
    let dir = fixture(ROWS, Some(PRICES));
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Comparable);
    let [a, b, c] = [&s.regions[0], &s.regions[1], &s.regions[2]];
    assert_eq!(
        (a.name.as_str(), b.name.as_str(), c.name.as_str()),
        ("甲市", "乙市", "丙县")
    );
    // 甲: 350 against 390 (negative growth).
    close(a.output_value.yoy_pct, -40.0 / 390.0 * 100.0);
    close(a.output_value.share_pct, 350.0 / 580.0 * 100.0);
    close(
        a.output_value.share_pp,
        350.0 / 580.0 * 100.0 - 390.0 / 410.0 * 100.0,
    );
    close(a.output_value.contrib_pct, -40.0 / 170.0 * 100.0);
    close(a.output_value.pull_pp, -40.0 / 410.0 * 100.0);
    // 乙: 220 against 20: growth above 100%.
    close(b.output_value.yoy_pct, 1000.0);
    // 丙: only a new enterprise, so no base and no growth, never 0 or inf.
    assert_eq!(c.output_value.base, 0.0);
    assert_eq!(c.output_value.yoy_pct, None);
    assert_eq!(c.rank, None);
    assert_eq!((b.rank, a.rank), (Some(1), Some(2)));
    // Pulls add up to the total growth, shares to 100, contributions to 100.
    let sum = |f: &dyn Fn(&review::aggregate::Figures) -> Option<Rational>| {
        s.regions.iter().filter_map(f).map(f64::from).sum::<f64>()
    };
    close(
        Some(sum(&|r| r.output_value.pull_pp)),
        170.0 / 410.0 * 100.0,
    );
    close(Some(sum(&|r| r.output_value.share_pct)), 100.0);
    close(Some(sum(&|r| r.output_value.contrib_pct)), 100.0);
    close(
        Some(sum(&|r| r.value_added.pull_pp)),
        s.prefecture.value_added.yoy_pct.unwrap().into(),
    );
}

#[test]
fn industries_and_monthly_series() {
    let dir = fixture(ROWS, Some(PRICES));
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Comparable);
    let food = s.industries.iter().find(|i| i.code == "13").unwrap();
    let pharma = s.industries.iter().find(|i| i.code == "27").unwrap();
    assert_eq!((food.enterprises, pharma.enterprises), (2, 3));
    let breadth = &s.growth_breadth;
    assert_eq!(
        (breadth.grown, breadth.with_base, breadth.pct.map(f64::from)),
        (2, 2, Some(100.0))
    );
    close(food.output_value.yoy_pct, (340.0 / 260.0 - 1.0) * 100.0);
    close(pharma.output_value.yoy_pct, (240.0 / 150.0 - 1.0) * 100.0);
    // January: 100 + 50 + 60 + 10 = 220 against 80 + 50 = 130.
    let jan = &s.prefecture.monthly[0];
    assert_eq!(jan.month, "2024-01");
    assert_eq!(jan.output_value, 220.0);
    close(jan.output_yoy_pct, (220.0 / 130.0 - 1.0) * 100.0);
    // February as its own period: E1, E3 and E5 have a row, 100 + 60 + 40 =
    // 200 against 80 + 0 + 20 = 100 (E2, silent in February, is not in it);
    // January and February: 420 against 280 (E2's two months of 2023 in).
    close(
        s.prefecture.monthly[1].output_yoy_pct,
        (200.0 / 100.0 - 1.0) * 100.0,
    );
    close(
        s.prefecture.monthly[1].output_ytd_yoy_pct,
        (420.0 / 280.0 - 1.0) * 100.0,
    );
    assert_eq!(s.prefecture.monthly[2].output_ytd, 580.0);
    close(
        s.prefecture.monthly[2].output_ytd_yoy_pct,
        s.prefecture.output_value.yoy_pct.unwrap().into(),
    );
}

/// M moves from 甲市 (division 13) to 乙市 and then 丙县 (division 27)
/// within the quarter. The whole of it counts where its latest month is:
/// the period, the base and every month of the series, in 丙县 and 27.
#[test]
fn a_moving_enterprise_counts_where_its_latest_month_is() {
    let rows = "\
2023-01,M,迁厂,100001,13,10,1
2023-02,M,迁厂,100001,13,10,1
2023-03,M,迁厂,100001,13,10,1
2023-01,S,守厂,100001,13,5,1
2023-02,S,守厂,100001,13,5,1
2023-03,S,守厂,100001,13,5,1
2024-01,M,迁厂,100001,13,20,2
2024-02,M,迁厂,100002,27,20,2
2024-03,M,迁厂,100003,27,20,2
2024-01,S,守厂,100001,13,6,1
2024-02,S,守厂,100001,13,6,1
2024-03,S,守厂,100001,13,6,1
";
    let dir = fixture(rows, None);
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Current);
    let levels = |f: &review::aggregate::Figures| {
        (
            f.enterprises,
            f.output_value.level.to_f64(),
            f.output_value.base.to_f64(),
        )
    };
    let [a, b, c] = [&s.regions[0], &s.regions[1], &s.regions[2]];
    assert_eq!(levels(a), (1, 18.0, 15.0), "甲市 keeps only S");
    assert_eq!(levels(b), (0, 0.0, 0.0), "乙市 was a stop on the way");
    assert_eq!(levels(c), (1, 60.0, 30.0), "丙县 has all of M");
    let division = |code: &str| levels(s.industries.iter().find(|i| i.code == code).unwrap());
    assert_eq!(division("13"), (1, 18.0, 15.0));
    assert_eq!(division("27"), (1, 60.0, 30.0));
    // 当月 is the month as its own period: in January M was in 甲市, so its
    // January (20 against 10) is 甲市's, with S's 6 against 5.
    let month = |f: &review::aggregate::Figures, i: usize| {
        let m = &f.monthly[i];
        (
            m.month.clone(),
            m.output_value.to_f64(),
            m.output_yoy_pct.map(f64::from),
        )
    };
    assert_eq!(
        month(a, 0),
        ("2024-01".to_string(), 26.0, Some(73.33333333333333))
    );
    assert_eq!(month(c, 0), ("2024-01".to_string(), 0.0, None));
    assert_eq!(month(b, 1).1, 20.0);
    // 累计 is January to the month as its own period: through February M's
    // latest unit is 乙市 (40 against 20), through March 丙县 (the quarter).
    let ytd = |f: &review::aggregate::Figures, i: usize| {
        let m = &f.monthly[i];
        (m.output_ytd.to_f64(), m.output_ytd_yoy_pct.map(f64::from))
    };
    assert_eq!(ytd(b, 1), (40.0, Some(100.0)));
    assert_eq!(ytd(c, 1), (0.0, None));
    assert_eq!(ytd(a, 0), (26.0, Some(73.33333333333333)));
    assert_eq!(ytd(a, 1).0, 12.0, "only S from February on");
    assert_eq!(ytd(c, 2), (60.0, Some(100.0)));
}

#[test]
fn current_prices_do_not_deflate() {
    let dir = fixture(ROWS, None);
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Current);
    close(
        s.prefecture.value_added.yoy_pct,
        (150.0 / 139.0 - 1.0) * 100.0,
    );
}

#[test]
fn a_month_without_any_index_is_an_error() {
    let prices = "month,industry_code,index\n2024-01,all,80\n2024-02,13,125\n2024-03,all,80\n";
    let dir = fixture(ROWS, Some(prices));
    let data = load(dir.path()).unwrap();
    let err = aggregate(
        &data,
        Request {
            period: Period::Quarter(1),
            year: 2024,
            prices: Prices::Comparable,
            region: None,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no index for 2024-02 and division 27, and no `all` row for 2024-02"),
        "{err}"
    );
    assert!(!err.contains("division 13"), "13 has its own index: {err}");
}

/// statistics.md's check values (Guangdong 2009): GDP 39081.59 growing 9.5%,
/// the secondary sector 19270.48 growing 8.7%: 贡献率 45.5%, 拉动 4.3 百分点.
#[test]
fn guangdong_check_values() {
    let total_base = 39081.59 / 1.095;
    let second_base = 19270.48 / 1.087;
    let rows = format!(
        "2008-01,S,二产,100001,13,{second_base},0\n2008-01,R,其他,100002,13,{},0\n2009-01,S,二产,100001,13,19270.48,0\n2009-01,R,其他,100002,13,{},0\n",
        total_base - second_base,
        39081.59 - 19270.48
    );
    let dir = fixture(&rows, None);
    let s = run(dir.path(), Period::Month(1), 2009, Prices::Current);
    let second = &s.regions[0].output_value;
    let change = |f: &review::aggregate::Flow| f.level - f.base;
    assert_eq!(
        change(&s.prefecture.output_value).round(1).to_string(),
        "3390.6"
    );
    // statistics.md says "≈ 1542.4": 19270.48 × 0.087 / 1.087 is 1542.35.
    assert!((change(second).to_f64() - 1542.4).abs() < 0.1);
    assert_eq!(second.contrib_pct.unwrap().round(1).to_string(), "45.5");
    assert_eq!(second.pull_pp.unwrap().round(1).to_string(), "4.3");
}

#[test]
fn air_quality_good_day_ratio() {
    let dir = fixture(ROWS, Some(PRICES));
    let mut air = String::from("date,region_code,aqi\n");
    // 甲市: 2024 Q1 four readings, three good; 2023 Q1 two readings, one good.
    for (d, aqi) in [
        ("2024-01-01", 50),
        ("2024-02-01", 100),
        ("2024-03-31", 101),
        ("2024-03-01", 20),
        ("2023-01-01", 150),
        ("2023-03-31", 80),
        ("2024-04-01", 300),
    ] {
        air.push_str(&format!("{d},100001,{aqi}\n"));
    }
    // 乙市: one good reading in 2024 Q1.
    air.push_str("2024-01-15,100002,40\n");
    std::fs::write(dir.path().join("air_quality_daily.csv"), air).unwrap();
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Comparable);
    let a = s.regions[0].air.as_ref().unwrap();
    assert_eq!((a.days, a.good_days), (4, 3));
    close(a.ratio_pct, 75.0);
    close(a.base_ratio_pct, 50.0);
    close(a.yoy_pp, 25.0);
    let b = s.regions[1].air.as_ref().unwrap();
    close(b.ratio_pct, 100.0);
    assert_eq!(b.yoy_pp, None, "no readings a year earlier");
    // The prefecture pools the days: 4 good of 5.
    close(s.prefecture.air.as_ref().unwrap().ratio_pct, 80.0);
}

#[test]
fn summary_csv_has_one_row_per_figure() {
    let dir = fixture(ROWS, Some(PRICES));
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Comparable);
    let csv = String::from_utf8(s.to_csv("100000")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("period,region_code,group,indicator,measure,value,unit")
    );
    assert!(
        csv.contains("\n2024-Q1,100000,total,output_value,level,580,万元\n"),
        "{csv}"
    );
    assert!(csv.contains("\n2024-Q1,100000,total,enterprises,level,5,户\n"));
    assert!(
        csv.contains("\n2024-Q1,100003,total,output_value,yoy_pct,,%\n"),
        "undefined is empty"
    );
    assert!(csv.contains("\n2024-Q1,100002,total,output_value,rank,1,位\n"));
    assert!(csv.contains("\n2024-Q1,100000,industry:27,output_value,level,240,万元\n"));
    assert!(csv.contains("\n2024-Q1,100000,total,output_value,ytd_level:03,580,万元\n"));
    // Regions and divisions have their series too: 甲 in February is E1 only.
    assert!(
        csv.contains("\n2024-Q1,100001,total,output_value,month_level:02,100,万元\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\n2024-Q1,100000,industry:27,output_value,ytd_level:03,240,万元\n"),
        "{csv}"
    );
    let yoy = format!(
        "\n2024-Q1,100000,total,output_value,yoy_pct,{},%\n",
        170.0 / 410.0 * 100.0
    );
    assert!(csv.contains(&yoy), "unrounded value: {csv}");
}

const TWO_YEARS: &str = "\
month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added,sales_value,export_value
2022-01,E1,一厂,100001,13,100,20,90,
2023-01,E1,一厂,100001,13,110,22,100,
2023-01,E2,二厂,100002,27,50,8,45,5
2024-01,E1,一厂,100001,13,121,24.2,115,10
2024-01,E2,二厂,100002,27,60,10,60,0
";

fn two_year_fixture() -> tempfile::TempDir {
    let dir = fixture(
        "",
        Some("month,industry_code,index\n2023-01,all,105\n2024-01,all,110\n"),
    );
    std::fs::write(dir.path().join("industry_monthly.csv"), TWO_YEARS).unwrap();
    dir
}

#[test]
fn two_year_average_on_comparable_scope() {
    let dir = two_year_fixture();
    let s = run(dir.path(), Period::Month(1), 2024, Prices::Comparable);
    let out = &s.prefecture.output_value;
    // E2 joined in 2023: 0 in the base two years back.
    assert_eq!(out.base_two_years.map(f64::from), Some(100.0));
    close(
        out.two_year_avg_pct,
        ((181.0f64 / 100.0).sqrt() - 1.0) * 100.0,
    );
    // Value added at 2022 prices: deflated by 2024's and 2023's index.
    // Deflated row values are held to the fen (1e-6 万元), as documented.
    let fen = |x: f64| (x * 1e6).round() / 1e6;
    let va2 = fen(24.2 / 1.10 / 1.05) + fen(10.0 / 1.10 / 1.05);
    close(
        s.prefecture.value_added.two_year_avg_pct,
        ((va2 / 20.0f64).sqrt() - 1.0) * 100.0,
    );
    // 乙 has no base two years back: undefined, not -100%.
    assert_eq!(s.regions[1].output_value.two_year_avg_pct, None);
    // The data does not reach 2021: no two-year figures for 2023.
    let s = run(dir.path(), Period::Month(1), 2023, Prices::Current);
    assert_eq!(s.prefecture.output_value.base_two_years, None);
    assert_eq!(s.prefecture.output_value.two_year_avg_pct, None);
}

#[test]
fn sales_exports_and_sales_ratio() {
    let dir = two_year_fixture();
    let s = run(dir.path(), Period::Month(1), 2024, Prices::Comparable);
    let p = &s.prefecture;
    let sales = p.sales_value.as_ref().expect("sales column present");
    assert_eq!((sales.level.to_f64(), sales.base.to_f64()), (175.0, 145.0));
    let exports = p.export_value.as_ref().expect("export column present");
    assert_eq!(
        (exports.level.to_f64(), exports.base.to_f64()),
        (10.0, 5.0),
        "an empty field counts as 0"
    );
    close(exports.yoy_pct, 100.0);
    let ratio = p.sales_ratio.as_ref().unwrap();
    close(ratio.level, 175.0 / 181.0 * 100.0);
    close(ratio.base, 145.0 / 160.0 * 100.0);
    close(ratio.yoy_pp, 175.0 / 181.0 * 100.0 - 145.0 / 160.0 * 100.0);
    let csv = String::from_utf8(s.to_csv("100000")).unwrap();
    assert!(
        csv.contains("\n2024-M01,100000,total,export_value,level,10,万元\n"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("2024-M01,100000,total,sales_ratio,yoy_pp,"))
    );
    // Without the columns there are no such figures.
    let plain = fixture(ROWS, Some(PRICES));
    let s = run(plain.path(), Period::Quarter(1), 2024, Prices::Comparable);
    assert!(s.prefecture.sales_value.is_none() && s.prefecture.sales_ratio.is_none());
}

/// A small deterministic generator for the property tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// On random rosters (entries, exits, gaps, zero bases), the parts always add
/// up, exactly: shares to 100, contributions to 100, pulls to the total
/// growth — for regions, divisions and the three sections alike.
#[test]
fn parts_add_up_on_random_data() {
    let mut rng = Lcg(7);
    for case in 0..25 {
        let mut rows = String::new();
        for e in 0..(3 + rng.below(25)) {
            let region = 100001 + rng.below(3);
            // Divisions in the three sections (B: 08, C: 13 and 27, D: 44).
            let industry = ["08", "13", "27", "44"][rng.below(4) as usize];
            for year in [2023, 2024] {
                for month in 1..=3 {
                    if rng.below(4) == 0 {
                        continue; // a gap, an entry or an exit
                    }
                    let out = rng.below(100_000) as f64 / 10.0;
                    let va = out * (rng.below(40) as f64 / 100.0);
                    rows.push_str(&format!(
                        "{year}-{month:02},E{e},厂,{region},{industry},{out},{va}\n"
                    ));
                }
            }
        }
        let dir = fixture(&rows, None);
        std::fs::write(
            dir.path().join("industries.csv"),
            Q2_INDUSTRIES.to_string() + "27,医药制造业\n",
        )
        .unwrap();
        let data = load(dir.path()).unwrap();
        let Ok(s) = aggregate(
            &data,
            Request {
                period: Period::Quarter(1),
                year: 2024,
                prices: Prices::Current,
                region: None,
            },
        ) else {
            continue; // no 2024 rows drawn: nothing to check
        };
        for parts in [&s.regions, &s.industries, &s.sections] {
            for flow in [
                |f: &review::aggregate::Figures| f.output_value.clone(),
                |f: &review::aggregate::Figures| f.value_added.clone(),
            ] {
                let total = flow(&s.prefecture);
                let flows: Vec<_> = parts.iter().map(flow).collect();
                // Exact sums of exact fractions: the parts add up to the
                // digit, not to within a tolerance.
                let sum = |m: fn(&review::aggregate::Flow) -> Option<Rational>| {
                    flows.iter().filter_map(m).sum::<Rational>()
                };
                if total.level.signum() > 0 {
                    assert_eq!(sum(|f| f.share_pct), 100.0, "case {case}: shares");
                }
                if let Some(g) = total.yoy_pct {
                    assert_eq!(sum(|f| f.pull_pp), g, "case {case}: pulls");
                    if total.comparable_level != total.base {
                        assert_eq!(sum(|f| f.contrib_pct), 100.0, "case {case}: contributions");
                    }
                } else {
                    assert_eq!(total.base, 0.0, "growth is undefined only on a zero base");
                }
            }
        }
    }
}

#[test]
fn catalogue_indicators_sum_mean_last_and_pooling() {
    let dir = fixture(ROWS, Some(PRICES));
    let catalog = "indicator,name,unit,decimals,aggregation\ntourist_visits,接待游客,万人次,1,sum\nprice_level,居民消费价格,指数,1,mean\nemployees,从业人员,万人,1,last\n";
    let rows = "month,region_code,indicator,value
2024-01,100001,tourist_visits,10
2024-02,100001,tourist_visits,20
2024-03,100001,tourist_visits,30
2023-01,100001,tourist_visits,10
2023-02,100001,tourist_visits,10
2023-03,100001,tourist_visits,20
2024-01,100002,tourist_visits,5
2024-04,100002,tourist_visits,500
2024-01,100001,price_level,101
2024-02,100001,price_level,103
2023-02,100001,price_level,100
2024-03,100000,employees,52
2024-01,100000,employees,50
2023-03,100000,employees,48
2024-02,100001,employees,20
";
    std::fs::write(dir.path().join("indicator_catalog.csv"), catalog).unwrap();
    std::fs::write(dir.path().join("indicators.csv"), rows).unwrap();
    let s = run(dir.path(), Period::Quarter(1), 2024, Prices::Comparable);
    let get = |key: &str, code: &str| {
        let ind = s
            .indicators
            .iter()
            .find(|i| i.entry.indicator == key)
            .unwrap();
        ind.values.iter().find(|v| v.code == code).unwrap().clone()
    };
    let visits = get("tourist_visits", "100001");
    let pair =
        |v: &review::aggregate::IndicatorValue| (v.level.map(f64::from), v.base.map(f64::from));
    assert_eq!(pair(&visits), (Some(60.0), Some(40.0)));
    close(visits.yoy_pct, 50.0);
    let new_region = get("tourist_visits", "100002");
    assert_eq!(pair(&new_region), (Some(5.0), None));
    assert_eq!(new_region.yoy_pct, None);
    assert_eq!(
        get("tourist_visits", "100003").level,
        None,
        "no rows: no figure, not 0"
    );
    // The prefecture has no rows of its own: the regions' sum.
    let pooled = get("tourist_visits", "100000");
    assert_eq!(pair(&pooled), (Some(65.0), Some(40.0)));
    close(get("price_level", "100001").yoy_pct, 2.0);
    assert_eq!(
        get("price_level", "100000").level,
        None,
        "a mean is not pooled"
    );
    // Its own rows win; `last` takes the latest month.
    let employees = get("employees", "100000");
    assert_eq!(pair(&employees), (Some(52.0), Some(48.0)));
    let csv = String::from_utf8(s.to_csv("100000")).unwrap();
    assert!(
        csv.contains("\n2024-Q1,100001,total,tourist_visits,level,60,万人次\n"),
        "{csv}"
    );
}

#[test]
fn indicator_rows_are_validated() {
    let dir = fixture(ROWS, Some(PRICES));
    std::fs::write(
        dir.path().join("indicator_catalog.csv"),
        "indicator,name,unit,decimals,aggregation\nvisits,接待游客,万人次,1,median\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("indicators.csv"),
        "month,region_code,indicator,value\n2024-01,100001,sales,x\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("indicator_catalog.csv:2: column `aggregation`: found `median`; expected sum, mean or last"), "{err}");
    assert!(err.contains("indicators.csv:2: column `indicator`: found `sales`; expected an indicator listed in indicator_catalog.csv"), "{err}");
    assert!(
        err.contains("indicators.csv:2: column `value`: found `x`; expected a number"),
        "{err}"
    );
}

/// A second quarter whose January–March differ from April–June: 累计 runs
/// from January, each cumulative period on its own scope (an enterprise
/// that reported only in February is in 1—4月 and not in the quarter), and
/// the earlier period (一季度) is computed as its own period. N enters in
/// May: it is in 1—5月 and 1—6月, not in 1—4月.
const Q2_ROWS: &str = "\
2023-01,A,甲厂,100001,08,100,10
2023-02,A,甲厂,100001,08,100,10
2023-03,A,甲厂,100001,08,100,10
2023-04,A,甲厂,100001,08,100,10
2023-05,A,甲厂,100001,08,100,10
2023-06,A,甲厂,100001,08,100,10
2023-02,F,二月厂,100002,13,40,4
2023-04,B,乙厂,100002,13,50,5
2023-05,B,乙厂,100002,13,50,5
2023-06,B,乙厂,100002,13,50,5
2024-01,A,甲厂,100001,08,90,9
2024-02,A,甲厂,100001,08,90,9
2024-03,A,甲厂,100001,08,90,9
2024-04,A,甲厂,100001,08,120,12
2024-05,A,甲厂,100001,08,120,12
2024-06,A,甲厂,100001,08,120,12
2024-02,F,二月厂,100002,13,60,6
2024-04,B,乙厂,100002,13,55,5
2024-05,B,乙厂,100002,13,55,5
2024-06,B,乙厂,100002,13,55,5
2024-05,N,新厂,100003,44,30,3
2024-06,N,新厂,100003,44,30,3
";
const Q2_INDUSTRIES: &str =
    "industry_code,name\n08,黑色金属矿采选业\n13,农副食品加工业\n44,电力、热力生产和供应业\n";

fn q2_fixture() -> tempfile::TempDir {
    let dir = fixture(Q2_ROWS, None);
    std::fs::write(dir.path().join("industries.csv"), Q2_INDUSTRIES).unwrap();
    dir
}

fn row_value(csv: &str, key: &str) -> Option<f64> {
    let line = csv
        .lines()
        .find(|l| l.split(',').skip(1).take(4).collect::<Vec<_>>().join(",") == key)
        .unwrap_or_else(|| panic!("no row {key} in\n{csv}"));
    line.split(',').nth(5).unwrap().parse().ok()
}

#[test]
fn cumulative_figures_run_from_january_on_their_own_scope() {
    let dir = q2_fixture();
    let s = run(dir.path(), Period::Quarter(2), 2024, Prices::Current);
    let csv = String::from_utf8(s.to_csv("100000")).unwrap();
    let get = |key: &str| row_value(&csv, key);
    // The quarter: A 360 + B 165 + N 60 = 585 against A 300 + B 150 = 450.
    assert_eq!(get("100000,total,output_value,level"), Some(585.0));
    close(s.prefecture.output_value.yoy_pct, 135.0 / 450.0 * 100.0);
    // 1—4月: A 390 + F 60 + B 55 = 505 against A 400 + F 40 + B 50 = 490.
    assert_eq!(get("100000,total,output_value,ytd_level:04"), Some(505.0));
    close(
        get("100000,total,output_value,ytd_yoy_pct:04"),
        15.0 / 490.0 * 100.0,
    );
    // 1—6月: A 630 + F 60 + B 165 + N (May, June) 60 = 915 against
    // A 600 + F 40 + B 150 = 790.
    assert_eq!(get("100000,total,output_value,ytd_level:06"), Some(915.0));
    close(
        get("100000,total,output_value,ytd_yoy_pct:06"),
        125.0 / 790.0 * 100.0,
    );
    // 当月 April: A 120 + B 55 against 100 + 50.
    assert_eq!(get("100000,total,output_value,month_level:04"), Some(175.0));
    close(
        get("100000,total,output_value,month_yoy_pct:04"),
        25.0 / 150.0 * 100.0,
    );
    // The series has the period's months only.
    assert!(!csv.contains("ytd_level:03"), "{csv}");
    // Regions' 累计 too: 乙市 through April is F and B: 115 against 90.
    close(
        get("100002,total,output_value,ytd_yoy_pct:04"),
        25.0 / 90.0 * 100.0,
    );
    // 丙县 only has N, from May, on a zero base.
    assert_eq!(get("100003,total,output_value,ytd_level:04"), Some(0.0));
    assert_eq!(get("100003,total,output_value,ytd_level:05"), Some(30.0));
    assert_eq!(get("100003,total,output_value,ytd_yoy_pct:05"), None);

    // 一季度 as its own period: A 270 + F 60 = 330 against A 300 + F 40 = 340.
    assert_eq!(s.earlier_period.as_deref(), Some("Q1"));
    let earlier = s.prefecture.earlier.as_ref().unwrap();
    close(earlier.output_yoy_pct, -10.0 / 340.0 * 100.0);
    close(
        get("100000,total,output_value,earlier_yoy_pct"),
        -10.0 / 340.0 * 100.0,
    );
    close(
        get("100000,total,value_added,earlier_yoy_pct"),
        -1.0 / 34.0 * 100.0,
    );
    // And each county's: 乙市 in 一季度 is F alone.
    close(
        get("100002,total,output_value,earlier_yoy_pct"),
        20.0 / 40.0 * 100.0,
    );
    // 丙县 had no enterprise in 一季度: no earlier growth.
    assert_eq!(get("100003,total,output_value,earlier_yoy_pct"), None);
    // The same as the earlier period's own bulletin.
    let q1 = run(dir.path(), Period::Quarter(1), 2024, Prices::Current);
    assert_eq!(earlier.output_yoy_pct, q1.prefecture.output_value.yoy_pct);
    assert_eq!(
        earlier.value_added_yoy_pct,
        q1.prefecture.value_added.yoy_pct
    );
}

#[test]
fn three_sections_attributed_like_divisions() {
    let dir = q2_fixture();
    let s = run(dir.path(), Period::Quarter(2), 2024, Prices::Current);
    let codes: Vec<&str> = s.sections.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["B", "C", "D"]);
    let [b, c, d] = [&s.sections[0], &s.sections[1], &s.sections[2]];
    assert_eq!((b.name.as_str(), b.enterprises), ("采矿业", 1));
    assert_eq!(d.name, "电力、热力、燃气及水生产和供应业");
    close(b.output_value.yoy_pct, 60.0 / 300.0 * 100.0);
    close(c.output_value.yoy_pct, 15.0 / 150.0 * 100.0);
    // D is N alone: a zero base, so no growth, share or pull undefined.
    assert_eq!(d.output_value.base, 0.0);
    assert_eq!(d.output_value.yoy_pct, None);
    close(d.output_value.share_pct, 60.0 / 585.0 * 100.0);
    close(d.output_value.pull_pp, 60.0 / 450.0 * 100.0);
    // The sections' pulls add up to the total's growth, exactly.
    let pulls = s
        .sections
        .iter()
        .filter_map(|f| f.output_value.pull_pp)
        .sum::<Rational>();
    assert_eq!(Some(pulls), s.prefecture.output_value.yoy_pct);
    let csv = String::from_utf8(s.to_csv("100000")).unwrap();
    for measure in [
        "enterprises,level",
        "output_value,level",
        "output_value,yoy_pct",
        "output_value,share_pct",
        "output_value,share_pp",
        "output_value,contrib_pct",
        "output_value,pull_pp",
        "value_added,level",
        "value_added,yoy_pct",
    ] {
        row_value(&csv, &format!("100000,section:C,{measure}"));
    }
    assert_eq!(
        row_value(&csv, "100000,section:B,enterprises,level"),
        Some(1.0)
    );
}

#[test]
fn industry_groups_from_their_file() {
    let dir = q2_fixture();
    std::fs::write(
        dir.path().join("industry_groups.csv"),
        "group,name,industry_code\nenergy,能源工业,08\nenergy,能源工业,44\n",
    )
    .unwrap();
    let s = run(dir.path(), Period::Quarter(2), 2024, Prices::Current);
    let g = &s.groups[0];
    assert_eq!(
        (g.code.as_str(), g.name.as_str(), g.enterprises),
        ("energy", "能源工业", 2)
    );
    // A 360 + N 60 against A 300.
    close(g.output_value.yoy_pct, 120.0 / 300.0 * 100.0);
    let csv = String::from_utf8(s.to_csv("100000")).unwrap();
    assert_eq!(
        row_value(&csv, "100000,group:energy,output_value,level"),
        Some(420.0)
    );
    // A division the file does not know is an error with its line.
    std::fs::write(
        dir.path().join("industry_groups.csv"),
        "group,name,industry_code\nenergy,能源工业,08\nenergy,能源,44\nenergy,能源工业,99\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("industry_groups.csv:3: column `name`: found `能源`; group energy is named `能源工业` above"), "{err}");
    assert!(err.contains("industry_groups.csv:4: column `industry_code`: found `99`; expected a division code from industries.csv"), "{err}");
}

/// On random rosters, every 累计 figure is the figure of January to that
/// month computed as its own period, and the earlier period's growth is the
/// earlier period's own: for the whole and every county, for periods that
/// start in January and periods that do not.
#[test]
fn cumulative_and_earlier_figures_match_their_own_periods_on_random_data() {
    let mut rng = Lcg(11);
    let regions = ["100001", "100002", "100003"];
    for case in 0..12 {
        let mut rows = String::new();
        for e in 0..(4 + rng.below(20)) {
            for year in [2023, 2024] {
                for month in 1..=9 {
                    if rng.below(3) == 0 {
                        continue;
                    }
                    // Enterprises move now and then.
                    let region = regions[(e as usize + rng.below(4) as usize / 3) % 3];
                    let industry = if rng.below(2) == 0 { "13" } else { "27" };
                    let out = rng.below(100_000) as f64 / 100.0;
                    let va = (out * (rng.below(40) as f64 / 100.0) * 100.0).round() / 100.0;
                    rows.push_str(&format!(
                        "{year}-{month:02},E{e},厂,{region},{industry},{out},{va}\n"
                    ));
                }
            }
        }
        let dir = fixture(&rows, None);
        let data = load(dir.path()).unwrap();
        let summary = |period: Period| {
            aggregate(
                &data,
                Request {
                    period,
                    year: 2024,
                    prices: Prices::Current,
                    region: None,
                },
            )
            .ok()
        };
        for period in [
            Period::Quarter(2),
            Period::Quarter(3),
            Period::H1,
            Period::Months(1, 8),
            Period::Months(4, 5),
        ] {
            let Some(s) = summary(period) else { continue };
            let (first, last) = period.month_range();
            for (i, m) in (first..=last).enumerate() {
                let Some(own) = summary(Period::cumulative_to(m)) else {
                    continue;
                };
                let units = std::iter::once((&s.prefecture, &own.prefecture))
                    .chain(s.regions.iter().zip(&own.regions));
                for (unit, alone) in units {
                    let month = &unit.monthly[i];
                    assert_eq!(
                        month.output_ytd, alone.output_value.level,
                        "case {case} {period} {m}"
                    );
                    assert_eq!(
                        month.output_ytd_yoy_pct, alone.output_value.yoy_pct,
                        "case {case} {period} {m} {}",
                        unit.code
                    );
                    assert_eq!(month.value_added_ytd_yoy_pct, alone.value_added.yoy_pct);
                }
            }
            if let Some(earlier) = period.earlier()
                && let Some(then) = summary(earlier)
            {
                let units = std::iter::once((&s.prefecture, &then.prefecture))
                    .chain(s.regions.iter().zip(&then.regions));
                for (unit, alone) in units {
                    let e = unit.earlier.as_ref().expect("an earlier period");
                    assert_eq!(
                        e.output_yoy_pct, alone.output_value.yoy_pct,
                        "case {case} {period} earlier {}",
                        unit.code
                    );
                    assert_eq!(e.value_added_yoy_pct, alone.value_added.yoy_pct);
                }
            }
        }
    }
}
