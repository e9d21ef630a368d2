//! The printed bulletin: what a publisher checks on the page. Both shipped
//! templates are rendered from the sample; the tests read the PDFs back
//! (pages, sizes, text, the text alternatives of the charts) and compare the
//! tables with summary.csv.

mod common;
use common::{build_from, gen_data, pdf_page_text, pdf_text, repo, review, sample_copy, stderr};

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
        "全州319户规模以上工业企业，实现产值339.3亿元，同比增长2.6%；实现增加值增长4.2%，增速比一季度",
        // the leading divisions, each with its own rate: one run of names
        // (有色金属矿采选业、电力、热力生产和供应业和专用设备制造业) hides
        // where a name holding 、 or 和 ends
        "其中，有色金属矿采选业产值增长1.1倍，电力、热力生产和供应业增长4.7%，专用设备制造业增长11.7%，合计拉动全州产值增长2.5个百分点。",
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
    // How value added moved against 一季度, in the lede and in each
    // county's paragraph, from summary.csv's two rates as printed.
    let tenths = |x: Option<f64>| (x.expect("a defined rate") * 10.0).round() as i64;
    let moved = |code: &str| {
        let now = tenths(figure(&sum, code, "value_added", "yoy_pct"));
        let then = tenths(figure(&sum, code, "value_added", "earlier_yoy_pct"));
        let d = (now - then).abs();
        let amount = format!("{}.{}个百分点", d / 10, d % 10);
        match (now.signum(), then.signum()) {
            _ if d == 0 => "增速与一季度持平".to_string(),
            (1, -1) => "增速由负转正".into(),
            (-1, 1) => "增速由正转负".into(),
            (-1, -1) if now > then => format!("降幅比一季度收窄{amount}"),
            (-1, -1) => format!("降幅比一季度扩大{amount}"),
            _ if now > then => format!("增速比一季度加快{amount}"),
            _ => format!("增速比一季度回落{amount}"),
        }
    };
    for code in ["222400", "222401", "222402", "222403", "222424"] {
        let clause = moved(code);
        assert!(
            text.contains(&clause),
            "{code}: {clause} missing from the page"
        );
    }
    // 分三大门类看 and the 装备制造业 group, with summary.csv's rates.
    let of_group = |group: &str| {
        sum.get(&(
            "222400".to_string(),
            group.to_string(),
            "value_added".to_string(),
            "yoy_pct".to_string(),
        ))
        .copied()
        .flatten()
        .unwrap_or_else(|| panic!("{group} not in summary.csv"))
    };
    let sections = format!(
        "分三大门类看，采矿业增加值增长{:.1}%，制造业增长{:.1}%，电力、热力、燃气及水生产和供应业增长{:.1}%。",
        of_group("section:B"),
        of_group("section:C"),
        of_group("section:D")
    );
    assert!(text.contains(&sections), "{sections} missing from the page");
    assert!(text.contains(&format!(
        "装备制造业增加值增长{:.1}%",
        of_group("group:equipment")
    )));
    assert!(
        text.contains(&format!(
            "其中：采矿业%—{}",
            printed(Some(of_group("section:B")))
        )),
        "the sections in the 主要指标 table"
    );
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
            // (The heading, then the unit as its paragraph's subject.)
            let whole = if name.ends_with('县') {
                "全县"
            } else {
                "全市"
            };
            text.find(&format!("{name}{whole}{n}户规模以上工业企业"))
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
            // Tables name divisions by the NBS short form (prose keeps the
            // full name): no cell of three lines.
            let short = [
                ("20", "木材加工"),
                ("39", "计算机通信电子"),
                ("44", "电力热力"),
            ];
            if let Some((_, short)) = short.iter().find(|(code, _)| *code == fields[0]) {
                assert!(
                    text.contains(&format!("{short}{row}")),
                    "{template}: division {short} not named short in {row}"
                );
            }
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

/// The sample reshaped into a larger prefecture: its enterprises spread
/// over 30 county-level units and 31 divisions, so that its tables run
/// longer than a small page.
fn thirty_units() -> tempfile::TempDir {
    const MORE: [(&str, &str); 15] = [
        ("17", "纺织业"),
        ("18", "纺织服装、服饰业"),
        ("19", "皮革、毛皮、羽毛及其制品和制鞋业"),
        ("21", "家具制造业"),
        ("23", "印刷和记录媒介复制业"),
        ("24", "文教、工美、体育和娱乐用品制造业"),
        ("25", "石油、煤炭及其他燃料加工业"),
        ("28", "化学纤维制造业"),
        ("29", "橡胶和塑料制品业"),
        ("31", "黑色金属冶炼和压延加工业"),
        ("33", "金属制品业"),
        ("36", "汽车制造业"),
        ("38", "电气机械和器材制造业"),
        ("40", "仪器仪表制造业"),
        ("41", "其他制造业"),
    ];
    let dir = sample_copy(false);
    let mut industries = std::fs::read_to_string(repo().join("data/industries.csv")).unwrap();
    for (code, name) in MORE {
        industries.push_str(&format!("{code},\"{name}\"\n"));
    }
    std::fs::write(dir.path().join("industries.csv"), industries).unwrap();
    let mut regions = std::fs::read_to_string(repo().join("data/regions.csv")).unwrap();
    for i in 0..22 {
        regions.push_str(&format!("2224{:02},新设{i}区,222400,新设{i}区\n", 50 + i));
    }
    std::fs::write(dir.path().join("regions.csv"), regions).unwrap();
    // Every other enterprise moves to one of the new divisions and units
    // (by its id, so it keeps them over the months).
    let rows = std::fs::read_to_string(repo().join("data/industry_monthly.csv")).unwrap();
    let moved: Vec<String> = rows
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut fields: Vec<&str> = line.split(',').collect();
            if i == 0 {
                return line.to_string();
            }
            let id: u64 = fields[1].bytes().fold(7, |h, b| h * 31 + u64::from(b)) % 1_000_003;
            let region = format!("2224{:02}", 50 + id / 2 % 22);
            if id.is_multiple_of(2) {
                fields[4] = MORE[(id / 2) as usize % MORE.len()].0;
                fields[3] = &region;
            }
            fields.join(",")
        })
        .collect();
    std::fs::write(
        dir.path().join("industry_monthly.csv"),
        moved.join("\n") + "\n",
    )
    .unwrap();
    dir
}

/// On A5 the brief's tables run over pages: the header repeats under a
/// 续表 line on the page where a table continues.
#[test]
fn continued_tables_say_xubiao_and_repeat_their_header() {
    let data = thirty_units();
    let (_out, pdf) = build(&[
        "--template",
        "brief",
        "--paper",
        "a5",
        "--data",
        data.path().to_str().unwrap(),
    ]);
    let sizes = pages(&pdf);
    assert!(sizes.iter().all(|&(w, h, _)| (w, h) == (420.0, 595.0)));
    let text = pdf_text(&pdf);
    // Whichever table breaks says so, and repeats its header.
    let continued = [
        ("续表分行业规模以上工业产值", "行业企业（户）产值（亿元）"),
        (
            "续表各县（市）规模以上工业主要指标",
            "地区企业（户）产值（亿元）",
        ),
    ];
    let (_, header) = continued
        .iter()
        .find(|(line, _)| text.contains(line))
        .unwrap_or_else(|| panic!("no 续表 line"));
    let headers = text.matches(header).count();
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
        monthly.contains("工业总产值：1月5.7%、2月6.2%、3月3.7%、4月3.2%、5月2.6%、6月2.6%。"),
        "{monthly}"
    );
    let regions = alts.iter().find(|a| a.starts_with("条形图：")).unwrap();
    assert!(regions.contains("全州为2.6%"), "{regions}");
    assert!(regions.contains("延吉市7.0%"), "{regions}");
}

/// A period of one month (M01, or M05: its 累计 is one point, 1—5月) has
/// one point a series: no line chart (a lone dot under its title), on the
/// broadsheet or in the brief, whose figures are numbered on from 图1; a
/// period of two months (1—2月) draws it.
#[test]
fn a_month_alone_draws_no_line_chart() {
    let out_dir = tempfile::tempdir().unwrap();
    let made = |period: &str, template: &str| {
        let out = review(&[
            "--period",
            period,
            "--template",
            template,
            "--out",
            out_dir.path().to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        out_dir
            .path()
            .join(format!("2024-{period}/{template}-2024-{period}.pdf"))
    };
    let line_alt = |pdf: &Path| {
        alt_texts(pdf)
            .into_iter()
            .find(|a| a.starts_with("折线图："))
    };
    for template in ["review", "brief"] {
        for month in ["M01", "M05"] {
            let one = made(month, template);
            assert_eq!(line_alt(&one), None, "{template} {month}");
            assert!(!pdf_text(&one).contains("规上工业累计增速"), "{template}");
            assert!(
                !pdf_text(&one).contains("规模以上工业累计增速"),
                "{template}"
            );
        }
        let two = made("M01-M02", template);
        assert!(
            line_alt(&two).is_some_and(|a| a.contains("工业总产值：1月")),
            "{template}"
        );
    }
    let brief = pdf_text(&out_dir.path().join("2024-M01/brief-2024-M01.pdf"));
    assert!(
        brief.contains("图1各县（市）规模以上工业产值增速"),
        "{brief}"
    );
    let brief = pdf_text(&out_dir.path().join("2024-M01-M02/brief-2024-M01-M02.pdf"));
    assert!(
        brief.contains("图2各县（市）规模以上工业产值增速"),
        "{brief}"
    );
}

/// A county's page with room under its columns draws each division's
/// output growth and pull as bar charts, and their text alternatives carry
/// every division's figure as summary.csv has it, rounded as printed.
#[test]
fn a_county_page_with_room_draws_its_divisions() {
    let data = tempfile::tempdir().unwrap();
    gen_data(
        data.path(),
        30_000,
        7,
        &["--counties", "3", "--divisions", "10"],
    );
    let out = tempfile::tempdir().unwrap();
    let run = build_from(data.path(), out.path(), &["--region", "222401"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let dir = out.path().join("2024-H1/222401");
    let pdf = dir.join("review-2024-H1-222401.pdf");
    let text = pdf_text(&pdf);
    for title in ["分行业规上工业产值增速", "分行业拉动产值增长（百分点）"]
    {
        assert!(text.contains(title), "no chart {title}");
    }
    // summary.csv's division figures, rounded to one decimal as printed.
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let expected = |measure: &str| {
        let mut values: Vec<String> = csv
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[2].starts_with("industry:") && f[3] == "output_value" && f[4] == measure)
            .map(|f| {
                format!(
                    "{:.1}",
                    (f[5].parse::<f64>().unwrap() * 10.0).round() / 10.0
                )
            })
            .map(|v| if v == "-0.0" { "0.0".into() } else { v })
            .collect();
        values.sort();
        values
    };
    // The numbers an alternative lists after its names (专用设备4.2%、…).
    let listed = |alt: &str| {
        let list = alt.rsplit('。').nth(1).unwrap();
        let mut values: Vec<String> = list
            .split('、')
            .map(|item| {
                let number: String = item
                    .trim_end_matches('%')
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
                    .collect();
                number.chars().rev().collect()
            })
            .collect();
        values.sort();
        values
    };
    let alts = alt_texts(&pdf);
    let growth = alts
        .iter()
        .find(|a| a.starts_with("条形图：上半年分行业规模以上工业产值增速（%）"))
        .unwrap_or_else(|| panic!("no division chart among {alts:?}"));
    let pull = alts
        .iter()
        .find(|a| a.starts_with("条形图：上半年分行业拉动"))
        .unwrap_or_else(|| panic!("no pull chart among {alts:?}"));
    assert_eq!(expected("yoy_pct").len(), 10);
    assert_eq!(listed(growth), expected("yoy_pct"), "{growth}");
    assert_eq!(listed(pull), expected("pull_pp"), "{pull}");
    // A year with no year before it has no growth to draw: no charts of
    // dashes, no empty monthly chart.
    let run = build_from(
        data.path(),
        out.path(),
        &["--year", "2022", "--region", "222401"],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let text = pdf_text(&out.path().join("2022-H1/222401/review-2022-H1-222401.pdf"));
    assert!(
        text.contains("无上年同期"),
        "not the year without a year before it"
    );
    assert!(
        !text.contains("分行业规上工业产值增速"),
        "a chart with no figures"
    );
    assert!(
        !text.contains("规上工业累计增速"),
        "a monthly chart with no figures"
    );
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
    // The units' chart and table are the band at the first page's foot on
    // A4 too (they were left out of every paper but a broadsheet).
    let first = pdf_page_text(&pdf, 1);
    for (what, wanted) in [
        ("the units' chart", "各县市规上工业产值增速"),
        ("the units' table", "各县市规模以上工业主要指标"),
        ("a unit's row", "珲春市"),
    ] {
        assert!(first.contains(wanted), "A4 page 1 lacks {what}:\n{first}");
    }

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

/// Exact ties print rounded half away from zero (四舍五入) everywhere: the
/// whole grows by exactly 2.25 % (800 → 818), 甲市 by 5.75 %, 乙市 falls by
/// exactly 1.25 %. Their doubles are no help: 18 / 800 × 100 is
/// 2.2499999999999996 in floating point, and `{:.1}` rounds 2.25 to even.
#[test]
fn exact_ties_print_rounded_half_away_from_zero() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "regions.csv",
        "region_code,name,parent_code\n100000,测试州,\n100001,甲市,100000\n100002,乙市,100000\n",
    );
    write("industries.csv", "industry_code,name\n13,农副食品加工业\n");
    write(
        "industry_monthly.csv",
        "month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added
2023-01,E1,一厂,100001,13,400,40
2023-01,E2,二厂,100002,13,400,40
2024-01,E1,一厂,100001,13,423,42.3
2024-01,E2,二厂,100002,13,395,39.5
",
    );
    write(
        "stories/2024-M01/01-ties.txt",
        "title: 一月工业开门红\n\n一月，全州规模以上工业产值{100000.output_value.yoy_pct|tongbi}，乙市{100002.output_value.yoy_pct|growth}。\n",
    );
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&[
        "--period",
        "M01",
        "--current-prices",
        "--data",
        dir.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = pdf_text(&out_dir.path().join("2024-M01/review-2024-M01.pdf"));
    for piece in [
        // the lede
        "同比增长2.3%；实现增加值增长2.3%",
        // the county paragraphs, against the whole's printed 2.3
        "同比增长5.8%，高于全州3.5个百分点",
        "同比下降1.3%，低于全州3.6个百分点",
        // the story's citations
        "全州规模以上工业产值同比增长2.3%，乙市下降1.3%。",
        // the tables: 主要指标 and the regions' row
        "工业总产值亿元0.12.3",
        "乙市10.0−1.3",
    ] {
        assert!(text.contains(piece), "{piece} missing from {text}");
    }
    assert!(!text.contains("2.2%") && !text.contains("1.2%"), "{text}");
}

/// A prefecture-level 市 calls itself 全市, in its prose, charts and notes,
/// and never 全州, and its 县级市 go by their names; a named period of
/// months prints as releases name it.
#[test]
fn a_city_prefecture_says_quan_shi_and_periods_keep_their_names() {
    let data = sample_copy(false);
    let regions = std::fs::read_to_string(data.path().join("regions.csv")).unwrap();
    let regions = regions.replace("延边朝鲜族自治州,,延边州", "示例市,,示例市");
    std::fs::write(data.path().join("regions.csv"), regions).unwrap();
    std::fs::remove_file(data.path().join("publication.toml")).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = review(&[
        "--period",
        "Q1-Q3",
        "--data",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = out_dir.path().join("2024-Q1-Q3");
    let pdf = folder.join("review-2024-Q1-Q3.pdf");
    let text = pdf_text(&pdf);
    assert!(!text.contains("全州"), "全州 in {text}");
    for piece in [
        "——前三季度示例市工业经济运行综述",
        "本报讯全市",
        "2024年全市规上工业累计增速",
        "全市数按各县（市）监测天数合计计算",
        "增速比上半年",
        "主要指标（1—9月）",
    ] {
        assert!(text.contains(piece), "{piece} missing from {text}");
    }
    // A 县 opens its section with 全县; a 县级市 by its name, since 全市
    // is the prefecture here (占全市的…).
    assert!(text.contains("汪清县全县"), "{text}");
    assert!(
        text.contains("延吉市延吉市") && !text.contains("延吉市全市"),
        "{text}"
    );
    let alts = alt_texts(&pdf);
    assert!(alts.iter().all(|a| !a.contains("全州")), "{alts:?}");
    let csv = std::fs::read_to_string(folder.join("summary.csv")).unwrap();
    assert!(
        csv.lines().nth(1).unwrap().starts_with("2024-Q1-Q3,"),
        "{csv}"
    );
}

/// publication.toml may set the headline, the 副题 and the word the
/// prefecture calls itself by; the headline otherwise follows the figures.
#[test]
fn publication_sets_headline_subtitle_and_whole() {
    let data = sample_copy(false);
    let path = data.path().join("publication.toml");
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push_str("headline = \"工业经济稳步回升\"\nsubtitle = \"——延边州上半年工业运行观察\"\nwhole = \"全区\"\n");
    std::fs::write(&path, toml).unwrap();
    let (_out, pdf) = build(&["--data", data.path().to_str().unwrap()]);
    let text = pdf_text(&pdf);
    for piece in [
        "工业经济稳步回升",
        "——延边州上半年工业运行观察",
        "全区319户规模以上工业企业",
        "2024年全区规上工业累计增速",
    ] {
        assert!(text.contains(piece), "{piece} missing from {text}");
    }
    assert!(!text.contains("稳中有进"));
}

/// A story's picture that is a symbolic link out of the data folder is
/// refused (the PDF would attach, and the preview show, a file of the
/// machine the editors never put there); a link inside it is fine.
#[cfg(unix)]
#[test]
fn a_picture_linked_out_of_the_data_folder_is_refused() {
    let data = sample_copy(true);
    let elsewhere = tempfile::tempdir().unwrap();
    let secret = elsewhere.path().join("secret.svg");
    std::fs::copy(data.path().join("stories/2024-H1/muer.svg"), &secret).unwrap();
    let picture = data.path().join("stories/2024-H1/muer.svg");
    std::fs::remove_file(&picture).unwrap();
    std::os::unix::fs::symlink(&secret, &picture).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let args = [
        "--period",
        "H1",
        "--data",
        data.path().to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
    ];
    let out = review(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains("02-wangqing-muer.txt:") && message.contains("outside the data folder"),
        "{message}"
    );
    assert!(!out_dir.path().join("2024-H1/review-2024-H1.pdf").exists());

    // The same picture kept inside the data folder, linked: fine.
    let inside = data.path().join("pictures");
    std::fs::create_dir(&inside).unwrap();
    std::fs::copy(&secret, inside.join("muer.svg")).unwrap();
    std::fs::remove_file(&picture).unwrap();
    std::os::unix::fs::symlink(inside.join("muer.svg"), &picture).unwrap();
    let out = review(&args);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A broadsheet whose text ends high on its page fills its foot with the
/// divisions' charts: gen-data's eight units without stories ended at 57 %
/// of the A3 page and now set both charts, every division's, under the
/// columns, and nothing is said. With too few divisions to draw (three),
/// the page still ends high and says so. On A4, and for the sample (its
/// stories fill the page), nothing is said.
#[test]
fn a_short_broadsheet_page_is_filled_or_reported() {
    const SHORT: &str = "warning: the page's text ends at";
    let data = tempfile::tempdir().unwrap();
    gen_data(data.path(), 30_000, 7, &[]);
    let out = tempfile::tempdir().unwrap();
    let run = build_from(data.path(), out.path(), &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!stderr(&run).contains(SHORT), "{}", stderr(&run));
    let pdf = out.path().join("2024-H1/review-2024-H1.pdf");
    let text = pdf_text(&pdf);
    for title in ["分行业规上工业产值增速", "分行业拉动产值增长（百分点）"]
    {
        assert!(text.contains(title), "{title} in {text}");
    }
    assert_eq!(pages(&pdf).len(), 1);

    let few = tempfile::tempdir().unwrap();
    gen_data(few.path(), 30_000, 7, &["--divisions", "3"]);
    let out = tempfile::tempdir().unwrap();
    let run = build_from(few.path(), out.path(), &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains(&format!("{SHORT} 53 % of its height")),
        "{}",
        stderr(&run)
    );
    for (data, extra) in [
        (few.path().to_path_buf(), &["--paper", "a4"][..]),
        (repo().join("data"), &[][..]),
    ] {
        let out = tempfile::tempdir().unwrap();
        let run = build_from(&data, out.path(), extra);
        assert!(run.status.success(), "{}", stderr(&run));
        assert!(!stderr(&run).contains(SHORT), "{}", stderr(&run));
    }
}
