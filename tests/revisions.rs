//! Revisions (数据修订): `review diff` between two versions of a bulletin,
//! its CSV and exit code, and the 更正说明 it typesets, as a statistician
//! uses them after a return was corrected.

mod common;
use common::{pdf_text, review, sample_copy, stderr};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `review ARGS --data DATA --out` a new folder, asserting success: the
/// folder and the run.
fn run_on(data: &Path, args: &[&str]) -> (tempfile::TempDir, std::process::Output) {
    let out = tempfile::tempdir().unwrap();
    let folders = [
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ];
    let run = review(&[args, &folders[..]].concat());
    assert!(run.status.success(), "{}", stderr(&run));
    (out, run)
}

/// The sample's 2024 H1 bulletin built from `data` into a new folder.
fn bulletin(data: &Path) -> (tempfile::TempDir, PathBuf) {
    let (out, _) = run_on(data, &["--period", "H1"]);
    let pdf = out.path().join("2024-H1/review-2024-H1.pdf");
    (out, pdf)
}

/// summary.csv as key → value, read as a user would.
fn figures(path: &Path) -> BTreeMap<String, String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                format!("{},{},{},{}", &r[1], &r[2], &r[3], &r[4]),
                r[5].to_string(),
            )
        })
        .collect()
}

/// The sample with one enterprise's March 2024 output revised up by 500 万元.
fn revised() -> tempfile::TempDir {
    let data = sample_copy(true);
    let path = data.path().join("industry_monthly.csv");
    let rows = std::fs::read_to_string(&path).unwrap();
    let mut done = false;
    let rows: Vec<String> = rows
        .lines()
        .map(|line| {
            if !done && line.starts_with("2024-03,2224050001,") {
                done = true;
                let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
                f[5] = format!("{:.1}", f[5].parse::<f64>().unwrap() + 500.0);
                f.join(",")
            } else {
                line.to_string()
            }
        })
        .collect();
    assert!(done, "the enterprise's March row");
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
    data
}

#[test]
fn a_bulletin_against_itself_differs_in_nothing() {
    let (_out, pdf) = bulletin(&common::repo().join("data"));
    let p = pdf.to_str().unwrap();
    let out = review(&["diff", p, p, "--exit-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("no differences: "), "{text}");
}

/// A revision of one enterprise's March output: the diff lists exactly the
/// figures whose value changed (each a figure of output value: its region,
/// its division, the whole, their shares, 累计 from March on), the printed
/// text that changed, and the input whose hash changed.
#[test]
fn a_revised_row_names_exactly_the_figures_that_depend_on_it() {
    let (old_out, old) = bulletin(&common::repo().join("data"));
    let data = revised();
    let (new_out, new) = bulletin(data.path());
    let csv = new_out.path().join("diff.csv");
    let out = review(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--exit-code",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);

    // What changed, from the two summary.csv files themselves.
    let (a, b) = (
        figures(&old_out.path().join("2024-H1/summary.csv")),
        figures(&new_out.path().join("2024-H1/summary.csv")),
    );
    let changed: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(changed.len() > 20, "{changed:?}");
    // The diff lists each of them and nothing else.
    let listed: Vec<String> = csv::Reader::from_path(&csv)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == "figure")
        .map(|r| r[1].to_string())
        .collect();
    assert_eq!(
        listed,
        changed.iter().map(|k| k.to_string()).collect::<Vec<_>>()
    );
    for key in &changed {
        assert!(text.contains(&format!("  {key}: ")), "{key} not in\n{text}");
        // Output only: value added, counts, air and indicators are untouched.
        assert!(key.contains(",output_value,"), "{key}");
        // March's revision moves no month before it.
        for month in ["01", "02"] {
            assert!(!key.ends_with(&format!(":{month}")), "{key}");
        }
    }
    for key in [
        "222400,total,output_value,level",
        "222405,total,output_value,level",
        "222400,industry:20,output_value,level",
        "222405,total,output_value,month_level:03",
        "222405,total,output_value,ytd_level:06",
        "222401,total,output_value,share_pct",
    ] {
        assert!(changed.iter().any(|k| *k == key), "{key} did not change");
    }
    // The level's line: unrounded, as printed, and the difference.
    let line = text
        .lines()
        .find(|l| l.starts_with("  222405,total,output_value,level: "))
        .unwrap();
    assert!(line.contains(", difference 500 (printed "), "{line}");
    // The printed text that changed, and the input that did.
    assert!(text.contains("printed text that differs"), "{text}");
    assert!(text.contains("region_table/龙井市/2:"), "{text}");
    assert!(
        text.contains("manifest (1):\n  input industry_monthly.csv: "),
        "{text}"
    );
}

#[test]
fn a_summary_csv_compares_too_and_other_periods_are_refused() {
    let (out, pdf) = bulletin(&common::repo().join("data"));
    let csv = out.path().join("2024-H1/summary.csv");
    let same = review(&["diff", csv.to_str().unwrap(), pdf.to_str().unwrap()]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(String::from_utf8_lossy(&same.stdout).starts_with("no differences: "));

    let q2 = tempfile::tempdir().unwrap();
    let run = review(&[
        "--period",
        "Q2",
        "--summary-only",
        "--out",
        q2.path().to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let other = q2.path().join("2024-Q2/summary.csv");
    let refused = review(&["diff", pdf.to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let err = stderr(&refused);
    assert!(
        err.contains("is 2024-H1 of 222400") && err.contains("is 2024-Q2 of 222400"),
        "{err}"
    );
    let junk = out.path().join("junk.csv");
    std::fs::write(&junk, "a,b\n1,2\n").unwrap();
    let refused = review(&["diff", junk.to_str().unwrap(), pdf.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("is neither a bulletin PDF nor a summary.csv"));
}

/// The 更正说明 is typeset, PDF/A, lists the figures whose printed value
/// changed with both bulletins' document IDs, and is rebuilt byte for byte.
#[test]
fn the_correction_notice_reads_back_from_its_pdf() {
    let (_old_out, old) = bulletin(&common::repo().join("data"));
    let data = revised();
    let (new_out, new) = bulletin(data.path());
    let args = [
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--notice",
    ];
    let out = review(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let notice = new_out.path().join("2024-H1/notice-2024-H1.pdf");
    assert!(String::from_utf8_lossy(&out.stdout).contains(notice.to_str().unwrap()));
    let text = pdf_text(&notice);
    for piece in [
        "2024年上半年延边州统计数据更正说明",
        "因企业报表修订而变动，现更正如下",
        "原发布更正后",
        // 龙井市's output growth as the tables printed it, then now.
        "龙井市工业总产值增速（%）−1.0−0.9",
        "木材加工和木、竹、藤、棕、草制品业工业总产值（亿元）13.914.0",
        "原公报：review-2024-H1.pdf，文档标识",
    ] {
        assert!(text.contains(piece), "{piece} missing from {text}");
    }
    let bytes = std::fs::read(&notice).unwrap();
    let head = String::from_utf8_lossy(&bytes);
    assert!(head.contains("pdfaid:part"), "PDF/A metadata");
    let files = review::evidence::read_attachments(&bytes).unwrap();
    assert!(files.contains_key("evidence/diff.csv"));
    // Again: the same bytes, left alone.
    let again = review(&args);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already this notice"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&notice).unwrap(), bytes);
}

/// `review check` on the sample with a planted outlier (one month of one
/// enterprise ×10) and a value added above output: each found with its
/// file and line, check.csv written, exit 0, and 6 under
/// `--fail-on-findings`; thresholds from publication.toml.
#[test]
fn check_finds_a_planted_outlier_with_its_line() {
    let data = sample_copy(false);
    let path = data.path().join("industry_monthly.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let find =
        |lines: &[String], prefix: &str| lines.iter().position(|l| l.starts_with(prefix)).unwrap();
    // 龙井红石木业 in April: output ×10.
    let outlier = find(&lines, "2024-04,2224050001,");
    let mut f: Vec<String> = lines[outlier].split(',').map(str::to_string).collect();
    f[5] = format!("{:.1}", f[5].parse::<f64>().unwrap() * 10.0);
    lines[outlier] = f.join(",");
    // 汪清金达莱装备 in February: value added above output.
    let above = find(&lines, "2024-02,2224240002,");
    let mut f: Vec<String> = lines[above].split(',').map(str::to_string).collect();
    f[6] = format!("{:.1}", f[5].parse::<f64>().unwrap() + 1.0);
    lines[above] = f.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let args = [
        "check",
        "--period",
        "H1",
        "--data",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
    ];
    let out = review(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    let file = data.path().join("industry_monthly.csv");
    let at = |i: usize| format!("{}:{}", file.display(), i + 1);
    let outlier_line = report
        .lines()
        .find(|l| l.contains("2224050001") && l.contains("2024-04 output"))
        .unwrap_or_else(|| panic!("no outlier in\n{report}"));
    assert!(outlier_line.contains(&at(outlier)), "{outlier_line}");
    assert!(
        outlier_line.contains("龙井红石木业有限公司 (222405 龙井市)"),
        "{outlier_line}"
    );
    let above_line = report
        .lines()
        .find(|l| l.contains("2224240002") && l.contains("above output"))
        .unwrap_or_else(|| panic!("no value added above output in\n{report}"));
    assert!(above_line.contains(&at(above)), "{above_line}");
    for heading in [
        "[month_outlier]",
        "[growth]",
        "[value_added]",
        "[missing]",
        "[new]",
        "[contributor]",
    ] {
        assert!(report.contains(heading), "{heading} in\n{report}");
    }
    // check.csv has the same findings, with file and line.
    let csv = std::fs::read_to_string(out_dir.path().join("2024-H1/check.csv")).unwrap();
    assert!(csv.starts_with("rule,enterprise_id,enterprise_name,region_code,region,file,line,month,value,reference,detail\n"));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("month_outlier,2224050001,")
                && l.contains(&format!(",{},2024-04,", outlier + 1))),
        "{csv}"
    );
    // Scripts: exit 6 on findings.
    let strict = review(&[&args[..], &["--fail-on-findings"]].concat());
    assert_eq!(strict.status.code(), Some(6), "{}", stderr(&strict));

    // Thresholds from publication.toml: a ratio of 20 lets April pass.
    let toml = data.path().join("publication.toml");
    let mut settings = std::fs::read_to_string(&toml).unwrap();
    settings.push_str("\n[check]\nmonth_ratio = 20\n");
    std::fs::write(&toml, settings).unwrap();
    let out = review(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("at least 20× or at most 1/20"), "{report}");
    assert!(!report.contains("2024-04 output"), "{report}");
}

/// `review --period PERIOD --summary-only` on `data`, asserting success:
/// what it printed on stderr.
fn summary_only(data: &Path, period: &str) -> String {
    stderr(&run_on(data, &["--period", period, "--summary-only"]).1)
}

/// `review check --period H1` on `data`, asserting exit 0: its report and
/// its check.csv.
fn check_h1(data: &Path) -> (String, String) {
    let (out, run) = run_on(data, &["check", "--period", "H1"]);
    let csv = std::fs::read_to_string(out.path().join("2024-H1/check.csv")).unwrap();
    (String::from_utf8_lossy(&run.stdout).into_owned(), csv)
}

/// June's returns not all in (every sixth of its rows left out, 53 of the
/// 319 enterprises): the build warns that June is thin, with the counts,
/// and `review check` lists each enterprise without a June row, at the line
/// of its May row, and how many miss June; with every row in, neither says
/// a word.
#[test]
fn a_month_whose_returns_are_not_all_in_is_warned_of_and_listed() {
    let data = sample_copy(false);
    let path = data.path().join("industry_monthly.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!summary_only(data.path(), "H1").contains("fewer than"));
    let (report, _) = check_h1(data.path());
    assert!(
        report.contains("(漏报, or returns not yet in): 0\n"),
        "{report}"
    );

    let mut june = 0;
    let mut dropped = Vec::new();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            if !l.starts_with("2024-06,") {
                return true;
            }
            june += 1;
            let keep = june % 6 != 0;
            if !keep {
                dropped.push(l.split(',').nth(1).unwrap().to_string());
            }
            keep
        })
        .collect();
    assert_eq!((june, dropped.len()), (319, 53));
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    let warned = summary_only(data.path(), "H1");
    assert!(
        warned.contains("2024-06 has rows for 266 enterprises, 52 fewer than 2024-05's 318 (16%): the month may be incomplete"),
        "{warned}"
    );
    // check says so too, as the build does.
    let (_, audit) = run_on(data.path(), &["check", "--period", "H1"]);
    assert!(
        stderr(&audit).contains("2024-06 has rows for 266 enterprises"),
        "{}",
        stderr(&audit)
    );
    let (report, csv) = check_h1(data.path());
    assert!(
        report.contains("(漏报, or returns not yet in): 53\n  by month: 2024-06 53\n"),
        "{report}"
    );
    // Each at its May row's line, in the edited file.
    let lines: Vec<&str> = kept.clone();
    for id in &dropped {
        let may = lines
            .iter()
            .position(|l| l.starts_with(&format!("2024-05,{id},")))
            .unwrap();
        let at = format!(
            "{}:{}: no row for 2024-06 (rows for ",
            path.display(),
            may + 1
        );
        assert!(
            report
                .lines()
                .any(|l| l.starts_with(&format!("  {id} ")) && l.contains(&at)),
            "{id} {at} in\n{report}"
        );
        assert!(
            csv.lines().any(|l| l.starts_with(&format!("gap,{id},"))
                && l.contains(&format!(",{},2024-05,1,,", may + 1))),
            "{id} in\n{csv}"
        );
    }
}

/// gen-data writes every month whole, so a full year of its rows is no
/// thin December: the untuned bulletins the tests and benchmarks make of
/// it are not 10 points low for a cut-off month.
#[test]
fn generated_data_has_no_thin_month() {
    let data = tempfile::tempdir().unwrap();
    common::gen_data(data.path(), 30_000, 2026, &["--counties", "8"]);
    let warned = summary_only(data.path(), "FY");
    assert!(!warned.contains("fewer than"), "{warned}");
}

#[test]
fn check_gives_the_usual_data_errors() {
    let data = sample_copy(false);
    let path = data.path().join("industry_monthly.csv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("2024-13,X,坏厂,222401,13,1,1\n");
    std::fs::write(&path, text).unwrap();
    let out = review(&[
        "check",
        "--period",
        "H1",
        "--data",
        data.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("expected a month"),
        "{}",
        stderr(&out)
    );
}

/// The same rows as CSV and as Parquet give the same findings, each naming
/// the same enterprise and the same row (a line of the CSV, a row of the
/// Parquet file: the line less the header).
#[test]
fn check_names_the_same_rows_in_csv_and_parquet() {
    let (csv_dir, parquet_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::gen_data(csv_dir.path(), 20_000, 3, &[]);
    common::gen_data(parquet_dir.path(), 20_000, 3, &["--parquet"]);
    let findings = |data: &Path| {
        let (_, csv) = check_h1(data);
        // Every column but the file's name.
        csv.lines()
            .skip(1)
            .map(|l| {
                let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
                f.remove(5);
                f.join(",")
            })
            .collect::<Vec<_>>()
    };
    let (from_csv, from_parquet) = (findings(csv_dir.path()), findings(parquet_dir.path()));
    assert!(from_csv.len() >= 10, "{from_csv:?}");
    let lines: Vec<String> = from_csv
        .iter()
        .map(|l| {
            let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
            // line N of the CSV is row N − 1 of the Parquet file
            if let Ok(n) = f[5].parse::<u64>() {
                f[5] = (n - 1).to_string();
            }
            f.join(",")
        })
        .collect();
    assert_eq!(lines, from_parquet);
}
