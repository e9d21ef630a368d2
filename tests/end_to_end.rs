//! Runs the `review` binary on the shipped sample, as a statistician would,
//! and checks what a reader checks: the numbers in the PDF, the summary, and
//! the error messages for bad input.

mod common;
use common::{build_from, copy_tree, pdf_text, repo, review, stderr};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Builds the shipped sample's 2024 H1 bulletin into a new temporary
/// folder, asserting success.
fn sample_bulletin() -> tempfile::TempDir {
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&["--period", "H1", "--out", out_dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    out_dir
}

/// A template file with `text` in a new temporary folder.
fn template_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// `review --period H1 --template TEMPLATE --out OUT`.
fn build_with(template: &Path, out_dir: &Path) -> Output {
    review(&[
        "--period",
        "H1",
        "--template",
        template.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ])
}

#[test]
fn h1_bulletin_from_the_shipped_data() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&["--period", "H1", "--out", out_dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "review failed: {}", stderr(&out));

    // It prints the paths it wrote; the year defaults to 2024, the latest
    // year with all of January to June.
    let pdf = out_dir.path().join("2024-H1/review-2024-H1.pdf");
    let summary = out_dir.path().join("2024-H1/summary.json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(pdf.to_str().unwrap()), "{stdout}");
    assert!(stdout.contains(summary.to_str().unwrap()), "{stdout}");

    // The reference's lede, word for word, in the PDF, and how growth
    // moved against 一季度 (5.6 %, 1—3月 as its own period).
    let text = pdf_text(&pdf);
    assert!(
        text.contains(
            "全州319户规模以上工业企业，实现产值339.3亿元，同比增长2.6%；实现增加值增长4.2%，增速比一季度回落1.4个百分点。"
        ),
        "lede missing from: {text}"
    );
    // 延吉市's air, as the reference's ecology section reports it.
    assert!(
        text.contains("空气质量优良天数比例为98.4%，同比提高3.4个百分点"),
        "air quality missing: {text}"
    );
    // Tourism and investment from the catalogue, for the prefecture.
    let bulletin: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let whole = bulletin["text"]["indicators"].as_str().unwrap();
    assert!(whole.starts_with("全州接待游客"), "{whole}");
    assert!(
        text.contains(whole),
        "prefecture indicators missing from the PDF"
    );
    for region in [
        "延吉市",
        "图们市",
        "敦化市",
        "珲春市",
        "龙井市",
        "和龙市",
        "汪清县",
        "安图县",
    ] {
        assert!(text.contains(region), "{region} missing");
    }

    // The summary holds the unrounded figures behind the printed ones.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let p = &json["summary"]["prefecture"];
    assert_eq!(p["enterprises"], 319);
    let level = p["output_value"]["level"].as_f64().unwrap();
    assert_eq!(format!("{:.1}", level / 10_000.0), "339.3");
    assert_eq!(
        format!("{:.1}", p["output_value"]["yoy_pct"].as_f64().unwrap()),
        "2.6"
    );
    assert_eq!(
        format!("{:.1}", p["value_added"]["yoy_pct"].as_f64().unwrap()),
        "4.2"
    );
    assert_eq!(json["summary"]["regions"].as_array().unwrap().len(), 8);

    // summary.csv carries the same figures, unrounded, one per row.
    let csv = std::fs::read_to_string(out_dir.path().join("2024-H1/summary.csv")).unwrap();
    let row = format!("2024-H1,222400,total,output_value,level,{level},万元");
    assert!(csv.lines().any(|l| l == row), "{row} missing");
    assert!(
        csv.lines()
            .any(|l| l == "2024-H1,222400,total,enterprises,level,319,户")
    );
}

#[test]
fn current_prices_say_so() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&[
        "--period",
        "h1",
        "--year",
        "2024",
        "--current-prices",
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = pdf_text(&out_dir.path().join("2024-H1/review-2024-H1.pdf"));
    assert!(text.contains("（按现价计算）"), "{text}");
    assert!(
        !text.contains("实现增加值增长4.2%"),
        "current prices must differ from comparable ones"
    );
}

#[test]
fn bad_period_lists_the_accepted_ones() {
    let out = review(&["--period", "H3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected one of H1, H2, Q1, Q2, Q3, Q4, FY, M01 … M12"),
        "{}",
        stderr(&out)
    );
}

/// A period named as releases name it makes the bulletin its code names,
/// in the code's folder: 1—6月 is H1, 上半年 too, byte for byte.
#[test]
fn a_period_named_in_chinese_is_its_code() {
    let out_dir = tempfile::tempdir().unwrap();
    let mut pdfs = Vec::new();
    for period in ["H1", "1—6月", "上半年"] {
        let out = Command::new(env!("CARGO_BIN_EXE_review"))
            .args(["--period", period, "--force", "--out"])
            .arg(out_dir.path().join(period))
            .current_dir(repo())
            .env("SOURCE_DATE_EPOCH", "1719792000")
            .output()
            .unwrap();
        assert!(out.status.success(), "{period}: {}", stderr(&out));
        let pdf = out_dir
            .path()
            .join(period)
            .join("2024-H1/review-2024-H1.pdf");
        pdfs.push(std::fs::read(&pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display())));
    }
    assert!(pdfs[1] == pdfs[0] && pdfs[2] == pdfs[0]);
    let out = review(&[
        "--period",
        "5月",
        "--summary-only",
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out_dir.path().join("2024-M05/summary.csv").exists());
}

#[test]
fn missing_data_folder() {
    let out = review(&["--period", "H1", "--data", "no-such-folder"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "review: no-such-folder: data folder not found (set it with --data DIR)"
    );
}

#[test]
fn period_without_data_names_the_missing_months() {
    let out = review(&["--period", "Q1", "--year", "2025"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "industry_monthly.csv: 2025-Q1 is incomplete: no rows for 2025-01, 2025-02, 2025-03"
        ),
        "{}",
        stderr(&out)
    );
}

/// Copies the sample into a temporary folder, with one file replaced.
fn sample_with(file: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("data"), dir.path());
    std::fs::write(dir.path().join(file), text).unwrap();
    dir
}

#[test]
fn unparsable_number_points_at_the_row() {
    let original = std::fs::read_to_string(repo().join("data/industry_monthly.csv")).unwrap();
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[41].split(',').collect();
    let broken = format!(
        "{},{},{},{},{},12O5.3,{}",
        fields[0], fields[1], fields[2], fields[3], fields[4], fields[6]
    );
    lines[41] = broken;
    let data = sample_with("industry_monthly.csv", &(lines.join("\n") + "\n"));
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_from(data.path(), out_dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let want = format!(
        "review: {}:42: column `output_value`: found `12O5.3`; expected a number of 万元, zero or more",
        data.path().join("industry_monthly.csv").display()
    );
    assert_eq!(stderr(&out).trim(), want);
    assert!(
        !out_dir.path().join("2024-H1").exists(),
        "nothing is written on a data error"
    );
}

#[test]
fn missing_column_is_named() {
    let original = std::fs::read_to_string(repo().join("data/regions.csv")).unwrap();
    let data = sample_with(
        "regions.csv",
        &original.replacen("parent_code", "parent", 1),
    );
    let out = review(&["--period", "H1", "--data", data.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("regions.csv:1: missing column `parent_code`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn template_error_shows_file_line_and_column_and_keeps_the_old_pdf() {
    let out_dir = sample_bulletin();
    let pdf = out_dir.path().join("2024-H1/review-2024-H1.pdf");
    let before = std::fs::read(&pdf).unwrap();

    let (_tpl, template) = template_file(
        "broken.typ",
        "#let s = json(sys.inputs.summary)\n= Title\n#s.nosuchfield\n",
    );
    let out = build_with(&template, out_dir.path());
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("error: dictionary does not contain key \"nosuchfield\""),
        "{err}"
    );
    assert!(
        err.contains(&format!("--> {}:3:", template.display())),
        "{err}"
    );
    assert!(err.contains("3| #s.nosuchfield"), "{err}");
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        before,
        "the good PDF is untouched"
    );
}

#[test]
fn missing_glyph_fails_and_names_the_character() {
    // U+20BB7 𠮷 is outside the embedded subset (CJK Extension B).
    let (_tpl, template) = template_file(
        "glyph.typ",
        "#set text(font: \"Noto Serif CJK SC\")\n吉𠮷\n",
    );
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_with(&template, out_dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("no embedded font has the character `𠮷` (U+20BB7)"),
        "{err}"
    );
    assert!(err.contains(&format!("{}:2:", template.display())), "{err}");
    assert!(!out_dir.path().join("2024-H1/review-2024-H1.pdf").exists());
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn pdf_declares_pdf_a_3u_and_pdf_ua_1_with_metadata() {
    let out_dir = sample_bulletin();
    let pdf = std::fs::read(out_dir.path().join("2024-H1/review-2024-H1.pdf")).unwrap();
    // The XMP packet is stored uncompressed.
    for needle in [
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>U</pdfaid:conformance>",
        "<pdfuaid:part>1</pdfuaid:part>",
        "<rdf:li>zh-CN</rdf:li>",
        "<pdf:Keywords>2024-H1, 延边州, 延边州统计局, 延边经济观察,",
        "2024-07-01T00:00:00+00:00",
    ] {
        assert!(
            contains(&pdf, needle),
            "{needle} missing from the XMP metadata"
        );
    }
}

/// Same inputs, template, fonts and SOURCE_DATE_EPOCH: the same bytes, from
/// another working directory and with other (absolute) paths.
#[test]
fn rebuilds_are_byte_identical() {
    let first = tempfile::tempdir().unwrap();
    let out = review(&["--period", "H1", "--out", first.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let second = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_review"))
        .args(["--period", "H1", "--out", second.path().to_str().unwrap()])
        .args(["--data", repo().join("data").to_str().unwrap()])
        .args([
            "--template",
            repo().join("templates/review.typ").to_str().unwrap(),
        ])
        .current_dir(elsewhere.path())
        .env("SOURCE_DATE_EPOCH", "1719792000")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for file in ["review-2024-H1.pdf", "summary.json", "summary.csv"] {
        let a = std::fs::read(first.path().join("2024-H1").join(file)).unwrap();
        let b = std::fs::read(second.path().join("2024-H1").join(file)).unwrap();
        assert!(a == b, "{file} differs between the two builds");
    }
}

/// The PDF carries its evidence: the input rows, summary.csv and the
/// manifest, readable with a PDF parser and identical to the files written
/// beside it.
#[test]
fn attachments_hold_inputs_summary_and_manifest() {
    let out_dir = sample_bulletin();
    let dir = out_dir.path().join("2024-H1");
    let pdf = std::fs::read(dir.join("review-2024-H1.pdf")).unwrap();
    let files = review::evidence::read_attachments(&pdf).unwrap();
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "evidence/data/air_quality_daily.csv",
            "evidence/data/indicator_catalog.csv",
            "evidence/data/indicators.csv",
            "evidence/data/industries.csv",
            "evidence/data/industry_groups.csv",
            "evidence/data/industry_monthly.csv",
            "evidence/data/price_index.csv",
            "evidence/data/publication.toml",
            "evidence/data/regions.csv",
            "evidence/data/stories/2024-H1/01-cell-bank.txt",
            "evidence/data/stories/2024-H1/02-wangqing-muer.txt",
            "evidence/data/stories/2024-H1/03-hunchun-community.txt",
            "evidence/data/stories/2024-H1/04-longjing-tourism.txt",
            "evidence/data/stories/2024-H1/05-yanji-ecology.txt",
            "evidence/data/stories/2024-H1/muer.svg",
            "evidence/manifest.json",
            "evidence/summary.csv",
            "evidence/summary.json",
            "evidence/template/brief.typ",
            "evidence/template/lib.typ",
            "evidence/template/notice.typ",
            "evidence/template/review.typ",
        ]
    );
    // The editors' files travel byte for byte.
    assert_eq!(
        files["evidence/data/stories/2024-H1/muer.svg"],
        std::fs::read(repo().join("data/stories/2024-H1/muer.svg")).unwrap()
    );
    assert_eq!(
        files["evidence/summary.csv"],
        std::fs::read(dir.join("summary.csv")).unwrap()
    );
    assert_eq!(
        files["evidence/manifest.json"],
        std::fs::read(dir.join("review-2024-H1.manifest.json")).unwrap()
    );
    assert_eq!(
        files["evidence/summary.json"],
        std::fs::read(dir.join("summary.json")).unwrap()
    );

    // Only the months the bulletin used: 2024 H1, 2023 H1 and 2022 H1.
    let rows = String::from_utf8(files["evidence/data/industry_monthly.csv"].clone()).unwrap();
    let months: std::collections::BTreeSet<&str> = rows.lines().skip(1).map(|l| &l[..7]).collect();
    let want: Vec<String> = [2022, 2023, 2024]
        .iter()
        .flat_map(|y| (1..=6).map(move |m| format!("{y}-{m:02}")))
        .collect();
    assert_eq!(months.into_iter().collect::<Vec<_>>(), want);

    let manifest: serde_json::Value =
        serde_json::from_slice(&files["evidence/manifest.json"]).unwrap();
    assert_eq!(manifest["period"], "H1");
    assert_eq!(manifest["year"], 2024);
    assert_eq!(manifest["created"], 1719792000);
    assert_eq!(manifest["template"], "review.typ");
    let input = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == "industry_monthly.csv")
        .unwrap();
    assert_eq!(
        input["sha256"],
        review::evidence::sha256(&files["evidence/data/industry_monthly.csv"])
    );
    assert_eq!(input["rows"], rows.lines().count() as u64 - 1);
    let fonts = manifest["fonts"].as_array().unwrap();
    assert_eq!(fonts.len(), 3);
    let serif = std::fs::read(repo().join("fonts/NotoSerifSC-Regular.otf")).unwrap();
    assert_eq!(fonts[0]["sha256"], review::evidence::sha256(&serif));
}

fn run_in(args: &[&str], epoch: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_review"))
        .args(args)
        .current_dir(repo())
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("run review")
}

/// A copy of the shipped templates, to change without touching the repo.
fn template_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("templates")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn verify_passes_on_a_fresh_pdf_and_fails_on_a_changed_byte() {
    let out_dir = sample_bulletin();
    let pdf = out_dir.path().join("2024-H1/review-2024-H1.pdf");
    let ok = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let line = String::from_utf8_lossy(&ok.stdout);
    assert!(
        line.starts_with("verified: ")
            && line.contains("(2024-H1, review.typ, created 2024-07-01T00:00:00Z)"),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1);

    // One byte changed inside the attached enterprise rows.
    let mut bytes = std::fs::read(&pdf).unwrap();
    let marker = b"/Type/EmbeddedFile";
    let at = bytes
        .windows(marker.len())
        .rposition(|w| w == marker)
        .expect("an embedded file");
    let stream = at + bytes[at..].windows(6).position(|w| w == b"stream").unwrap() + 8;
    bytes[stream + 40] ^= 0x20;
    let tampered = out_dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes).unwrap();
    let bad = review(&["verify", tampered.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(5), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("tampered.pdf"), "{}", stderr(&bad));

    // Several at once, as an archive checks a batch: each gets its line,
    // the bad one does not stop the good one after it, and the run fails.
    let both = review(&["verify", tampered.to_str().unwrap(), pdf.to_str().unwrap()]);
    assert_eq!(both.status.code(), Some(5), "{}", stderr(&both));
    assert!(stderr(&both).contains("tampered.pdf"), "{}", stderr(&both));
    let lines = String::from_utf8_lossy(&both.stdout);
    assert!(
        lines.lines().count() == 1 && lines.contains("review-2024-H1.pdf"),
        "{lines}"
    );
}

/// An archive keeps the PDF, not the repository: the PDF copied alone into
/// an empty folder verifies from its attached template folder.
#[test]
fn verify_needs_nothing_but_the_pdf() {
    let out_dir = sample_bulletin();
    let archive = tempfile::tempdir().unwrap();
    let pdf = archive.path().join("review-2024-H1.pdf");
    std::fs::copy(out_dir.path().join("2024-H1/review-2024-H1.pdf"), &pdf).unwrap();
    let alone = |pdf: &Path| {
        Command::new(env!("CARGO_BIN_EXE_review"))
            .args(["verify", pdf.file_name().unwrap().to_str().unwrap()])
            .current_dir(archive.path())
            .output()
            .unwrap()
    };
    let ok = alone(&pdf);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let line = String::from_utf8_lossy(&ok.stdout);
    assert!(
        line.contains("byte-identical to a rebuild from its attached data and template"),
        "{line}"
    );
    let files = review::evidence::read_attachments(&std::fs::read(&pdf).unwrap()).unwrap();
    for name in ["lib.typ", "review.typ", "brief.typ"] {
        let attached = &files[&format!("evidence/template/{name}")];
        assert_eq!(
            attached,
            &std::fs::read(repo().join("templates").join(name)).unwrap()
        );
    }
    assert!(
        std::fs::read_dir(archive.path()).unwrap().count() == 1,
        "verify wrote nothing here"
    );
}

/// The shipped templates with `attach-evidence` shadowed (the rest of
/// lib.typ stays) so that the attachment whose path ends with `file` is
/// attached as the bytes the Typst expression `forge` makes of it (`a` is
/// the attachment): a PDF whose evidence was altered after the fact. Returns
/// the folder and its review.typ.
fn forging_templates(file: &str, forge: &str) -> (tempfile::TempDir, PathBuf) {
    let templates = template_copy();
    let lib = std::fs::read_to_string(templates.path().join("lib.typ")).unwrap();
    std::fs::write(
        templates.path().join("lib.typ"),
        lib + &format!(
            r#"
#let attach-evidence(bulletin) = {{
  for a in bulletin.attachments {{
    if a.path.ends-with("{file}") {{
      let forged = {forge}
      pdf.attach(a.path, bytes(forged), relationship: a.relationship, mime-type: a.mime, description: a.description)
    }} else {{
      pdf.attach(a.path, relationship: a.relationship, mime-type: a.mime, description: a.description)
    }}
  }}
}}
"#
        ),
    )
    .unwrap();
    let template = templates.path().join("review.typ");
    (templates, template)
}

/// The sample's bulletin made with `template`; the output folder and PDF.
fn forged_bulletin(template: &Path) -> (tempfile::TempDir, PathBuf) {
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_with(template, out_dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = out_dir.path().join("2024-H1/review-2024-H1.pdf");
    (out_dir, pdf)
}

/// A bulletin whose manifest names another version of review: verify says
/// which version made it (forged here by a template that attaches the
/// manifest with another version).
#[test]
fn verify_says_when_another_version_made_the_pdf() {
    let (_templates, template) = forging_templates(
        "manifest.json",
        r#"str(read(a.path)).replace(regex("\"version\": \"[^\"]*\""), "\"version\": \"0.0.9\"")"#,
    );
    let (_out_dir, pdf) = forged_bulletin(&template);
    // The forging template rebuilds the same bytes, so the PDF verifies,
    // and the line says which review made it.
    let ok = review(&[
        "verify",
        pdf.to_str().unwrap(),
        "--template",
        template.to_str().unwrap(),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let line = String::from_utf8_lossy(&ok.stdout);
    assert!(
        line.contains(&format!(
            "; note: the PDF was made by review 0.0.9, this is review {}",
            env!("CARGO_PKG_VERSION")
        )),
        "{line}"
    );
    // With the shipped template the rebuild differs: the failure says
    // which version to verify with.
    let shipped = repo().join("templates/review.typ");
    let bad = review(&[
        "verify",
        pdf.to_str().unwrap(),
        "--template",
        shipped.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(5));
    let err = stderr(&bad);
    assert!(
        err.contains(&format!(
            "the PDF was made by review 0.0.9, this is review {}: verify it with review 0.0.9",
            env!("CARGO_PKG_VERSION")
        )),
        "{err}"
    );
}

#[test]
fn verify_names_a_changed_template() {
    let templates = template_copy();
    let template = templates.path().join("review.typ");
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_with(&template, out_dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = out_dir.path().join("2024-H1/review-2024-H1.pdf");
    let args = [
        "verify",
        pdf.to_str().unwrap(),
        "--template",
        template.to_str().unwrap(),
    ];
    assert_eq!(review(&args).status.code(), Some(0));
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(
        &template,
        text.replace(
            "#let s = bulletin.summary",
            "#let s = bulletin.summary // edited",
        ),
    )
    .unwrap();
    let bad = review(&args);
    assert_eq!(bad.status.code(), Some(5));
    assert!(
        stderr(&bad)
            .contains("template file review.typ differs from the one the PDF was made with"),
        "{}",
        stderr(&bad)
    );
}

/// A PDF whose attached enterprise rows were altered after the fact (forged
/// here by a template that attaches a changed row under the real name).
#[test]
fn verify_names_a_changed_input_row() {
    let (_templates, template) = forging_templates(
        "industry_monthly.csv",
        r#"{
      let lines = read(a.path).split("\n")
      let fields = lines.at(1).split(",")
      fields.at(5) = "9" + fields.at(5)
      lines.at(1) = fields.join(",")
      lines.join("\n")
    }"#,
    );
    let (_out_dir, pdf) = forged_bulletin(&template);
    let bad = review(&[
        "verify",
        pdf.to_str().unwrap(),
        "--template",
        template.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(5));
    let err = stderr(&bad);
    assert!(
        err.contains("attachment evidence/data/industry_monthly.csv was changed"),
        "{err}"
    );
    assert!(
        err.contains("summary.csv row"),
        "the changed figures are named: {err}"
    );
}

#[test]
fn verify_rejects_a_pdf_without_manifest() {
    let (_tpl, template) = template_file(
        "plain.typ",
        "#set document(title: \"测试\")\n#set text(font: \"Noto Serif CJK SC\", lang: \"zh\")\n测试\n",
    );
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_with(&template, out_dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    // The PDF is named after its template.
    let pdf = out_dir.path().join("2024-H1/plain-2024-H1.pdf");
    let bad = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(5));
    assert!(
        stderr(&bad).contains("has no review manifest"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn an_existing_different_pdf_is_kept_unless_forced_and_an_identical_one_untouched() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().to_str().unwrap();
    let pdf = out_dir.path().join("2024-H1/review-2024-H1.pdf");
    assert!(
        run_in(&["--period", "H1", "--out", out], "1719792000")
            .status
            .success()
    );
    let first = std::fs::read(&pdf).unwrap();
    let json = out_dir.path().join("2024-H1/summary.json");
    let written = std::fs::read(&json).unwrap();
    // Beside the identical PDF, a summary.json that differs (edited by
    // hand, or written by an older review) is brought up to date.
    std::fs::write(&json, b"{}").unwrap();
    let pdf_time = std::fs::metadata(&pdf).unwrap().modified().unwrap();

    let same = run_in(&["--period", "H1", "--out", out], "1719792000");
    assert!(same.status.success());
    assert!(
        stderr(&same).contains("is already this bulletin, byte for byte"),
        "{}",
        stderr(&same)
    );
    assert_eq!(std::fs::read(&json).unwrap(), written);
    assert_eq!(
        std::fs::metadata(&pdf).unwrap().modified().unwrap(),
        pdf_time,
        "the PDF itself is not rewritten"
    );

    let other = run_in(&["--period", "H1", "--out", out], "1719878400");
    assert_eq!(other.status.code(), Some(4));
    assert!(
        stderr(&other).contains("a different PDF is already there"),
        "{}",
        stderr(&other)
    );
    assert!(stderr(&other).contains("--force"));
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        first,
        "refused: the old PDF stays"
    );

    let forced = run_in(&["--period", "H1", "--out", out, "--force"], "1719878400");
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(std::fs::read(&pdf).unwrap(), first);
}

/// Files saved by spreadsheet software: a UTF-8 byte-order mark and CRLF
/// line ends give the same figures.
#[test]
fn bom_and_crlf_are_read_like_plain_utf8() {
    let original = std::fs::read_to_string(repo().join("data/industry_monthly.csv")).unwrap();
    let data = sample_with(
        "industry_monthly.csv",
        &format!("\u{feff}{}", original.replace('\n', "\r\n")),
    );
    let regions = std::fs::read_to_string(repo().join("data/regions.csv")).unwrap();
    std::fs::write(
        data.path().join("regions.csv"),
        format!("\u{feff}{}", regions.replace('\n', "\r\n")),
    )
    .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_from(data.path(), out_dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(out_dir.path().join("2024-H1/summary.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l == "2024-H1,222400,total,enterprises,level,319,户")
    );
}

/// Spaces around values and a quoted name holding a comma and a line break
/// are read as validation reads them: the figures do not change.
#[test]
fn spaced_values_and_quoted_multiline_names() {
    let original = std::fs::read_to_string(repo().join("data/industry_monthly.csv")).unwrap();
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    for line in lines.iter_mut().skip(1).step_by(97) {
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        fields[2] = format!("\"{}, 分厂\n二车间\"", fields[2]);
        fields[3] = format!(" {}", fields[3]);
        fields[5] = format!(" {} ", fields[5]);
        *line = fields.join(",");
    }
    let data = sample_with("industry_monthly.csv", &(lines.join("\n") + "\n"));
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_from(data.path(), out_dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mine = std::fs::read_to_string(out_dir.path().join("2024-H1/summary.csv")).unwrap();
    let plain_dir = tempfile::tempdir().unwrap();
    assert!(
        review(&[
            "--period",
            "H1",
            "--out",
            plain_dir.path().to_str().unwrap()
        ])
        .status
        .success()
    );
    let plain = std::fs::read_to_string(plain_dir.path().join("2024-H1/summary.csv")).unwrap();
    assert!(mine == plain, "the same figures");
}

/// Things that do not stop a run are still said, once: an extra column, an
/// enterprise that moves region within a year, a missing comparison period.
#[test]
fn warnings_for_extra_columns_moves_and_missing_comparison() {
    let original = std::fs::read_to_string(repo().join("data/industry_monthly.csv")).unwrap();
    let mut lines: Vec<String> = original.lines().map(|l| format!("{l},x")).collect();
    lines[0] = lines[0].replace(",x", ",note");
    // Move the enterprise of the last row (a 2024-12 row) to another region.
    let last = lines.len() - 1;
    let mut fields: Vec<String> = lines[last].split(',').map(str::to_string).collect();
    let id = fields[1].clone();
    fields[3] = if fields[3] == "222401" {
        "222402".into()
    } else {
        "222401".into()
    };
    lines[last] = fields.join(",");
    let data = sample_with("industry_monthly.csv", &(lines.join("\n") + "\n"));
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_from(data.path(), out_dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.matches("column `note` is not in the data contract and is ignored")
            .count(),
        1,
        "{err}"
    );
    assert!(
        err.contains(&format!(":{}: enterprise {id} moves from region", last + 1)),
        "{err}"
    );
    assert!(
        err.contains("in 2024; it counts in the region of its latest month"),
        "{err}"
    );

    let out = review(&[
        "--period",
        "H1",
        "--year",
        "2022",
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no rows for 2021-H1, the comparison period: growth rates cannot be computed and print as —"), "{}", stderr(&out));
}

#[test]
fn an_unwritable_output_folder_is_an_output_error() {
    let out_dir = tempfile::tempdir().unwrap();
    // A file where the period's folder should be: no permission trick, so it
    // holds for root too.
    std::fs::write(out_dir.path().join("2024-H1"), b"not a folder").unwrap();
    let out = review(&["--period", "H1", "--out", out_dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("review: cannot write"),
        "{}",
        stderr(&out)
    );
}

/// Re-encodes the text files of `dir` (recursively) that `which` picks as
/// GB18030, as Chinese spreadsheet software saves them; returns how many
/// changed (a file of ASCII text is the same in both).
fn save_as_gb18030(dir: &Path, which: &dyn Fn(&Path) -> bool) -> usize {
    let mut changed = 0;
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e != "svg") && which(&path) {
                let text = std::fs::read_to_string(&path).unwrap();
                let (bytes, _, failed) = encoding_rs::GB18030.encode(&text);
                assert!(!failed);
                changed += usize::from(!text.is_ascii());
                std::fs::write(&path, bytes).unwrap();
            }
        }
    }
    changed
}

/// The sample's bulletin from `data`, into a new folder: (the run, the folder).
fn bulletin_from(data: &Path, extra: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let out_dir = tempfile::tempdir().unwrap();
    (build_from(data, out_dir.path(), extra), out_dir)
}

/// The common case: one export from a spreadsheet saved as GB18030, the
/// other files untouched. It reads without flags, with a note naming the
/// file, to the same figures and the same PDF as the all-UTF-8 folder; the
/// PDF verifies.
#[test]
fn one_gb18030_file_among_utf8_ones_reads_without_flags() {
    let data = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("data"), data.path());
    assert_eq!(
        save_as_gb18030(data.path(), &|p| p.ends_with("industry_monthly.csv")),
        1
    );
    let (out, dir) = bulletin_from(data.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = format!(
        "{}: not UTF-8; read as GB18030",
        data.path().join("industry_monthly.csv").display()
    );
    assert!(stderr(&out).contains(&note), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("read as GB18030").count(),
        1,
        "{}",
        stderr(&out)
    );

    let (plain, plain_dir) = bulletin_from(&repo().join("data"), &[]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    for file in ["summary.csv", "summary.json", "review-2024-H1.pdf"] {
        let read = |d: &Path| std::fs::read(d.join("2024-H1").join(file)).unwrap();
        assert!(read(dir.path()) == read(plain_dir.path()), "{file} differs");
    }
    let pdf = dir.path().join("2024-H1/review-2024-H1.pdf");
    let verified = review(&["verify", pdf.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}

/// The enterprise file as a bureau's system exports it to a spreadsheet and
/// the spreadsheet saves it: the report form's column names (月份,
/// 统一社会信用代码, 工业总产值（当年价格）…), every field quoted, CRLF,
/// GB18030, and two formatted rows of empty fields at its foot. It reads
/// without flags to the same figures as the shipped file, with one warning
/// for the empty rows, and its PDF verifies.
#[test]
fn a_report_form_export_reads_as_the_shipped_file() {
    let data = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("data"), data.path());
    let path = data.path().join("industry_monthly.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added"
    );
    let quoted = |line: &str| {
        line.split(',')
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut export = String::from(
        "\"月份\",\"统一社会信用代码\",\"单位详细名称\",\"行政区划代码\",\"行业代码\",\"工业总产值（当年价格）\",\"工业增加值(万元)\"\r\n",
    );
    let rows = text.lines().count();
    for line in lines {
        export += &quoted(line);
        export += "\r\n";
    }
    export += ",,,,,,\r\n,,,,,,\r\n";
    std::fs::write(&path, export).unwrap();
    assert_eq!(
        save_as_gb18030(data.path(), &|p| p.ends_with("industry_monthly.csv")),
        1
    );
    let (out, dir) = bulletin_from(data.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let skipped = format!(
        "{}: skipped 2 rows with every field empty (lines {}–{})",
        path.display(),
        rows + 1,
        rows + 2
    );
    assert!(stderr(&out).contains(&skipped), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("not in the data contract"),
        "{}",
        stderr(&out)
    );
    let (plain, plain_dir) = bulletin_from(&repo().join("data"), &[]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    let read = |d: &Path, file: &str| std::fs::read(d.join("2024-H1").join(file)).unwrap();
    assert!(read(dir.path(), "summary.csv") == read(plain_dir.path(), "summary.csv"));
    assert_eq!(
        pdf_text(&dir.path().join("2024-H1/review-2024-H1.pdf")),
        pdf_text(&plain_dir.path().join("2024-H1/review-2024-H1.pdf"))
    );
    let pdf = dir.path().join("2024-H1/review-2024-H1.pdf");
    let verified = review(&["verify", pdf.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}

/// Every text file as GB18030, stories and publication.toml included: read
/// without flags and with `--encoding gb18030` to the same figures;
/// `--encoding utf-8` refuses the first file with one message and a hint.
#[test]
fn gb18030_folders_read_with_or_without_encoding() {
    let data = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("data"), data.path());
    let changed = save_as_gb18030(data.path(), &|_| true);
    let (plain, plain_dir) = bulletin_from(&repo().join("data"), &[]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    let summary = |d: &Path| std::fs::read(d.join("2024-H1/summary.csv")).unwrap();
    for flags in [&[][..], &["--encoding", "gb18030"][..]] {
        let (out, dir) = bulletin_from(data.path(), flags);
        assert!(out.status.success(), "{flags:?}: {}", stderr(&out));
        assert!(
            summary(dir.path()) == summary(plain_dir.path()),
            "{flags:?}: the same figures"
        );
        // Each file is named once when it is found out, not when forced.
        let notes = stderr(&out).matches("read as GB18030").count();
        assert_eq!(
            notes,
            if flags.is_empty() { changed } else { 0 },
            "{}",
            stderr(&out)
        );
    }

    let (out, _dir) = bulletin_from(data.path(), &["--encoding", "utf-8"]);
    assert_eq!(out.status.code(), Some(1));
    let want = format!(
        "{}:2: not valid UTF-8, but it reads as GB18030/GBK (as Chinese spreadsheet software saves it): run with --encoding gb18030 (or without --encoding)",
        data.path().join("regions.csv").display()
    );
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("regions.csv").count(),
        1,
        "{}",
        stderr(&out)
    );
}

/// A file in neither encoding gets one message, not one per line.
#[test]
fn a_file_in_no_known_encoding_gets_one_message() {
    let data = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("data"), data.path());
    let path = data.path().join("industries.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    for line in 3..6 {
        // A byte no encoding makes of text, on three lines.
        let at = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line)
            .unwrap()
            .0;
        bytes.insert(at, 0xFF);
    }
    std::fs::write(&path, bytes).unwrap();
    let (out, _dir) = bulletin_from(data.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: neither UTF-8 nor GB18030 text; save the file as UTF-8",
            path.display()
        )),
        "{err}"
    );
    assert_eq!(err.matches(&path.display().to_string()).count(), 1, "{err}");
}

/// A second review writing the same folder refuses; it never interleaves.
#[test]
fn a_locked_output_folder_is_refused() {
    let out_dir = tempfile::tempdir().unwrap();
    let folder = out_dir.path().join("2024-H1");
    std::fs::create_dir_all(&folder).unwrap();
    let held = std::fs::File::open(&folder).unwrap();
    held.try_lock().expect("the test takes the lock first");
    let out = review(&["--period", "H1", "--out", out_dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("another review is writing this folder"),
        "{}",
        stderr(&out)
    );
    assert!(!folder.join("review-2024-H1.pdf").exists());
    held.unlock().unwrap();
    let out = review(&["--period", "H1", "--out", out_dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A period whose last month has no data yet: refused with a hint, reported
/// with --allow-partial (the bulletin says which month is missing), and the
/// PDF still verifies.
#[test]
fn a_partial_period_with_allow_partial() {
    let original = std::fs::read_to_string(repo().join("data/industry_monthly.csv")).unwrap();
    let kept: Vec<&str> = original
        .lines()
        .filter(|l| !l.starts_with("2024-06"))
        .collect();
    let mut text = kept.join("\n");
    text.push('\n');
    let data = sample_with("industry_monthly.csv", &text);
    let out_dir = tempfile::tempdir().unwrap();
    let base = [
        "--period",
        "H1",
        "--year",
        "2024",
        "--data",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
    ];
    let refused = review(&base);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused)
            .contains("2024-H1 is incomplete: no rows for 2024-06 (run with --allow-partial"),
        "{}",
        stderr(&refused)
    );

    let out = review(&[&base[..], &["--allow-partial"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2024-H1 is partial (--allow-partial): no rows for 2024-06"),
        "{}",
        stderr(&out)
    );
    let pdf = out_dir.path().join("2024-H1/review-2024-H1.pdf");
    assert!(pdf_text(&pdf).contains("本期数据不完整：2024年6月尚无数据，各项指标按已有月份计算。"));
    let verified = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
}

/// A 10 MB field (a name pasted with its whole history) is read, not choked on.
#[test]
fn a_ten_megabyte_line_is_read() {
    let original = std::fs::read_to_string(repo().join("data/industry_monthly.csv")).unwrap();
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    fields[2] = "长".repeat(10 * 1024 * 1024 / 3);
    lines[1] = fields.join(",");
    let data = sample_with("industry_monthly.csv", &(lines.join("\n") + "\n"));
    let out_dir = tempfile::tempdir().unwrap();
    let out = build_from(data.path(), out_dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Every file of a folder with its bytes, temporary files excluded.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().ends_with(".tmp"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A full disk, simulated with a file size limit (RLIMIT_FSIZE, `ulimit -f`):
/// summary.json fits, the PDF does not. The write fails with exit 4 and the
/// folder keeps every file it had, byte for byte, and no temporary file.
#[cfg(unix)]
#[test]
fn a_write_that_fails_part_way_changes_nothing() {
    let out_dir = sample_bulletin();
    let dir = out_dir.path().join("2024-H1");
    let before = snapshot(&dir);
    let pdf_len = before["review-2024-H1.pdf"].len();
    let json_len = before["summary.json"].len();
    assert!(
        json_len < 190_000 && pdf_len > 220_000,
        "sizes {json_len} {pdf_len}"
    );
    // Other data, so that --force would replace the PDF.
    let data = sample_with("publication.toml", "[masthead]\nname = \"另一份报\"\n");
    let out = Command::new("sh")
        .arg("-c")
        // Ignore SIGXFSZ so that the write fails with EFBIG instead of killing us;
        // 400 blocks of 512 bytes.
        .arg("trap '' XFSZ; ulimit -f 400; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_review"))
        .args([
            "--period",
            "H1",
            "--force",
            "--data",
            data.path().to_str().unwrap(),
            "--out",
            out_dir.path().to_str().unwrap(),
        ])
        .current_dir(repo())
        .env("SOURCE_DATE_EPOCH", "1719792000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("review-2024-H1.pdf: File too large"),
        "{}",
        stderr(&out)
    );
    assert!(snapshot(&dir) == before, "the folder changed");
    assert_eq!(temporaries(&dir), Vec::<String>::new());
}

/// Runs killed at many points: every file in the folder is always one
/// run's complete file (the PDF the old or the new one, never a torn one),
/// and the next run removes what the killed ones left behind.
#[cfg(unix)]
#[test]
fn a_killed_run_leaves_whole_files_and_the_next_run_cleans_up() {
    let out_dir = sample_bulletin();
    let dir = out_dir.path().join("2024-H1");
    let a = snapshot(&dir);
    let data_b = sample_with("publication.toml", "[masthead]\nname = \"另一份报\"\n");
    let b_out = tempfile::tempdir().unwrap();
    let b = build_from(data_b.path(), b_out.path(), &[]);
    assert!(b.status.success(), "{}", stderr(&b));
    let b = snapshot(&b_out.path().join("2024-H1"));
    assert_ne!(a["review-2024-H1.pdf"], b["review-2024-H1.pdf"]);
    let data_a = repo().join("data");
    for (i, delay) in (0..12).map(|i| (i, std::time::Duration::from_millis(120 * i))) {
        // Alternate the data so that every run has something to replace.
        let data = if i % 2 == 0 {
            data_b.path()
        } else {
            data_a.as_path()
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_review"))
            .args(["--period", "H1", "--force", "--data"])
            .arg(data)
            .arg("--out")
            .arg(out_dir.path())
            .current_dir(repo())
            .env("SOURCE_DATE_EPOCH", "1719792000")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        for (name, bytes) in snapshot(&dir) {
            assert!(
                a.get(&name) == Some(&bytes) || b.get(&name) == Some(&bytes),
                "after a kill at {delay:?}, {name} is neither run's file"
            );
        }
    }
    let last = build_from(&data_a, out_dir.path(), &["--force"]);
    assert!(last.status.success(), "{}", stderr(&last));
    assert!(snapshot(&dir) == a, "the last run's files are all there");
    assert_eq!(temporaries(&dir), Vec::<String>::new());
}

/// `--summary-only` typesets nothing, so it needs no template folder: it
/// runs where there is none and writes the figures.
#[test]
fn summary_only_needs_no_templates() {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_review"))
        .args(["--period", "H1", "--summary-only"])
        .args(["--data", repo().join("data").to_str().unwrap()])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = elsewhere.path().join("out/2024-H1/summary.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("\n2024-H1,222400,total,enterprises,level,319,户\n"));
    assert!(
        !elsewhere
            .path()
            .join("out/2024-H1/review-2024-H1.pdf")
            .exists()
    );
}

/// `--png`: every page as a PNG beside the PDF, at `--png-dpi`, recorded in
/// the manifest; verify rebuilds the images and names one that changed or
/// went missing.
#[test]
fn png_pages_beside_the_pdf_and_verified() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&[
        "--period",
        "H1",
        "--png",
        "--png-dpi",
        "72",
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = out_dir.path().join("2024-H1");
    let image = folder.join("review-2024-H1-1.png");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(image.to_str().unwrap()),
        "the image's path is printed"
    );
    let (width, height, pixels) = common::png_rgb(&image);
    // A3 (297 × 420 mm) at 72 dpi.
    assert_eq!((width, height), (842, 1191));
    let ink = pixels
        .iter()
        .filter(|px| px.iter().all(|&c| c < 90))
        .count();
    assert!(
        ink > 842 * 1191 / 100,
        "the page image is nearly blank ({ink} dark pixels)"
    );
    assert!(
        !folder.join("review-2024-H1-2.png").exists(),
        "one page, one image"
    );
    let manifest = std::fs::read_to_string(folder.join("review-2024-H1.manifest.json")).unwrap();
    assert!(manifest.contains("\"png_dpi\": 72.0"), "{manifest}");

    let pdf = folder.join("review-2024-H1.pdf");
    let ok = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("its 1 page image(s) at 72 dpi"));

    let good = std::fs::read(&image).unwrap();
    std::fs::write(&image, [&good[..], b"x"].concat()).unwrap();
    let bad = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(5));
    assert!(
        stderr(&bad).contains("review-2024-H1-1.png differs"),
        "{}",
        stderr(&bad)
    );
    std::fs::remove_file(&image).unwrap();
    let gone = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(gone.status.code(), Some(5));
    assert!(
        stderr(&gone).contains("review-2024-H1-1.png is missing"),
        "{}",
        stderr(&gone)
    );

    let silly = review(&["--period", "H1", "--png", "--png-dpi", "5000"]);
    assert_eq!(silly.status.code(), Some(2));
    assert!(stderr(&silly).contains("36 to 600"), "{}", stderr(&silly));
}
