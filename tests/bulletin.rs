//! The printed bulletin: what a publisher checks on the page. Both shipped
//! templates are rendered from the sample; the tests read the PDFs back
//! (pages, sizes, text, the text alternatives of the charts) and compare the
//! tables with summary.csv.

mod common;
use common::{pdf_text, repo, review, stderr};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Builds the sample's 2024 H1 bulletin with `extra` arguments; returns the
/// output folder and the PDF's path.
fn build(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let out_dir = tempfile::tempdir().unwrap();
    let args = [
        &["--period", "H1", "--out", out_dir.path().to_str().unwrap()][..],
        extra,
    ]
    .concat();
    let out = review(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    (out_dir, PathBuf::from(pdf))
}

/// Page sizes in points (media box) and whether each page has a TrimBox.
fn pages(path: &Path) -> Vec<(f64, f64, bool)> {
    let doc = hayro_syntax::Pdf::new(std::fs::read(path).unwrap()).unwrap();
    doc.pages()
        .iter()
        .map(|p| {
            let b = p.media_box();
            let trim = p
                .raw()
                .get::<hayro_syntax::object::Rect>(b"TrimBox".as_slice())
                .is_some();
            ((b.x1 - b.x0).round(), (b.y1 - b.y0).round(), trim)
        })
        .collect()
}

/// Every `/Alt` text of the PDF's structure tree (figure alternatives).
fn alt_texts(path: &Path) -> Vec<String> {
    use hayro_syntax::object::{Dict, Object};
    let doc = hayro_syntax::Pdf::new(std::fs::read(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for object in doc.objects() {
        let Object::Dict(dict) = object else { continue };
        let dict: Dict = dict;
        if let Some(s) = dict.get::<hayro_syntax::object::String>(b"Alt".as_slice()) {
            let bytes = s.as_bytes();
            let text = match bytes.strip_prefix(&[0xFE, 0xFF]) {
                Some(rest) => String::from_utf16_lossy(
                    &rest
                        .chunks(2)
                        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                        .collect::<Vec<_>>(),
                ),
                None => String::from_utf8_lossy(bytes).into_owned(),
            };
            out.push(text);
        }
    }
    out
}

/// summary.csv as (region, group, indicator, measure) → value.
fn summary(dir: &Path) -> HashMap<(String, String, String, String), Option<f64>> {
    let mut reader = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                (r[1].into(), r[2].into(), r[3].into(), r[4].into()),
                r[5].parse().ok(),
            )
        })
        .collect()
}

/// A figure as tables print it: one decimal, a true minus sign, — if none.
fn printed(x: Option<f64>) -> String {
    match x {
        None => "—".into(),
        Some(v) => {
            let s = format!("{v:.1}");
            match s.strip_prefix('-') {
                Some(rest) if rest != "0.0" => format!("−{rest}"),
                Some(_) => "0.0".into(),
                None => s,
            }
        }
    }
}

fn figure(
    sum: &HashMap<(String, String, String, String), Option<f64>>,
    region: &str,
    indicator: &str,
    measure: &str,
) -> Option<f64> {
    *sum.get(&(
        region.to_string(),
        "total".to_string(),
        indicator.to_string(),
        measure.to_string(),
    ))
    .unwrap_or_else(|| panic!("{region}.{indicator}.{measure} not in summary.csv"))
}

const A3: (f64, f64) = (842.0, 1191.0);
const A4: (f64, f64) = (595.0, 842.0);

#[test]
fn newspaper_review_is_one_a3_page_with_stories_charts_and_tables() {
    let (out, pdf) = build(&[]);
    assert_eq!(pages(&pdf), vec![(A3.0, A3.1, false)]);
    let sum = summary(&out.path().join("2024-H1"));
    let text = pdf_text(&pdf);
    for piece in [
        // masthead from data/publication.toml
        "延边经济观察",
        "2024年7月22日星期一",
        "总第1286期",
        // headline, 副题, byline, lede
        "稳中有进量增质升",
        "——上半年延边州工业经济运行综述",
        "本报记者李明哲王静",
        "全州319户规模以上工业企业，实现产值339.3亿元，同比增长2.6%；实现增加值增长4.2%。",
        // the editors' stories, with their cited figures worded from the summary
        "细胞产业实现“从无到有”",
        "小木耳撑起增收“钱袋子”",
        "让各族群众共享幸福生活",
        "“文旅融合”释放发展新动能",
        "蓝天白云成为城市“常客”",
        "市区空气质量优良天数比例达到98.4%，同比提高3.4个百分点。",
        "增速居全州第4位",
        // the photo's caption and credit
        "汪清县道光镇一处木耳基地（示意图）本报美术部制图",
        // section, charts, tables, notes
        "县市扫描",
        "2024年全州规上工业累计增速",
        "各县市规上工业产值增速",
        "各县市规模以上工业主要指标（1—6月）",
        "分行业规模以上工业产值（1—6月）",
        "附注",
        "指标解释：",
        "数据来源：",
    ] {
        assert!(text.contains(piece), "{piece} missing from the page");
    }
    // County sections in the order publication.toml gives: 延吉, 汪清, 珲春, 龙井, then the rest.
    let order = [
        ("222401", "延吉市"),
        ("222424", "汪清县"),
        ("222404", "珲春市"),
        ("222405", "龙井市"),
        ("222402", "图们市"),
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|(code, name)| {
            let n = figure(&sum, code, "enterprises", "level").unwrap();
            text.find(&format!("{name}{n}户规模以上工业企业"))
                .unwrap_or_else(|| panic!("no section for {name}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

/// Every figure of the 主要指标 table and of the regions table is
/// summary.csv's, rounded to one decimal; checked in both templates.
#[test]
fn table_figures_match_summary_csv() {
    for template in ["review", "brief"] {
        let (out, pdf) = build(&["--template", template]);
        let text = pdf_text(&pdf);
        let sum = summary(&out.path().join("2024-H1"));
        let p = "222400";
        let enterprises = figure(&sum, p, "enterprises", "level").unwrap();
        let rows = [
            format!("规模以上工业企业户{enterprises}—"),
            format!(
                "工业总产值亿元{}{}",
                printed(figure(&sum, p, "output_value", "level").map(|v| v / 1e4)),
                printed(figure(&sum, p, "output_value", "yoy_pct"))
            ),
            format!(
                "工业增加值（可比价）%—{}",
                printed(figure(&sum, p, "value_added", "yoy_pct"))
            ),
        ];
        for row in &rows {
            assert!(
                text.contains(row.as_str()),
                "{template}: 主要指标 row {row} missing"
            );
        }
        let regions = std::fs::read_to_string(repo().join("data/regions.csv")).unwrap();
        for line in regions.lines().skip(2) {
            let fields: Vec<&str> = line.split(',').collect();
            let (code, name) = (fields[0], fields[1]);
            let row = format!(
                "{name}{}{}{}{}{}{}",
                figure(&sum, code, "enterprises", "level").unwrap(),
                printed(figure(&sum, code, "output_value", "level").map(|v| v / 1e4)),
                printed(figure(&sum, code, "output_value", "yoy_pct")),
                printed(figure(&sum, code, "output_value", "share_pct")),
                printed(figure(&sum, code, "value_added", "yoy_pct")),
                figure(&sum, code, "output_value", "rank").unwrap(),
            );
            assert!(text.contains(&row), "{template}: regions row {row} missing");
        }
        // Divisions: 行业, 企业, 产值 (亿元), ±%, 占比, 拉动.
        let industries = std::fs::read_to_string(repo().join("data/industries.csv")).unwrap();
        let mut checked = 0;
        for line in industries.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            let key = |indicator: &str, measure: &str| {
                sum.get(&(
                    p.to_string(),
                    format!("industry:{}", fields[0]),
                    indicator.to_string(),
                    measure.to_string(),
                ))
                .copied()
            };
            let Some(enterprises) = key("enterprises", "level") else {
                continue; // a division without enterprises in scope has no row
            };
            let row = format!(
                "{}{}{}{}{}",
                enterprises.unwrap(),
                printed(key("output_value", "level").flatten().map(|v| v / 1e4)),
                printed(key("output_value", "yoy_pct").flatten()),
                printed(key("output_value", "share_pct").flatten()),
                printed(key("output_value", "pull_pp").flatten()),
            );
            assert!(
                text.contains(&row),
                "{template}: division {} row {row} missing",
                fields[1]
            );
            checked += 1;
        }
        assert!(
            checked >= 10,
            "{template}: only {checked} divisions checked"
        );
    }
}

#[test]
fn brief_is_an_a4_release_with_sections_and_page_numbers() {
    let (_out, pdf) = build(&["--template", "brief"]);
    let sizes = pages(&pdf);
    assert_eq!(sizes.len(), 3, "{sizes:?}");
    assert!(sizes.iter().all(|&(w, h, _)| (w, h) == A4));
    let text = pdf_text(&pdf);
    for piece in [
        "2024年上半年延边州规模以上工业经济运行情况",
        "一、主要指标",
        "二、工业生产",
        "三、分县（市）情况",
        "（一）延吉市",
        "（八）安图县",
        "四、其他指标",
        "—1—",
        "—2—",
        "—3—",
    ] {
        assert!(text.contains(piece), "{piece} missing from the brief");
    }
    // The 主要指标 table comes first.
    assert!(text.find("表1主要指标").unwrap() < text.find("二、工业生产").unwrap());
}

/// On A5 the brief's tables run over pages: the header repeats under a
/// 续表 line on the page where a table continues.
#[test]
fn continued_tables_say_xubiao_and_repeat_their_header() {
    let (_out, pdf) = build(&["--template", "brief", "--paper", "a5"]);
    let sizes = pages(&pdf);
    assert!(sizes.iter().all(|&(w, h, _)| (w, h) == (420.0, 595.0)));
    let text = pdf_text(&pdf);
    assert!(text.contains("续表分行业规模以上工业产值"), "no 续表 line");
    let headers = text.matches("行业企业（户）产值（亿元）").count();
    assert!(headers >= 2, "the header appears {headers} times");
}

#[test]
fn charts_carry_text_alternatives() {
    let (_out, pdf) = build(&[]);
    let alts = alt_texts(&pdf);
    let monthly = alts
        .iter()
        .find(|a| a.starts_with("折线图："))
        .unwrap_or_else(|| panic!("no chart alternative among {alts:?}"));
    assert!(
        monthly.contains("工业总产值：1月4.2%、2月4.8%、3月3.7%、4月3.2%、5月2.6%、6月2.6%。"),
        "{monthly}"
    );
    let regions = alts.iter().find(|a| a.starts_with("条形图：")).unwrap();
    assert!(regions.contains("全州为2.6%"), "{regions}");
    assert!(regions.contains("延吉市7.0%"), "{regions}");
}

/// --paper and --bleed: the page grows by the bleed, the PDF has a TrimBox,
/// and the manifest remembers both so that verify rebuilds the same bytes.
#[test]
fn paper_and_bleed_for_the_printer() {
    let (_out, pdf) = build(&["--paper", "a4"]);
    let sizes = pages(&pdf);
    assert!(
        sizes.iter().all(|&(w, h, trim)| (w, h) == A4 && !trim),
        "{sizes:?}"
    );

    let (out, pdf) = build(&["--bleed", "3"]);
    let bleed = 2.0 * 3.0 / 25.4 * 72.0;
    assert_eq!(
        pages(&pdf),
        vec![((A3.0 + bleed).round(), (A3.1 + bleed).round(), true)]
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join("2024-H1/review-2024-H1.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["bleed_mm"], 3.0);
    let ok = review(&["verify", pdf.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

/// The two templates write side by side into one period folder.
#[test]
fn both_templates_share_an_output_folder() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().to_str().unwrap();
    for template in ["review", "brief"] {
        let run = review(&["--period", "H1", "--out", out, "--template", template]);
        assert!(run.status.success(), "{}", stderr(&run));
    }
    let dir = out_dir.path().join("2024-H1");
    for file in [
        "review-2024-H1.pdf",
        "review-2024-H1.manifest.json",
        "brief-2024-H1.pdf",
        "brief-2024-H1.manifest.json",
        "summary.csv",
        "summary.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
}

/// Chinese line-breaking rules on the printed lines: no line starts with a
/// closing punctuation mark, and a number never parts from its unit
/// (339.3|亿元).
#[test]
fn lines_keep_numbers_with_units_and_punctuation_off_line_starts() {
    for template in ["review", "brief"] {
        let (_out, pdf) = build(&["--template", template]);
        let text = pdf_extract::extract_text_from_mem(&std::fs::read(&pdf).unwrap()).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert!(lines.len() > 100, "{template}: only {} lines", lines.len());
        for pair in lines.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(
                !b.starts_with(['，', '。', '、', '；', '：', '）', '”', '！', '？']),
                "{template}: a line starts with punctuation: …{a}⏎{b}"
            );
            let unit = ["亿元", "万人次", "个百分点", "户", "位"]
                .iter()
                .any(|u| b.starts_with(u));
            assert!(
                !(unit && a.ends_with(|c: char| c.is_ascii_digit())),
                "{template}: a number parts from its unit: …{a}⏎{b}"
            );
        }
    }
}
