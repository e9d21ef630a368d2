//! `--region`: one county-level unit's bulletin, or every unit's in one run.

mod common;
use common::{pdf_text, repo, review, stderr};

use std::path::Path;

/// A figure of a summary.csv.
fn figure(csv_path: &Path, region: &str, group: &str, indicator: &str, measure: &str) -> f64 {
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        if (&r[1], &r[2], &r[3], &r[4]) == (region, group, indicator, measure) {
            return r[5].parse().unwrap();
        }
    }
    panic!(
        "{region}.{group}.{indicator}.{measure} not in {}",
        csv_path.display()
    )
}

fn regions() -> Vec<(String, String)> {
    std::fs::read_to_string(repo().join("data/regions.csv"))
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect()
}

/// `--region all` writes the prefecture's bulletin and one per unit; each
/// unit's speaks of the unit and compares it with the prefecture.
#[test]
fn region_all_writes_every_bulletin() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&[
        "--period",
        "H1",
        "--region",
        "all",
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let period = out_dir.path().join("2024-H1");
    let whole_csv = period.join("summary.csv");
    assert!(period.join("review-2024-H1.pdf").is_file());
    let listed = String::from_utf8_lossy(&out.stdout).lines().count();
    assert_eq!(listed, regions().len() + 1, "one path per bulletin");
    for (code, name) in regions() {
        let dir = period.join(&code);
        let pdf = dir.join(format!("review-2024-H1-{code}.pdf"));
        let text = pdf_text(&pdf);
        // The unit's figures are the prefecture summary's figures for it.
        let n = figure(&whole_csv, &code, "total", "enterprises", "level");
        let rank = figure(&whole_csv, &code, "total", "output_value", "rank");
        let whole = match name.chars().last().unwrap() {
            '县' => "全县",
            _ => "全市",
        };
        assert!(
            text.contains(&format!("——上半年{name}工业经济运行综述")),
            "{name}: subtitle"
        );
        assert!(
            text.contains(&format!("{whole}{n}户规模以上工业企业")),
            "{name}: lede"
        );
        assert!(text.contains(&format!("居全州第{rank}位")), "{name}: rank");
        assert!(
            text.contains("高于全州") || text.contains("低于全州") || text.contains("与全州持平"),
            "{name}: no comparison with the prefecture"
        );
        // Its own summary.csv: the unit is the total, its divisions below.
        let own = dir.join("summary.csv");
        assert_eq!(figure(&own, &code, "total", "enterprises", "level"), n);
        assert_eq!(
            figure(&own, &code, "total", "output_value", "share_pct"),
            100.0
        );
    }
}

/// One unit's bulletin by name; verify rebuilds it.
#[test]
fn one_region_by_name_verifies() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&[
        "--period",
        "H1",
        "--region",
        "汪清县",
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = out_dir
        .path()
        .join("2024-H1/222424/review-2024-H1-222424.pdf");
    let text = pdf_text(&pdf);
    // The 汪清 story travels with its region; the others stay out.
    assert!(text.contains("小木耳撑起增收“钱袋子”"));
    assert!(!text.contains("蓝天白云成为城市“常客”"));
    let ok = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

#[test]
fn an_unknown_region_lists_the_units() {
    let out = review(&["--period", "H1", "--region", "图们"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "--region 图们: not a county-level unit of regions.csv (expected all, or a code or name: 222401 延吉市, 222402 图们市"
        ),
        "{}",
        stderr(&out)
    );
}

/// One bulletin that cannot be written does not lose the others: they are
/// all written, the failure is reported at the end, and the exit is non-zero.
#[test]
fn one_failing_region_does_not_lose_the_others() {
    let out_dir = tempfile::tempdir().unwrap();
    let blocked = out_dir.path().join("2024-H1/222403");
    std::fs::create_dir_all(&blocked).unwrap();
    std::fs::write(
        blocked.join("review-2024-H1-222403.pdf"),
        b"%PDF- an older bulletin",
    )
    .unwrap();
    let out = review(&[
        "--period",
        "H1",
        "--region",
        "all",
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("1 of 9 bulletins failed"), "{err}");
    assert!(err.contains("review: 敦化市: cannot write"), "{err}");
    assert!(err.contains("a different PDF is already there"), "{err}");
    for (code, _) in regions().into_iter().filter(|(c, _)| c != "222403") {
        assert!(
            out_dir
                .path()
                .join(format!("2024-H1/{code}/review-2024-H1-{code}.pdf"))
                .is_file(),
            "{code} missing"
        );
    }
    assert_eq!(
        std::fs::read(blocked.join("review-2024-H1-222403.pdf")).unwrap(),
        b"%PDF- an older bulletin"
    );
}

/// gen-data's rows as CSV and as Parquet give the same figures, and a PDF
/// made from Parquet verifies (its rows are attached as CSV).
#[test]
fn parquet_and_csv_give_the_same_summary() {
    let (csv_dir, parquet_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::gen_data(csv_dir.path(), 30_000, 7, &[]);
    common::gen_data(parquet_dir.path(), 30_000, 7, &["--parquet"]);
    assert!(!parquet_dir.path().join("industry_monthly.csv").exists());
    let out_dir = tempfile::tempdir().unwrap();
    let summary = |data: &Path, name: &str, extra: &[&str]| {
        let out = out_dir.path().join(name);
        let args = [
            &[
                "--period",
                "H1",
                "--data",
                data.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ][..],
            extra,
        ]
        .concat();
        let run = review(&args);
        assert!(run.status.success(), "{}", stderr(&run));
        out.join("2024-H1")
    };
    let from_csv = summary(csv_dir.path(), "csv", &["--summary-only"]);
    let from_parquet = summary(parquet_dir.path(), "parquet", &[]);
    assert!(
        !from_csv.join("review-2024-H1.pdf").exists(),
        "--summary-only writes no PDF"
    );
    assert_eq!(
        std::fs::read(from_csv.join("summary.csv")).unwrap(),
        std::fs::read(from_parquet.join("summary.csv")).unwrap()
    );
    let pdf = from_parquet.join("review-2024-H1.pdf");
    let ok = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

/// `review --period M01 --year 2024` on `data` with `extra` arguments,
/// into a folder of its own.
fn january_2024(data: &Path, extra: &[&str]) -> std::process::Output {
    let out_dir = tempfile::tempdir().unwrap();
    let base = [
        "--period",
        "M01",
        "--year",
        "2024",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
    ];
    review(&[&base[..], extra].concat())
}

/// A Parquet file breaking the rules: every problem with its row.
#[test]
fn bad_parquet_rows_are_named() {
    use polars::prelude::*;
    let data = tempfile::tempdir().unwrap();
    for name in ["regions.csv", "industries.csv", "price_index.csv"] {
        std::fs::copy(repo().join("data").join(name), data.path().join(name)).unwrap();
    }
    let mut df = df!(
        "month" => ["2024-01", "2024-13", "2024-01", "2024-01"],
        "enterprise_id" => ["E1", "E2", "E1", "E3"],
        "enterprise_name" => ["甲", "乙", "甲", "丙"],
        "region_code" => ["222401", "222401", "222401", "999999"],
        "industry_code" => ["13", "13", "13", "13"],
        "output_value" => [10.0, 5.0, 10.0, -1.0],
        "value_added" => [3.0, 1.0, 3.0, 0.5],
    )
    .unwrap();
    let file = std::fs::File::create(data.path().join("industry_monthly.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    let out = january_2024(data.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for piece in [
        "industry_monthly.parquet: row 2: column `month`: found `2024-13`; expected a month as YYYY-MM, such as 2024-06",
        "industry_monthly.parquet: row 4: column `region_code`: found `999999`; expected a county-level code from regions.csv",
        "industry_monthly.parquet: row 4: column `output_value`: found -1; expected a number of 万元, zero or more",
        "industry_monthly.parquet: row 3: column `enterprise_id`: enterprise E1 has two rows for 2024-01 (rows 1 and 3)",
    ] {
        assert!(err.contains(piece), "{piece}\n--- stderr:\n{err}");
    }
}

/// The same broken rows as CSV and as Parquet: the same messages, word for
/// word, the CSV's at its lines and the Parquet's at its rows (one data
/// contract behind both readers).
#[test]
fn csv_and_parquet_break_the_same_rules_in_the_same_words() {
    use polars::prelude::*;
    let rows = [
        // month, id, region, division, output, value added, sales
        ("2024-01", "E1", "222401", "13", 10.0, 3.0, Some(4.0)),
        ("2024-13", "E2", "222401", "13", 5.0, 1.0, None),
        ("2024-01", "", "222401", "13", 5.0, 1.0, None),
        ("2024-01", "E4", "999999", "99", -1.0, f64::NAN, Some(-2.0)),
    ];
    let mut csv = String::from(
        "month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added,sales_value\n",
    );
    for (month, id, region, division, output, added, sales) in rows {
        let sales = sales.map(|v: f64| v.to_string()).unwrap_or_default();
        csv += &format!("{month},{id},甲,{region},{division},{output},{added},{sales}\n");
    }
    let mut frame = df!(
        "month" => rows.map(|r| r.0),
        "enterprise_id" => rows.map(|r| r.1),
        "enterprise_name" => rows.map(|_| "甲"),
        "region_code" => rows.map(|r| r.2),
        "industry_code" => rows.map(|r| r.3),
        "output_value" => rows.map(|r| r.4),
        "value_added" => rows.map(|r| r.5),
        "sales_value" => rows.map(|r| r.6),
    )
    .unwrap();
    let mut messages = |file: &str| -> Vec<String> {
        let data = tempfile::tempdir().unwrap();
        for name in ["regions.csv", "industries.csv"] {
            std::fs::copy(repo().join("data").join(name), data.path().join(name)).unwrap();
        }
        let path = data.path().join(file);
        if file.ends_with(".csv") {
            std::fs::write(&path, &csv).unwrap();
        } else {
            let out = std::fs::File::create(&path).unwrap();
            ParquetWriter::new(out).finish(&mut frame).unwrap();
        }
        let out = january_2024(data.path(), &[]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        // `file:3: column …` (a line) and `file: row 2: column …` (a row)
        // both become `row 2: column …`.
        stderr(&out)
            .lines()
            .filter_map(|line| {
                let rest = line.split_once(file)?.1;
                Some(match rest.strip_prefix(": row ") {
                    Some(rest) => format!("row {rest}"),
                    None => {
                        let (at, rest) = rest.strip_prefix(':')?.split_once(':')?;
                        format!("row {}:{rest}", at.parse::<u64>().ok()? - 1)
                    }
                })
            })
            .collect()
    };
    let from_csv = messages("industry_monthly.csv");
    assert_eq!(
        from_csv,
        [
            "row 2: column `month`: found `2024-13`; expected a month as YYYY-MM, such as 2024-06",
            "row 3: column `enterprise_id`: empty; expected the enterprise's identifier",
            "row 4: column `region_code`: found `999999`; expected a county-level code from regions.csv",
            "row 4: column `industry_code`: found `99`; expected a division code from industries.csv",
            "row 4: column `output_value`: found -1; expected a number of 万元, zero or more",
            "row 4: column `value_added`: found `NaN`; expected a number of 万元",
            "row 4: column `sales_value`: found -2; expected a number of 万元, zero or more",
        ]
    );
    assert_eq!(messages("industry_monthly.parquet"), from_csv);
}

/// An optional flow that a Parquet writer stored as a column of nulls (no
/// number type) reads as empty fields do in a CSV: as 0, not an error.
#[test]
fn a_parquet_flow_of_nulls_reads_as_empty() {
    use polars::prelude::*;
    let data = tempfile::tempdir().unwrap();
    for name in ["regions.csv", "industries.csv"] {
        std::fs::copy(repo().join("data").join(name), data.path().join(name)).unwrap();
    }
    let mut frame = df!(
        "month" => ["2023-01", "2024-01"],
        "enterprise_id" => ["E1", "E1"],
        "enterprise_name" => ["甲", "甲"],
        "region_code" => ["222401", "222401"],
        "industry_code" => ["13", "13"],
        "output_value" => [10.0, 11.0],
        "value_added" => [3.0, 3.3],
    )
    .unwrap();
    frame
        .with_column(Column::full_null("export_value".into(), 2, &DataType::Null))
        .unwrap();
    let file = std::fs::File::create(data.path().join("industry_monthly.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
    let out = january_2024(data.path(), &["--current-prices", "--summary-only"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A county-level unit with no 规上 enterprise in the period (small counties
/// have such years) gets no bulletin and a one-line note, not an error; the
/// prefecture's page says 本期无规模以上工业企业 for it.
#[test]
fn a_unit_without_enterprises_gets_a_note_not_an_error() {
    let data = common::sample_copy(false);
    let path = data.path().join("industry_monthly.csv");
    let rows = std::fs::read_to_string(&path).unwrap();
    // 图们市 (222402) reports nothing in 2024's first half.
    let kept: Vec<&str> = rows
        .lines()
        .filter(|l| !(l.starts_with("2024-0") && l.split(',').nth(3) == Some("222402")))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&[
        "--period",
        "H1",
        "--region",
        "all",
        "--data",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "图们市: no bulletin: no 规上 enterprise in 2024-H1 (本期无规模以上工业企业)"
        ),
        "{stdout}"
    );
    assert!(
        stderr(&out).contains("1 of 9 units made no bulletin"),
        "{}",
        stderr(&out)
    );
    let folder = out_dir.path().join("2024-H1");
    assert!(!folder.join("222402").exists());
    assert!(folder.join("222401/review-2024-H1-222401.pdf").exists());
    let text = pdf_text(&folder.join("review-2024-H1.pdf"));
    assert!(
        text.contains("图们市本期无规模以上工业企业数据。"),
        "{text}"
    );
}

/// A province's worth of counties: 61 bulletins from one batch, every
/// unit's PDF byte for byte what a run for that unit alone makes (the
/// batch shares Typst's memoised work between bulletins, which must not
/// change a byte), and one of them verifies.
#[test]
fn sixty_counties_in_one_batch() {
    let data = tempfile::tempdir().unwrap();
    common::gen_data(data.path(), 12_000, 3, &["--counties", "60"]);
    let out_dir = tempfile::tempdir().unwrap();
    let data_arg = data.path().to_str().unwrap();
    let out_arg = out_dir.path().to_str().unwrap();
    let out = review(&[
        "--period", "H1", "--region", "all", "--data", data_arg, "--out", out_arg,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let period = out_dir.path().join("2024-H1");
    let pdfs: Vec<_> = (1..=60)
        .map(|i| period.join(format!("2224{i:02}/review-2024-H1-2224{i:02}.pdf")))
        .chain([period.join("review-2024-H1.pdf")])
        .collect();
    for pdf in &pdfs {
        assert!(pdf.is_file(), "{} missing", pdf.display());
    }
    // The prefecture's bulletin speaks of units far down the list (an
    // autonomous county, by its whole name).
    let regions = std::fs::read_to_string(data.path().join("regions.csv")).unwrap();
    let last: Vec<&str> = regions.lines().last().unwrap().split(',').collect();
    assert_eq!(last[0], "222460");
    let whole = pdf_text(&pdfs[60]);
    assert!(
        whole.contains(last[1]),
        "{} not in the prefecture's bulletin",
        last[1]
    );
    // Units late in the batch, alone: the same bytes.
    for code in ["222437", "222460"] {
        let alone = tempfile::tempdir().unwrap();
        let out = review(&[
            "--period",
            "H1",
            "--region",
            code,
            "--data",
            data_arg,
            "--out",
            alone.path().to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let name = format!("2024-H1/{code}/review-2024-H1-{code}.pdf");
        assert!(
            std::fs::read(alone.path().join(&name)).unwrap()
                == std::fs::read(out_dir.path().join(&name)).unwrap(),
            "{code}: the batch's PDF differs from the unit's own run"
        );
    }
    let out = review(&["verify", pdfs[59].to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}
