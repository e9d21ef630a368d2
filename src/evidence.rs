//! Archive evidence: what a bulletin's PDF carries so that anyone can prove
//! what its figures were based on.
//!
//! Before rendering, this module gathers the input rows the bulletin used
//! (for every data file read: the rows of the period, of its comparison
//! period and, for the enterprise file, of two years back; the reference
//! tables whole), `summary.csv`, and a `manifest.json` naming the tool, the
//! template and font files with their SHA-256, each attached input with the
//! SHA-256 of its attached bytes, the period and the creation timestamp.
//! The template attaches them with `pdf.attach` (PDF/A-3 associated files);
//! `review verify` reads them back and rebuilds the PDF from them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::aggregate::Prices;
use crate::error::{DataError, Error, Result};
use crate::load::{self, Dataset};
use crate::period::Period;

/// Folder under which the template finds the attachments, and the prefix of
/// their names inside the PDF.
pub const EVIDENCE_DIR: &str = "/evidence";
/// Name of the manifest attachment (without [`EVIDENCE_DIR`]).
pub const MANIFEST: &str = "manifest.json";

/// One file to attach.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    /// Path the template passes to `pdf.attach`, such as
    /// `/evidence/data/industry_monthly.csv`.
    pub path: String,
    /// What it is, for the PDF's file list.
    pub description: String,
    /// PDF/A-3 AFRelationship: `source` for inputs, `data` for derived data.
    pub relationship: &'static str,
    /// MIME type.
    pub mime: &'static str,
    /// The bytes (not serialised: the template reads them by path).
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A file with its SHA-256, as listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashed {
    /// Path relative to its folder (template folder, font set, data folder).
    pub path: String,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Data rows, for attached inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// `manifest.json`: everything needed to rebuild the PDF and check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `review`.
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// Period key, such as `H1`.
    pub period: String,
    /// The period's year.
    pub year: i32,
    /// `comparable` or `current`.
    pub prices: String,
    /// Creation time, seconds since 1970 UTC (`SOURCE_DATE_EPOCH`).
    pub created: i64,
    /// The template's main file name (`review.typ`); never a path, which
    /// would differ between machines.
    pub template: String,
    /// Every file in the template's folder.
    pub template_files: Vec<Hashed>,
    /// The embedded fonts (and any from `--font-path`).
    pub fonts: Vec<Hashed>,
    /// Attached input files: name in the data folder, SHA-256 of the
    /// attached rows.
    pub inputs: Vec<Hashed>,
    /// SHA-256 of the attached `summary.csv`.
    pub summary_csv_sha256: String,
    /// Made with `--allow-partial` from a period that lacked months.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_partial: bool,
    /// `--paper`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<String>,
    /// `--bleed`, in millimetres.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bleed_mm: f64,
    /// The county-level unit of a unit's own bulletin (`--region`); absent
    /// for the prefecture's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The pages were also written as PNG at this resolution (`--png`),
    /// as `<stem>-<page>.png` beside the PDF; verify rebuilds them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub png_dpi: Option<f32>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// What [`gather`] needs.
pub struct Request<'a> {
    /// The validated data.
    pub data: &'a Dataset,
    /// Period and year.
    pub period: Period,
    /// The period's year.
    pub year: i32,
    /// How value added was valued.
    pub prices: Prices,
    /// `summary.csv`'s bytes.
    pub summary_csv: &'a [u8],
    /// The template's main file.
    pub template: &'a Path,
    /// Every file of the template's folder, hashed, with its bytes
    /// ([`read_folder`]): attached, so the PDF alone can be rebuilt.
    pub template_files: &'a [(Hashed, Vec<u8>)],
    /// The font files, hashed ([`hash_files`]).
    pub fonts: &'a [Hashed],
    /// The selected input rows ([`inputs`]), the same for every bulletin of
    /// a run.
    pub inputs: &'a Inputs,
    /// Creation time.
    pub timestamp: i64,
    /// The period lacked months and the run went on (`--allow-partial`).
    pub allow_partial: bool,
    /// The editors' stories (their files and pictures are attached).
    pub stories: &'a [load::Story],
    /// `--paper`.
    pub paper: Option<String>,
    /// `--bleed` in millimetres.
    pub bleed_mm: f64,
    /// The unit of a unit's own bulletin.
    pub region: Option<String>,
    /// `--png-dpi` when the pages are written as PNG too.
    pub png_dpi: Option<f32>,
}

/// The attachments of one bulletin, the manifest last.
pub struct Evidence {
    /// Files to attach, in a stable order.
    pub attachments: Vec<Attachment>,
    /// The manifest, also attached as JSON.
    pub manifest: Manifest,
}

/// Name of the attached `summary.json` (without [`EVIDENCE_DIR`]): the
/// figures and every sentence and table cell as printed, so that `review
/// diff` can name the printed text a revision changed.
pub const SUMMARY_JSON: &str = "summary.json";

impl Evidence {
    /// Gives the attached `summary.json` its bytes: the document the
    /// template reads, which lists the attachments (this one among them) and
    /// so can only be written once they are gathered.
    pub fn set_summary_json(&mut self, json: &[u8]) {
        let path = format!("{EVIDENCE_DIR}/{SUMMARY_JSON}");
        if let Some(a) = self.attachments.iter_mut().find(|a| a.path == path) {
            a.bytes = json.to_vec();
        }
    }
}

/// A story file's path within the data folder (and, under
/// `{EVIDENCE_DIR}/data/`, within the PDF): `stories/2024-H1/<name>`.
fn story_path(year: i32, period: Period, name: &str) -> String {
    format!("{}/{year}-{}/{name}", load::STORIES_DIR, period.key())
}

/// The folder under which the template finds the stories' pictures: their
/// attachments, so the picture printed is the picture archived.
pub fn pictures_dir(year: i32, period: Period) -> String {
    format!(
        "{EVIDENCE_DIR}/data/{}",
        story_path(year, period, "").trim_end_matches('/')
    )
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Folder under [`EVIDENCE_DIR`] holding the template folder's files.
pub const TEMPLATE_DIR: &str = "template";

/// Every regular file under `dir`, relative paths with `/`, sorted, hashed.
pub fn hash_folder(dir: &Path) -> Result<Vec<Hashed>> {
    Ok(read_folder(dir)?.into_iter().map(|(h, _)| h).collect())
}

/// [`hash_folder`], with each file's bytes.
pub fn read_folder(dir: &Path) -> Result<Vec<(Hashed, Vec<u8>)>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(Hashed, Vec<u8>)>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if path.is_file() {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let bytes = std::fs::read(&path)?;
                let hashed = Hashed {
                    path: rel.join("/"),
                    sha256: sha256(&bytes),
                    rows: None,
                };
                out.push((hashed, bytes));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out).map_err(|e| {
        Error::Usage(format!(
            "cannot read template folder {}: {e}",
            dir.display()
        ))
    })?;
    out.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    Ok(out)
}

/// An input file and, for the files with a month, the column holding
/// `YYYY-MM[…]` and the months to keep; `None` keeps every row.
type Selection<'a> = (&'static str, Option<(&'static str, &'a BTreeSet<String>)>);

/// The input rows a period's bulletins are computed from, selected from the
/// data files and hashed: read once per run and attached to every bulletin.
#[derive(Default)]
pub struct Inputs {
    attachments: Vec<Attachment>,
    hashed: Vec<Hashed>,
}

/// Selects the input rows of `period` in `year`: for the enterprise rows
/// and the price index, January to the period's last month of the year and
/// of the year before (累计 and the earlier period are computed from
/// January), and the enterprise rows of the period two years back; for
/// the other files the period and its comparison period; reference tables
/// whole.
pub fn inputs(data: &Dataset, period: Period, year: i32, prices: Prices) -> Result<Inputs> {
    let months = |year: i32| -> BTreeSet<String> { period.months(year).into_iter().collect() };
    let period_and_base: BTreeSet<String> =
        months(year).into_iter().chain(months(year - 1)).collect();
    let (_, last) = period.month_range();
    let to_date = |year: i32| Period::cumulative_to(last).months(year);
    let from_january: BTreeSet<String> =
        to_date(year).into_iter().chain(to_date(year - 1)).collect();
    let with_two_years: BTreeSet<String> = from_january
        .iter()
        .cloned()
        .chain(months(year - 2))
        .collect();

    let mut files: Vec<Selection<'_>> = vec![
        (load::REGIONS_FILE, None),
        (load::INDUSTRIES_FILE, None),
        (load::INDUSTRY_FILE, Some(("month", &with_two_years))),
    ];
    if data.groups_file.is_some() {
        files.push((load::INDUSTRY_GROUPS_FILE, None));
    }
    if data.price_index_file.is_some() && prices == Prices::Comparable {
        files.push((load::PRICE_INDEX_FILE, Some(("month", &from_january))));
    }
    if data.air_quality_file.is_some() {
        files.push((load::AIR_QUALITY_FILE, Some(("date", &period_and_base))));
    }
    if data.indicators_file.is_some() {
        files.push((load::CATALOG_FILE, None));
        files.push((load::INDICATORS_FILE, Some(("month", &period_and_base))));
    }

    let mut attachments = Vec::new();
    let mut hashed = Vec::new();
    for (name, filter) in files {
        let parquet = name == load::INDUSTRY_FILE
            && data
                .industry_file
                .extension()
                .is_some_and(|e| e == "parquet");
        let (bytes, rows) = if parquet {
            // Attached as CSV, the contract's format, so that verify and any
            // reader can use the rows without a Parquet library.
            parquet_rows(data, &with_two_years)?
        } else {
            select_rows(data, name, filter)?
        };
        hashed.push(Hashed {
            path: name.to_string(),
            sha256: sha256(&bytes),
            rows: Some(rows),
        });
        attachments.push(Attachment {
            path: format!("{EVIDENCE_DIR}/data/{name}"),
            description: format!("{name}: the {rows} input rows this bulletin was computed from"),
            relationship: "source",
            mime: "text/csv",
            bytes,
        });
    }
    Ok(Inputs {
        attachments,
        hashed,
    })
}

/// Files hashed for the manifest: (name, bytes, SHA-256 if known) → name
/// and SHA-256.
pub fn hash_files(files: &[(String, &[u8], Option<&str>)]) -> Vec<Hashed> {
    files
        .iter()
        .map(|(name, bytes, known)| Hashed {
            path: name.clone(),
            sha256: known.map_or_else(|| sha256(bytes), str::to_string),
            rows: None,
        })
        .collect()
}

/// Gathers the attachments and the manifest.
pub fn gather(req: &Request<'_>) -> Result<Evidence> {
    let data = req.data;
    let mut attachments = req.inputs.attachments.clone();
    let mut hashed = req.inputs.hashed.clone();
    // What the editors wrote, with the bytes the bulletin was made from (not
    // read again: the file may have changed since): publication.toml, the
    // stories and their pictures.
    let mut texts: Vec<(String, &[u8], &'static str)> = Vec::new();
    if let Some(source) = &data.publication_source {
        texts.push((
            load::PUBLICATION_FILE.into(),
            source.as_bytes(),
            "application/toml",
        ));
    }
    for story in req.stories {
        let name = story
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        texts.push((
            story_path(req.year, req.period, &name),
            story.source.as_bytes(),
            "text/plain",
        ));
        if let Some(picture) = &story.image {
            let mime = load::IMAGE_TYPES
                .iter()
                .find(|(ext, _)| picture.name.to_lowercase().ends_with(&format!(".{ext}")))
                .map_or("application/octet-stream", |(_, m)| m);
            texts.push((
                story_path(req.year, req.period, &picture.name),
                &picture.bytes,
                mime,
            ));
        }
    }
    texts.dedup_by(|a, b| a.0 == b.0);
    for (name, bytes, mime) in texts {
        hashed.push(Hashed {
            path: name.clone(),
            sha256: sha256(bytes),
            rows: None,
        });
        attachments.push(Attachment {
            path: format!("{EVIDENCE_DIR}/data/{name}"),
            description: format!("{name}: written by the editors, as printed in this bulletin"),
            relationship: "source",
            mime,
            bytes: bytes.to_vec(),
        });
    }
    // The template folder, so that `verify` needs nothing but the PDF.
    for (file, bytes) in req.template_files {
        let mime = match file.path.rsplit('.').next() {
            Some("typ" | "txt" | "csv" | "md") => "text/plain",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            _ => "application/octet-stream",
        };
        attachments.push(Attachment {
            path: format!("{EVIDENCE_DIR}/{TEMPLATE_DIR}/{}", file.path),
            description: format!(
                "{}: the template folder's file this bulletin was typeset with",
                file.path
            ),
            relationship: "source",
            mime,
            bytes: bytes.clone(),
        });
    }
    attachments.push(Attachment {
        path: format!("{EVIDENCE_DIR}/summary.csv"),
        description: "summary.csv: every figure of the bulletin, unrounded".into(),
        relationship: "data",
        mime: "text/csv",
        bytes: req.summary_csv.to_vec(),
    });
    // Its bytes come once the document is serialised (set_summary_json).
    attachments.push(Attachment {
        path: format!("{EVIDENCE_DIR}/{SUMMARY_JSON}"),
        description: "summary.json: the figures and the bulletin's text as printed".into(),
        relationship: "data",
        mime: "application/json",
        bytes: Vec::new(),
    });
    let manifest = Manifest {
        tool: "review".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        period: req.period.key(),
        year: req.year,
        prices: match req.prices {
            Prices::Comparable => "comparable".into(),
            Prices::Current => "current".into(),
        },
        created: req.timestamp,
        template: req
            .template
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        template_files: req.template_files.iter().map(|(h, _)| h.clone()).collect(),
        fonts: req.fonts.to_vec(),
        inputs: hashed,
        summary_csv_sha256: sha256(req.summary_csv),
        allow_partial: req.allow_partial,
        paper: req.paper.clone(),
        bleed_mm: req.bleed_mm,
        region: req.region.clone(),
        png_dpi: req.png_dpi,
    };
    attachments.push(Attachment {
        path: format!("{EVIDENCE_DIR}/{MANIFEST}"),
        description:
            "manifest.json: tool, template, fonts, inputs and their SHA-256, period, creation time"
                .into(),
        relationship: "data",
        mime: "application/json",
        bytes: manifest_bytes(&manifest),
    });
    Ok(Evidence {
        attachments,
        manifest,
    })
}

/// The manifest as attached and written: pretty JSON with a final newline.
pub fn manifest_bytes(manifest: &Manifest) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("the manifest serialises");
    bytes.push(b'\n');
    bytes
}

/// The header and the rows of the data folder's CSV file `name` whose
/// `column` starts with one of the months (all rows without a filter),
/// re-written as plain CSV: UTF-8, whatever encoding the load read the file
/// in. The text is the one load read ([`Dataset::texts`]) but for a UTF-8
/// enterprise file, which load streams and this reads again.
fn select_rows(
    data: &Dataset,
    name: &str,
    filter: Option<(&str, &BTreeSet<String>)>,
) -> Result<(Vec<u8>, u64)> {
    let path = data.dir.join(name);
    let fail = |e: &dyn std::fmt::Display| {
        Error::from(DataError::file(
            &path,
            format!("cannot read again for the archive: {e}"),
        ))
    };
    let read;
    let bytes: &[u8] = match data.texts.get(name) {
        Some(text) => text,
        None => {
            read = load::read_text(&path, data.encoding).map_err(|e| fail(&e))?;
            &read
        }
    };
    match select_lines(bytes, filter) {
        Some(selected) => Ok(selected),
        None => select_records(bytes, filter).map_err(|e| fail(&e)),
    }
}

/// [`select_rows`] with the `csv` reader and writer: any file.
fn select_records(
    bytes: &[u8],
    filter: Option<(&str, &BTreeSet<String>)>,
) -> std::result::Result<(Vec<u8>, u64), csv::Error> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers()?.clone();
    let index = filter.map(|(column, months)| {
        (
            header.iter().position(|h| load::names_column(h, column)),
            months,
        )
    });
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    let mut rows = 0;
    for record in reader.records() {
        let record = record?;
        let keep = match &index {
            None => true,
            Some((Some(i), months)) => record
                .get(*i)
                .and_then(|v| v.trim().get(..7))
                .is_some_and(|m| months.contains(m)),
            Some((None, _)) => false,
        };
        if keep {
            writer.write_record(&record)?;
            rows += 1;
        }
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok((bytes, rows))
}

/// [`select_rows`] for UTF-8 without quotes or lone carriage returns
/// (nearly every file): there a record is a line and a field what lies
/// between commas, so the kept lines are copied as they are, less a `\r`
/// before the `\n`, which is byte for byte what the `csv` writer makes of
/// them. `None` for any other file, which the `csv` reader reads.
fn select_lines(bytes: &[u8], filter: Option<(&str, &BTreeSet<String>)>) -> Option<(Vec<u8>, u64)> {
    if memchr::memchr(b'"', bytes).is_some()
        || memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
        || simdutf8::basic::from_utf8(bytes).is_err()
    {
        return None;
    }
    // The `csv` reader drops a byte order mark and skips empty lines.
    let mut lines = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(bytes)
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty());
    let header = lines.next()?;
    fn field(line: &[u8], i: usize) -> Option<&str> {
        line.split(|&b| b == b',')
            .nth(i)
            .and_then(|f| std::str::from_utf8(f).ok())
            .map(str::trim)
    }
    let column = filter.map(|(column, months)| {
        let at = header
            .split(|&b| b == b',')
            .position(|h| std::str::from_utf8(h).is_ok_and(|h| load::names_column(h, column)));
        (at, months)
    });
    let mut out = Vec::with_capacity(bytes.len());
    let mut rows = 0;
    out.extend_from_slice(header);
    out.push(b'\n');
    for line in lines {
        let keep = match &column {
            None => true,
            Some((Some(i), months)) => field(line, *i)
                .and_then(|v| v.get(..7))
                .is_some_and(|m| months.contains(m)),
            Some((None, _)) => false,
        };
        if keep {
            out.extend_from_slice(line);
            out.push(b'\n');
            rows += 1;
        }
    }
    Some((out, rows))
}

/// The enterprise rows of `months` from `industry_monthly.parquet`, as CSV
/// with the contract's columns; numbers in Rust's shortest form, which
/// reads back as the same value.
fn parquet_rows(data: &Dataset, months: &BTreeSet<String>) -> Result<(Vec<u8>, u64)> {
    use polars::prelude::*;
    let path = &data.industry_file;
    let fail = |e: PolarsError| {
        Error::from(DataError::file(
            path,
            format!("cannot read again for the archive: {e}"),
        ))
    };
    let mut columns: Vec<&str> = load::INDUSTRY_COLUMNS.to_vec();
    columns.extend(data.optional_flows.iter().copied());
    let wanted: Vec<String> = months.iter().cloned().collect();
    let df = load::scan_parquet(path)
        .map_err(fail)?
        .filter(col("month").is_in(lit(Series::new("".into(), wanted)).implode(false), false))
        .select(columns.iter().map(|c| col(*c)).collect::<Vec<_>>())
        .collect_with_engine(Engine::Streaming)
        .map(|result| result.unwrap_single())
        .map_err(fail)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(&columns)
        .map_err(|e| Error::from(DataError::file(path, e.to_string())))?;
    let cells: Vec<Vec<String>> = columns
        .iter()
        .map(|c| {
            let column = df.column(c).map_err(fail)?;
            let values: Vec<String> = if column.dtype().is_primitive_numeric() {
                column
                    .cast(&DataType::Float64)
                    .map_err(fail)?
                    .f64()
                    .map_err(fail)?
                    .iter()
                    .map(|v| v.map(|x| x.to_string()).unwrap_or_default())
                    .collect()
            } else {
                column
                    .str()
                    .map_err(fail)?
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect()
            };
            Ok(values)
        })
        .collect::<Result<_>>()?;
    for row in 0..df.height() {
        writer
            .write_record(cells.iter().map(|c| c[row].as_str()))
            .map_err(|e| Error::from(DataError::file(path, e.to_string())))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::from(DataError::file(path, e.to_string())))?;
    Ok((bytes, df.height() as u64))
}

/// The files attached to a PDF: name (as stored, such as
/// `evidence/manifest.json`) → bytes.
pub fn read_attachments(pdf: &[u8]) -> std::result::Result<BTreeMap<String, Vec<u8>>, String> {
    use hayro_syntax::object::{Dict, Object, Stream};
    let doc =
        hayro_syntax::Pdf::new(pdf.to_vec()).map_err(|e| format!("not a readable PDF ({e:?})"))?;
    let mut files = BTreeMap::new();
    for object in doc.objects() {
        let Object::Dict(dict) = object else { continue };
        let is_filespec = dict
            .get::<hayro_syntax::object::Name>(b"Type".as_slice())
            .is_some_and(|n| n.as_ref() == b"Filespec");
        if !is_filespec {
            continue;
        }
        let name = dict
            .get::<hayro_syntax::object::String>(b"UF".as_slice())
            .or_else(|| dict.get::<hayro_syntax::object::String>(b"F".as_slice()))
            .map(|s| decode_pdf_string(s.as_bytes()));
        let stream = dict
            .get::<Dict>(b"EF".as_slice())
            .and_then(|ef| ef.get::<Stream>(b"F".as_slice()));
        if let (Some(name), Some(stream)) = (name, stream) {
            let bytes = stream
                .decoded()
                .map_err(|e| format!("attachment {name} cannot be decoded ({e:?})"))?;
            files.insert(name, bytes.to_vec());
        }
    }
    Ok(files)
}

/// PDF text strings are UTF-16BE with a BOM, or PDFDocEncoding (ASCII here).
fn decode_pdf_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The small files are attached as load read them: changed on disk
    /// after the load, they are attached unchanged; the enterprise file,
    /// which load streams, is read again.
    #[test]
    fn small_files_are_attached_as_load_read_them() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let dir = tempfile::tempdir().unwrap();
        for name in [
            load::REGIONS_FILE,
            load::INDUSTRIES_FILE,
            load::INDUSTRY_FILE,
        ] {
            std::fs::copy(sample.join(name), dir.path().join(name)).unwrap();
        }
        let data = load::load(dir.path()).unwrap();
        let regions = std::fs::read(dir.path().join(load::REGIONS_FILE)).unwrap();
        assert_eq!(
            data.texts.keys().copied().collect::<Vec<_>>(),
            [load::INDUSTRIES_FILE, load::REGIONS_FILE]
        );
        std::fs::write(dir.path().join(load::REGIONS_FILE), "changed\n").unwrap();
        std::fs::remove_file(dir.path().join(load::INDUSTRY_FILE)).unwrap();
        let Err(err) = inputs(&data, Period::H1, 2024, Prices::Current) else {
            panic!("the enterprise file was not read again");
        };
        assert!(
            err.to_string().contains(
                "industry_monthly.csv: cannot read again for the archive: file not found"
            ),
            "{err}"
        );
        std::fs::copy(
            sample.join(load::INDUSTRY_FILE),
            dir.path().join(load::INDUSTRY_FILE),
        )
        .unwrap();
        let inputs = inputs(&data, Period::H1, 2024, Prices::Current).unwrap();
        let attached = |name: &str| {
            let path = format!("{EVIDENCE_DIR}/data/{name}");
            inputs
                .attachments
                .iter()
                .find(|a| a.path == path)
                .unwrap()
                .bytes
                .clone()
        };
        assert_eq!(attached(load::REGIONS_FILE), regions);

        // An enterprise file load decoded from GB18030 is not decoded again.
        let utf8 = attached(load::INDUSTRY_FILE);
        let csv = std::fs::read_to_string(sample.join(load::INDUSTRY_FILE)).unwrap();
        let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
        std::fs::write(dir.path().join(load::INDUSTRY_FILE), &gb).unwrap();
        std::fs::write(dir.path().join(load::REGIONS_FILE), &regions).unwrap();
        let data = load::load(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join(load::INDUSTRY_FILE)).unwrap();
        let inputs = super::inputs(&data, Period::H1, 2024, Prices::Current).unwrap();
        let path = format!("{EVIDENCE_DIR}/data/{}", load::INDUSTRY_FILE);
        let attached = inputs.attachments.iter().find(|a| a.path == path).unwrap();
        assert_eq!(attached.bytes, utf8);
    }

    /// The line copy gives what the `csv` reader and writer give, on the
    /// files it takes; the others it leaves to them.
    #[test]
    fn lines_are_selected_as_the_csv_writer_would_write_them() {
        let months: BTreeSet<String> = ["2024-01", "2024-03"].map(String::from).into();
        let files: [&[u8]; 6] = [
            b"month,id,v\n2024-01,a,1\n2024-02,b,2\n2024-03,c,3\n",
            // CRLF, blank lines, spaces around the month, no last line end.
            b"month,id,v\r\n\r\n 2024-01 ,a,1\r\n2024-02,b,2\n\n2024-03x,c,3",
            // A byte order mark, which the reader drops.
            "\u{feff}id,month\nx,2024-03\ny,2024-02\n".as_bytes(),
            b"id,v\n",
            // A header without the month column keeps no row.
            b"id,v\na,1\n",
            b"\n\nmonth\n2024-01\n",
        ];
        for file in files {
            let want = select_records(file, Some(("month", &months))).unwrap();
            let got = select_lines(file, Some(("month", &months))).expect("quote-free");
            assert_eq!(
                (String::from_utf8_lossy(&got.0), got.1),
                (String::from_utf8_lossy(&want.0), want.1),
                "{}",
                String::from_utf8_lossy(file)
            );
            assert_eq!(select_lines(file, None), select_records(file, None).ok());
        }
        // Quotes, a lone carriage return, bytes that are not UTF-8.
        for file in [
            &b"month,name\n2024-01,\"a,b\"\n"[..],
            b"month,id\n2024-01,a\r2024-03,b\n",
            b"month,id\n2024-01,\xff\n",
        ] {
            assert_eq!(select_lines(file, Some(("month", &months))), None);
        }
    }
}
