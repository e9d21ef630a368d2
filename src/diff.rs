//! `review diff OLD NEW`: which published figures a revision changed (数据修订).
//!
//! Each side is a bulletin PDF made by review (its attached `summary.csv`,
//! `summary.json` and manifest) or a `summary.csv`. The figures are compared
//! row by row; for PDFs also every printed sentence and table cell (the
//! `text` of the attached `summary.json`) and the manifests (inputs, template,
//! fonts, prices). This stage only reads what the archive stage wrote.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::evidence::{self, Hashed, Manifest};
use crate::number::Rational;

/// One side of a comparison, as read.
pub struct Side {
    /// Where it was read from.
    pub path: PathBuf,
    /// `summary.csv`'s period column, such as `2024-H1`.
    pub period: String,
    /// The code of the bulletin's whole (the first row's region).
    pub whole: String,
    /// Figures by key `region,group,indicator,measure`: (value, unit).
    pub figures: BTreeMap<String, (Option<String>, String)>,
    /// Printed text by where it stands (`lede`, `regions/222401/text`, …),
    /// for a PDF.
    pub text: Option<BTreeMap<String, String>>,
    /// The manifest, for a PDF.
    pub manifest: Option<Manifest>,
    /// The PDF's document ID (trailer `/ID`), for a PDF.
    pub document_id: Option<String>,
    /// Names of the units a figure's key names (`222401` → 延吉市,
    /// `industry:27` → 医药制造业), for a PDF.
    pub names: BTreeMap<String, String>,
    /// The attached `summary.json`'s `text`, for a PDF (the notice reads
    /// its place and publisher).
    pub document: Option<serde_json::Value>,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// A figure that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureChange {
    /// `region,group,indicator,measure`.
    pub key: String,
    /// Unit of the figure.
    pub unit: String,
    /// Old and new values, unrounded (`None`: undefined or absent).
    pub old: Option<String>,
    /// See `old`.
    pub new: Option<String>,
    /// Old and new values as the bulletin prints them.
    pub old_printed: String,
    /// See `old_printed`.
    pub new_printed: String,
    /// new − old, when both are numbers.
    pub difference: Option<String>,
}

/// What differs between two sides.
pub struct Report {
    /// The old side.
    pub old: Side,
    /// The new side.
    pub new: Side,
    /// Figures that differ, in `summary.csv`'s key order.
    pub figures: Vec<FigureChange>,
    /// Printed text that differs: (where, old, new).
    pub text: Vec<(String, String, String)>,
    /// Manifest fields that differ: (what, old, new).
    pub manifest: Vec<(String, String, String)>,
}

impl Report {
    /// Nothing differs.
    pub fn is_empty(&self) -> bool {
        self.figures.is_empty() && self.text.is_empty() && self.manifest.is_empty()
    }

    /// The report as a person reads it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.is_empty() {
            let _ = writeln!(
                out,
                "no differences: {} and {} have the same {} figures{}",
                self.old.path.display(),
                self.new.path.display(),
                self.old.figures.len(),
                if self.old.text.is_some() && self.new.text.is_some() {
                    ", printed text and manifest"
                } else {
                    ""
                }
            );
            return out;
        }
        let _ = writeln!(
            out,
            "{} ({}) → {} ({})",
            self.old.path.display(),
            self.old.period,
            self.new.path.display(),
            self.new.period
        );
        if !self.figures.is_empty() {
            let _ = writeln!(out, "\nfigures that differ ({}):", self.figures.len());
            for f in &self.figures {
                let _ = writeln!(
                    out,
                    "  {}: {} → {} {}{} (printed {} → {})",
                    f.key,
                    f.old.as_deref().unwrap_or("—"),
                    f.new.as_deref().unwrap_or("—"),
                    f.unit,
                    f.difference
                        .as_ref()
                        .map(|d| format!(", difference {d}"))
                        .unwrap_or_default(),
                    f.old_printed,
                    f.new_printed,
                );
            }
        }
        if !self.text.is_empty() {
            let _ = writeln!(out, "\nprinted text that differs ({}):", self.text.len());
            for (at, old, new) in &self.text {
                let _ = writeln!(out, "  {at}:\n    − {old}\n    + {new}");
            }
        }
        if !self.manifest.is_empty() {
            let _ = writeln!(out, "\nmanifest ({}):", self.manifest.len());
            for (what, old, new) in &self.manifest {
                let _ = writeln!(out, "  {what}: {old} → {new}");
            }
        }
        out
    }

    /// The report as CSV: `kind,key,old,new,old_printed,new_printed,difference`.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut row = |fields: [&str; 7]| w.write_record(fields).expect("writing to memory");
        row([
            "kind",
            "key",
            "old",
            "new",
            "old_printed",
            "new_printed",
            "difference",
        ]);
        for f in &self.figures {
            row([
                "figure",
                &f.key,
                f.old.as_deref().unwrap_or(""),
                f.new.as_deref().unwrap_or(""),
                &f.old_printed,
                &f.new_printed,
                f.difference.as_deref().unwrap_or(""),
            ]);
        }
        for (at, old, new) in &self.text {
            row(["text", at, old, new, old, new, ""]);
        }
        for (what, old, new) in &self.manifest {
            row(["manifest", what, old, new, "", "", ""]);
        }
        w.into_inner().expect("writing to memory")
    }
}

/// Reads one side: a PDF made by review, or a `summary.csv`.
pub fn read(path: &Path) -> Result<Side> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| Error::Usage(format!("cannot read {shown}: {e}")))?;
    if !bytes.starts_with(b"%PDF") {
        let (period, whole, figures) = figures_of(&bytes, path)?;
        return Ok(Side {
            path: path.to_path_buf(),
            period,
            whole,
            figures,
            text: None,
            manifest: None,
            document_id: None,
            names: BTreeMap::new(),
            document: None,
            sha256: evidence::sha256(&bytes),
        });
    }
    let files =
        evidence::read_attachments(&bytes).map_err(|e| Error::Usage(format!("{shown}: {e}")))?;
    let get = |name: &str| {
        files.get(&format!("evidence/{name}")).ok_or_else(|| {
            Error::Usage(format!(
                "{shown} has no attached evidence/{name}: it was not made by review (or by a version before {name} was attached)"
            ))
        })
    };
    let (period, whole, figures) = figures_of(get("summary.csv")?, path)?;
    let manifest: Manifest = serde_json::from_slice(get(evidence::MANIFEST)?)
        .map_err(|e| Error::Usage(format!("{shown}: the manifest cannot be read: {e}")))?;
    let document = match get(evidence::SUMMARY_JSON) {
        Ok(json) => Some(
            serde_json::from_slice::<serde_json::Value>(json).map_err(|e| {
                Error::Usage(format!(
                    "{shown}: the attached summary.json cannot be read: {e}"
                ))
            })?,
        ),
        Err(_) => None,
    };
    let text = document.as_ref().map(|value| {
        let mut text = BTreeMap::new();
        flatten("", &value["text"], &mut text);
        text
    });
    Ok(Side {
        path: path.to_path_buf(),
        period,
        whole,
        figures,
        text,
        manifest: Some(manifest),
        document_id: document_id(&bytes),
        names: document.as_ref().map(unit_names).unwrap_or_default(),
        document: document.map(|d| d["text"].clone()),
        sha256: evidence::sha256(&bytes),
    })
}

/// The figures of a `summary.csv`, with its period and whole.
#[allow(clippy::type_complexity)]
fn figures_of(
    bytes: &[u8],
    path: &Path,
) -> Result<(String, String, BTreeMap<String, (Option<String>, String)>)> {
    let shown = path.display();
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|e| Error::Usage(format!("{shown}: {e}")))?
        .clone();
    if header.iter().collect::<Vec<_>>() != crate::summary::SUMMARY_CSV_HEADER {
        return Err(Error::Usage(format!(
            "{shown} is neither a bulletin PDF nor a summary.csv (its header is not {})",
            crate::summary::SUMMARY_CSV_HEADER.join(",")
        )));
    }
    let (mut period, mut whole) = (String::new(), String::new());
    let mut figures = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let r = record.map_err(|e| Error::Usage(format!("{shown}: {e}")))?;
        if i == 0 {
            period = r[0].to_string();
            whole = r[1].to_string();
        }
        let value = (!r[5].is_empty()).then(|| r[5].to_string());
        figures.insert(
            format!("{},{},{},{}", &r[1], &r[2], &r[3], &r[4]),
            (value, r[6].to_string()),
        );
    }
    Ok((period, whole, figures))
}

/// Every string of the bulletin's `text`, keyed by where it stands; list
/// items by their `code` or `name` (a region's paragraph is
/// `regions/222401/text`), table rows by their first cell.
fn flatten(at: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    use serde_json::Value;
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}/{key}")
        }
    };
    match value {
        Value::String(s) => {
            out.insert(at.to_string(), s.clone());
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let name = match item {
                    Value::Object(o) => o
                        .get("code")
                        .or_else(|| o.get("name"))
                        .or_else(|| o.get("title"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    Value::Array(cells) => {
                        cells.first().and_then(Value::as_str).map(str::to_string)
                    }
                    _ => None,
                };
                flatten(&join(&name.unwrap_or_else(|| i.to_string())), item, out);
            }
        }
        _ => {}
    }
}

/// The units of a bulletin's `summary.json` by the key `summary.csv` names
/// them with: region codes, `industry:<code>`, `section:<code>`,
/// `group:<key>`; the prefecture by its name in prose (延边州).
fn unit_names(document: &serde_json::Value) -> BTreeMap<String, String> {
    let summary = &document["summary"];
    let mut names = BTreeMap::new();
    let mut add = |key: String, name: Option<&str>| {
        if let Some(name) = name {
            names.insert(key, name.to_string());
        }
    };
    let code = |f: &serde_json::Value| f["code"].as_str().unwrap_or_default().to_string();
    add(
        code(&summary["prefecture"]),
        document["text"]["place"]
            .as_str()
            .or(summary["prefecture"]["name"].as_str()),
    );
    for (list, prefix) in [
        ("regions", ""),
        ("industries", "industry:"),
        ("sections", "section:"),
        ("groups", "group:"),
    ] {
        for unit in summary[list].as_array().into_iter().flatten() {
            add(format!("{prefix}{}", code(unit)), unit["name"].as_str());
        }
    }
    names
}

/// A figure's key as the notice's table names it: 延吉市工业总产值增速（%）.
fn label(key: &str, unit: &str, names: &BTreeMap<String, String>) -> String {
    let parts: Vec<&str> = key.split(',').collect();
    let [region, group, indicator, measure] = parts[..] else {
        return key.to_string();
    };
    let unit_of = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let place = if group == "total" {
        unit_of(region)
    } else {
        unit_of(group)
    };
    let indicator = match indicator {
        "enterprises" => "企业数",
        "output_value" => "工业总产值",
        "value_added" => "工业增加值",
        "sales_value" => "销售产值",
        "export_value" => "出口交货值",
        "sales_ratio" => "产品销售率",
        "air_good_days_ratio" => "空气质量优良天数比例",
        other => other,
    };
    let (kind, month) = measure.split_once(':').unwrap_or((measure, ""));
    let month = month.trim_start_matches('0');
    let measure = match kind {
        "level" => String::new(),
        "yoy_pct" => "增速".into(),
        "share_pct" => "占比".into(),
        "share_pp" => "占比变化".into(),
        "contrib_pct" => "贡献率".into(),
        "pull_pp" => "拉动".into(),
        "rank" => "位次".into(),
        "two_year_avg_pct" => "两年平均增速".into(),
        "yoy_pp" => "同比变化".into(),
        "earlier_yoy_pct" => "上期增速".into(),
        "month_level" => format!("（{month}月）"),
        "month_yoy_pct" => format!("{month}月增速"),
        "ytd_level" => format!("（1—{month}月）"),
        "ytd_yoy_pct" => format!("1—{month}月增速"),
        other => other.to_string(),
    };
    let unit = match unit {
        "万元" => "亿元",
        other => other,
    };
    format!("{place}{indicator}{measure}（{unit}）")
}

/// The trailer's `/ID` of a PDF, both parts, as written.
fn document_id(pdf: &[u8]) -> Option<String> {
    let at = pdf.windows(4).rposition(|w| w == b"/ID[")? + 4;
    let end = at + pdf[at..].iter().position(|&b| b == b']')?;
    let inner = String::from_utf8_lossy(&pdf[at..end]);
    let parts: Vec<&str> = inner
        .split(['(', ')', '<', '>'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A figure's number as the bulletin's tables print it
/// ([`crate::phrase::signed_figure`]).
fn printed_number(value: Option<&str>, unit: &str) -> String {
    let value = value
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(Rational::from_f64);
    crate::phrase::signed_figure(value, unit)
}

/// [`printed_number`] with its unit: 339.3亿元, 2.6%.
fn printed(value: Option<&str>, unit: &str) -> String {
    let number = printed_number(value, unit);
    match unit {
        _ if number == "—" => number,
        "万元" => format!("{number}亿元"),
        _ => format!("{number}{unit}"),
    }
}

/// Compares two sides; refuses sides of different periods or wholes.
pub fn compare(old: Side, new: Side) -> Result<Report> {
    if old.period != new.period || old.whole != new.whole {
        return Err(Error::Usage(format!(
            "{} is {} of {}, {} is {} of {}: a diff compares two versions of one bulletin",
            old.path.display(),
            old.period,
            old.whole,
            new.path.display(),
            new.period,
            new.whole
        )));
    }
    let mut figures = Vec::new();
    let keys: std::collections::BTreeSet<&String> =
        old.figures.keys().chain(new.figures.keys()).collect();
    for key in keys {
        let (a, b) = (old.figures.get(key), new.figures.get(key));
        let value = |s: Option<&(Option<String>, String)>| s.and_then(|(v, _)| v.clone());
        let (va, vb) = (value(a), value(b));
        if va == vb && a.is_some() == b.is_some() {
            continue;
        }
        let unit = a.or(b).map(|(_, u)| u.clone()).unwrap_or_default();
        let number = |v: &Option<String>| {
            v.as_deref()
                .and_then(|v| v.parse::<f64>().ok())
                .and_then(Rational::from_f64)
        };
        let difference = number(&va)
            .zip(number(&vb))
            .map(|(x, y)| (y - x).to_string());
        figures.push(FigureChange {
            key: key.clone(),
            old_printed: printed(va.as_deref(), &unit),
            new_printed: printed(vb.as_deref(), &unit),
            unit,
            old: va,
            new: vb,
            difference,
        });
    }
    let mut text = Vec::new();
    if let (Some(a), Some(b)) = (&old.text, &new.text) {
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for key in keys {
            let (x, y) = (a.get(key), b.get(key));
            if x != y {
                let show = |s: Option<&String>| s.cloned().unwrap_or_else(|| "（无）".into());
                text.push((key.clone(), show(x), show(y)));
            }
        }
    }
    let manifest = match (&old.manifest, &new.manifest) {
        (Some(a), Some(b)) => manifest_changes(a, b),
        _ => Vec::new(),
    };
    Ok(Report {
        old,
        new,
        figures,
        text,
        manifest,
    })
}

/// What differs between two manifests, but for the creation time.
fn manifest_changes(a: &Manifest, b: &Manifest) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut field = |what: &str, x: String, y: String| {
        if x != y {
            out.push((what.to_string(), x, y));
        }
    };
    field("version", a.version.clone(), b.version.clone());
    field("prices", a.prices.clone(), b.prices.clone());
    field("template", a.template.clone(), b.template.clone());
    field(
        "paper",
        a.paper.clone().unwrap_or_default(),
        b.paper.clone().unwrap_or_default(),
    );
    field("bleed_mm", a.bleed_mm.to_string(), b.bleed_mm.to_string());
    field(
        "allow_partial",
        a.allow_partial.to_string(),
        b.allow_partial.to_string(),
    );
    let files =
        |what: &str, x: &[Hashed], y: &[Hashed], out: &mut Vec<(String, String, String)>| {
            let show = |h: Option<&&Hashed>| {
                h.map_or("absent".to_string(), |h| match h.rows {
                    Some(rows) => format!("{rows} rows, SHA-256 {}", &h.sha256[..12]),
                    None => format!("SHA-256 {}", &h.sha256[..12]),
                })
            };
            let (x, y): (BTreeMap<_, _>, BTreeMap<_, _>) = (
                x.iter().map(|h| (h.path.as_str(), h)).collect(),
                y.iter().map(|h| (h.path.as_str(), h)).collect(),
            );
            let paths: std::collections::BTreeSet<&&str> = x.keys().chain(y.keys()).collect();
            for path in paths {
                let (p, q) = (x.get(*path), y.get(*path));
                if p.map(|h| (&h.sha256, h.rows)) != q.map(|h| (&h.sha256, h.rows)) {
                    out.push((format!("{what} {path}"), show(p), show(q)));
                }
            }
        };
    files("input", &a.inputs, &b.inputs, &mut out);
    files(
        "template file",
        &a.template_files,
        &b.template_files,
        &mut out,
    );
    files("font", &a.fonts, &b.fonts, &mut out);
    out
}

/// Writes the 更正说明 of `report` to `path` (PDF/A-3u, the diff attached as
/// CSV) with a bulletin's guarantees ([`crate::archive::archive_one`]); the
/// notice lists the figures whose printed value changed. Returns whether
/// an identical notice was already there.
pub fn write_notice(report: &Report, path: &Path, template: &Path, force: bool) -> Result<bool> {
    let (old, new) = (&report.old, &report.new);
    let (Some(om), Some(_)) = (&old.manifest, &new.manifest) else {
        return Err(Error::Usage(
            "--notice needs two bulletin PDFs (a summary.csv has no document ID or publisher)"
                .into(),
        ));
    };
    let text = |key: &str| {
        old.document
            .as_ref()
            .and_then(|d| d.pointer(key))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let place = text("/place");
    let publisher = text("/masthead/publisher");
    let period = om
        .period
        .parse::<crate::period::Period>()
        .map(|p| p.prose_label())
        .unwrap_or_else(|_| om.period.clone());
    let timestamp = crate::timestamp();
    let date = |secs: i64| {
        crate::render::civil_from_timestamp(secs)
            .ok_or_else(|| Error::Usage(format!("creation time {secs} is out of range")))
    };
    let (y, m, d, ..) = date(timestamp)?;
    let (oy, omo, od, ..) = date(om.created)?;
    let rows: Vec<[String; 3]> = report
        .figures
        .iter()
        .filter(|f| f.old_printed != f.new_printed)
        .map(|f| {
            [
                label(&f.key, &f.unit, &new.names),
                printed_number(f.old.as_deref(), &f.unit),
                printed_number(f.new.as_deref(), &f.unit),
            ]
        })
        .collect();
    let id = |s: &Side| s.document_id.clone().unwrap_or_else(|| "—".into());
    let lead = if rows.is_empty() {
        format!(
            "{oy}年{omo}月{od}日发布的{}年{period}{place}规模以上工业统计数据（以下简称原公报）已按修订后的企业报表重新计算，所发布的数字均无变化。",
            om.year,
        )
    } else {
        format!(
            "{oy}年{omo}月{od}日发布的{}年{period}{place}规模以上工业统计数据（以下简称原公报）中，以下{}项数据因企业报表修订而变动，现更正如下。",
            om.year,
            rows.len()
        )
    };
    let file_name = |s: &Side| {
        s.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let document = serde_json::json!({
        "notice": {
            "title": format!("{}年{period}{place}统计数据更正说明", om.year),
            "place": place,
            "period": old.period,
            "publisher": publisher,
            "date": format!("{y}年{m}月{d}日"),
            "lead": lead,
            "rows": rows,
            "paragraphs": ["更正后的数据以新版公报为准。未列出的数据，发布数字不变。"],
            "notes": [
                format!("原公报：{}，文档标识 {}，SHA-256 {}。", file_name(old), id(old), old.sha256),
                format!("新版公报：{}，文档标识 {}，SHA-256 {}。", file_name(new), id(new), new.sha256),
                format!(
                    "本说明逐项比较了两版公报所附的全部{}项指标，其中{}项未经修约的数值有变动；变动明细见所附 diff.csv。",
                    old.figures.len().max(new.figures.len()),
                    report.figures.len()
                ),
            ],
        },
        "attachments": [{
            "path": "/evidence/diff.csv",
            "description": "diff.csv: every figure, sentence and manifest entry the revision changed",
            "relationship": "data",
            "mime": "text/csv",
        }],
    });
    let typesetter = crate::render::Typesetter::new(
        crate::render::Template::open(template)?,
        crate::render::Fonts::shared(None)?,
        &[],
    );
    let pdf = typesetter.render(&crate::render::Job {
        data: serde_json::to_vec_pretty(&document).expect("the notice serialises"),
        files: [("/evidence/diff.csv".to_string(), report.to_csv())]
            .into_iter()
            .collect(),
        timestamp,
        ident: format!("review/notice/{}/{}/{}", old.whole, old.period, new.sha256),
    })?;
    crate::archive::archive_one(path, &pdf, force)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_as_the_bulletin_prints() {
        assert_eq!(printed(Some("3393000"), "万元"), "339.3亿元");
        assert_eq!(printed(Some("2.25"), "%"), "2.3%");
        assert_eq!(printed(Some("319"), "户"), "319户");
        assert_eq!(printed(Some("-1.25"), "百分点"), "−1.3百分点");
        assert_eq!(printed(None, "%"), "—");
    }

    #[test]
    fn text_is_keyed_by_where_it_stands() {
        let value = serde_json::json!({
            "lede": "全州…",
            "regions": [{"code": "222401", "name": "延吉市", "text": "98户…"}],
            "region_table": [["延吉市", "98", "131.4"]],
            "notes": ["统计范围：…"],
        });
        let mut out = BTreeMap::new();
        flatten("", &value, &mut out);
        assert_eq!(out["lede"], "全州…");
        assert_eq!(out["regions/222401/text"], "98户…");
        assert_eq!(out["region_table/延吉市/2"], "131.4");
        assert_eq!(out["notes/0"], "统计范围：…");
    }

    #[test]
    fn document_ids_from_the_trailer() {
        let pdf = b"%PDF-1.7\n...trailer\n<</Size 3/ID[(abc==)(def==)]>>\n%%EOF";
        assert_eq!(document_id(pdf).as_deref(), Some("abc== def=="));
    }
}
