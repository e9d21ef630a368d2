//! Stage 1, load and validate: checks every input file against the data
//! contract (README, "Data contract") and describes what the data holds.
//!
//! Validation reads each file once, streaming, with the `csv` crate, so every
//! problem is reported with its file, line and column; all problems of a run
//! (up to [`MAX_DATA_ERRORS`]) are collected before the run stops. In the
//! same pass the rows are kept for the aggregate stage, which reads no file:
//! the large enterprise file as typed columns ([`EnterpriseRows`],
//! `load/enterprise.rs`), the small optional files as [`Tables`].

use std::collections::{BTreeMap, BTreeSet, HashSet};

// foldhash: the per-field column lookups and per-row duplicate checks hash
// short keys, where std's SipHash showed in profiles.
use polars::prelude::PlHashMap as HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{DataError, Error, MAX_DATA_ERRORS, Result};
use crate::period::{month_key, parse_month};

/// File names inside the data folder.
pub const INDUSTRY_FILE: &str = "industry_monthly.csv";
/// Regions: the prefecture and its county-level units.
pub const REGIONS_FILE: &str = "regions.csv";
/// GB/T 4754 divisions used by the industry file.
pub const INDUSTRIES_FILE: &str = "industries.csv";
/// Producer price indices for deflating value added (optional).
pub const PRICE_INDEX_FILE: &str = "price_index.csv";
/// Daily air quality per region (optional).
pub const AIR_QUALITY_FILE: &str = "air_quality_daily.csv";
/// Region indicators in long format (optional).
pub const INDICATORS_FILE: &str = "indicators.csv";
/// The catalogue describing each indicator of [`INDICATORS_FILE`].
pub const CATALOG_FILE: &str = "indicator_catalog.csv";
/// The enterprise rows as Parquet, read when there is no CSV.
pub const INDUSTRY_PARQUET_FILE: &str = "industry_monthly.parquet";
/// Masthead and layout settings (optional).
pub const PUBLICATION_FILE: &str = "publication.toml";
/// Optional groups of divisions (装备制造业, …): `group`, `name`,
/// `industry_code`, one row per division of a group.
pub const INDUSTRY_GROUPS_FILE: &str = "industry_groups.csv";
/// Folder of the editors' stories, one subfolder per `<year>-<period>`.
pub const STORIES_DIR: &str = "stories";

mod contract;
mod enterprise;
mod parquet;
mod publication;
mod stories;
mod text;

pub use enterprise::{EnterpriseRows, month_number};
pub use parquet::scan as scan_parquet;
pub use publication::{CheckSettings, Masthead, Publication, ReviewSettings, parse_date};
pub use stories::{Field, IMAGE_TYPES, Picture, Segment, Story, Text, parse_story};
pub use text::Encoding;

/// How a catalogue indicator's months make the period's figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Flows: visitors, receipts, investment.
    Sum,
    /// Averages of monthly levels.
    Mean,
    /// Stocks: the latest month's value.
    Last,
}

/// One row of `indicator_catalog.csv`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CatalogEntry {
    /// Key used in `indicators.csv` and `summary.csv`, such as `tourist_visits`.
    pub indicator: String,
    /// Name in prose, such as 接待游客.
    pub name: String,
    /// Unit of the values, such as 万人次.
    pub unit: String,
    /// Decimals to print.
    pub decimals: u8,
    /// How months combine.
    pub aggregation: Aggregation,
}

/// Required columns of `industry_monthly.csv`, in the contract's order
/// (`load/contract.rs`).
pub const INDUSTRY_COLUMNS: [&str; 7] = contract::ENTERPRISES.names(true);

/// Optional flow columns of `industry_monthly.csv`: 销售产值 and 出口交货值,
/// 万元 at current prices. When present they are validated and aggregated
/// like output value; an empty field counts as 0.
pub const OPTIONAL_FLOWS: [&str; 2] = contract::ENTERPRISES.names(false);

/// A region from `regions.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// GB/T 2260 six-digit code.
    pub code: String,
    /// Official name, such as 延边朝鲜族自治州.
    pub name: String,
    /// Name used in prose, such as 延边州 (optional `short_name` column;
    /// defaults to `name`).
    pub short_name: String,
}

/// An industry division from `industries.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Industry {
    /// GB/T 4754 two-digit division code.
    pub code: String,
    /// Division name, such as 医药制造业.
    pub name: String,
    /// The name tables use (optional `short_name` column), such as 医药;
    /// without it tables use the NBS short form of the division
    /// (`phrase::table_name`).
    pub short_name: Option<String>,
}

/// A group of divisions that bureaus publish beside the divisions, such as
/// 装备制造业 (divisions 33–40), from `industry_groups.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustryGroup {
    /// Key of a-z, 0-9 and _, such as `equipment`: `group:<key>` in
    /// `summary.csv`.
    pub key: String,
    /// Name in prose, such as 装备制造业.
    pub name: String,
    /// Its divisions, as indices into [`Dataset::industries`], in file order.
    pub industries: Vec<usize>,
}

/// What the validated data folder holds: the reference tables in full and,
/// for the large monthly file, where it is and which months it covers.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The data folder.
    pub dir: PathBuf,
    /// How its text files were read.
    pub encoding: Encoding,
    /// The enterprise-month file, validated.
    pub industry_file: PathBuf,
    /// The price index file, validated, if the folder has one.
    pub price_index_file: Option<PathBuf>,
    /// The daily air quality file, validated, if the folder has one.
    pub air_quality_file: Option<PathBuf>,
    /// The long-format indicators file, validated, if the folder has one.
    pub indicators_file: Option<PathBuf>,
    /// The indicator catalogue, in file order (empty without indicators).
    pub catalog: Vec<CatalogEntry>,
    /// The one region without a parent.
    pub prefecture: Region,
    /// County-level units, in the order of `regions.csv`.
    pub counties: Vec<Region>,
    /// Industry divisions, in the order of `industries.csv`.
    pub industries: Vec<Industry>,
    /// Groups of divisions, in the order of `industry_groups.csv` (empty
    /// without the file).
    pub groups: Vec<IndustryGroup>,
    /// `industry_groups.csv`, validated, if the folder has one.
    pub groups_file: Option<PathBuf>,
    /// Every month with at least one enterprise row.
    pub months: BTreeSet<(i32, u8)>,
    /// Which of [`OPTIONAL_FLOWS`] the enterprise file has.
    pub optional_flows: Vec<&'static str>,
    /// The enterprise rows, validated and typed (read from the file once),
    /// of the months of the year in `kept_months`.
    pub rows: EnterpriseRows,
    /// The months of the year (first, last) whose rows `rows` holds.
    pub kept_months: (u8, u8),
    /// The small optional files' rows (empty without the file).
    pub tables: Tables,
    /// `publication.toml`'s text as read, if the folder has one (attached
    /// to the PDF as it was when the bulletin was made).
    pub publication_source: Option<String>,
    /// Its settings (defaults without the file); region names resolved to
    /// codes.
    pub publication: Publication,
    /// Things worth telling the user that do not stop the run (extra
    /// columns, enterprises that moved region within a year).
    pub warnings: Vec<String>,
    /// The text of every small CSV file read, and of the enterprise file
    /// when load held it in memory (decoded from GB18030, or under 256 KB),
    /// as UTF-8, by file name: what the evidence stage attaches, so that it
    /// reads no file twice (a larger UTF-8 enterprise file streams, and the
    /// evidence stage reads it again).
    pub texts: BTreeMap<&'static str, Arc<[u8]>>,
}

impl Dataset {
    /// The latest year in which every month of `months` (1-based) has data.
    pub fn latest_complete_year(&self, (first, last): (u8, u8)) -> Option<i32> {
        let years: BTreeSet<i32> = self.months.iter().map(|&(y, _)| y).collect();
        years
            .into_iter()
            .rev()
            .find(|&y| (first..=last).all(|m| self.months.contains(&(y, m))))
    }

    /// The latest year with at least one month among `first..=last`, for
    /// `--allow-partial`.
    pub fn latest_year_with_any(&self, (first, last): (u8, u8)) -> Option<i32> {
        self.months
            .iter()
            .rev()
            .find(|(_, m)| (first..=last).contains(m))
            .map(|&(y, _)| y)
    }

    /// The months among `first..=last` of `year` that have no data.
    pub fn missing_months(&self, year: i32, (first, last): (u8, u8)) -> Vec<String> {
        (first..=last)
            .filter(|&m| !self.months.contains(&(year, m)))
            .map(|m| month_key(year, m))
            .collect()
    }

    /// The kept months of `year` with rows for markedly fewer enterprises
    /// than the year's fullest kept month: under [`THIN_MONTH`] of it, as a
    /// month is when some of its returns have not come in yet (a roster is
    /// fixed for the year, so a month's count moves by a few enterprises,
    /// not by a tenth). An enterprise has one row a month (the load
    /// refused a second), so rows count enterprises.
    pub fn thin_months(&self, year: i32) -> Vec<ThinMonth> {
        let mut counts = [0usize; 13];
        if let Some(months) = self
            .rows
            .frame()
            .column("month")
            .ok()
            .and_then(|c| c.i32().ok())
        {
            for month in months.into_no_null_iter() {
                if month / 100 == year {
                    counts[(month % 100) as usize] += 1;
                }
            }
        }
        let Some((fullest, &most)) = counts.iter().enumerate().max_by_key(|&(m, &n)| (n, m)) else {
            return Vec::new();
        };
        (1..=12u8)
            .filter(|&m| {
                counts[m as usize] > 0 && (counts[m as usize] as f64) < THIN_MONTH * most as f64
            })
            .map(|m| ThinMonth {
                month: month_key(year, m),
                enterprises: counts[m as usize],
                fullest: month_key(year, fullest as u8),
                most,
            })
            .collect()
    }
}

/// A month with rows for fewer than this share of the enterprises of the
/// year's fullest month is thin ([`Dataset::thin_months`]).
pub const THIN_MONTH: f64 = 0.9;

/// A month of the year with rows for markedly fewer enterprises than its
/// fullest month ([`Dataset::thin_months`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThinMonth {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The enterprises with a row for it.
    pub enterprises: usize,
    /// The year's fullest kept month, and its enterprises.
    pub fullest: String,
    /// See `fullest`.
    pub most: usize,
}

impl std::fmt::Display for ThinMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fewer = self.most - self.enterprises;
        write!(
            f,
            "{} has rows for {} enterprises, {fewer} fewer than {}'s {} ({}%): the month may be incomplete (returns not yet in), which would make every figure that includes it wrong",
            self.month,
            self.enterprises,
            self.fullest,
            self.most,
            (fewer * 100 + self.most / 2) / self.most
        )
    }
}

/// Whether a header field names the column `column` of the data files: by
/// its name, or as report forms name the enterprise file's columns (月份
/// for `month`). The evidence stage finds the month column so.
pub fn names_column(header: &str, column: &str) -> bool {
    header.trim() == column
        || matches!(contract::ENTERPRISES.header_name(header), Some(Ok(name)) if name == column)
}

/// Validates the data folder and describes it. Fails with every problem found
/// (up to [`MAX_DATA_ERRORS`]).
pub fn load(data_dir: &Path) -> Result<Dataset> {
    load_months(data_dir, (1, 12), Encoding::Auto)
}

/// [`load`], keeping only the enterprise rows of the months of the year
/// `first..=last` (of every year: the year a run reports on is chosen from
/// the months present, which the load finds out). Every row is still
/// checked and every month recorded; a period's run keeps its months only,
/// half the rows for a half-year. Text files are read in `encoding`
/// (`load/text.rs`).
pub fn load_months(data_dir: &Path, keep: (u8, u8), encoding: Encoding) -> Result<Dataset> {
    if !data_dir.is_dir() {
        return Err(
            DataError::file(data_dir, "data folder not found (set it with --data DIR)").into(),
        );
    }
    let mut errors = Errors {
        encoding,
        ..Errors::default()
    };
    let regions = read_regions(&data_dir.join(REGIONS_FILE), &mut errors);
    let industries = read_industries(&data_dir.join(INDUSTRIES_FILE), &mut errors);
    let industry_file = data_dir.join(INDUSTRY_FILE);
    let (Some((prefecture, counties)), Some(industries)) = (regions, industries) else {
        // Without the regions or the divisions no row can be checked (each
        // would be reported against an empty list); report what we have.
        check_exists(&industry_file, &mut errors);
        return Err(errors.into_error());
    };
    let groups_path = data_dir.join(INDUSTRY_GROUPS_FILE);
    let groups_file = groups_path.exists().then_some(groups_path);
    let groups = groups_file
        .as_deref()
        .map(|path| read_groups(path, &industries, &mut errors))
        .unwrap_or_default();
    // The enterprise rows may come as Parquet instead (same columns).
    let parquet_file = data_dir.join(INDUSTRY_PARQUET_FILE);
    let industry_file = match (industry_file.exists(), parquet_file.exists()) {
        (true, true) => {
            errors.push(DataError::file(
                &parquet_file,
                format!("{INDUSTRY_FILE} is there too: keep one of the two"),
            ));
            return Err(errors.into_error());
        }
        (false, true) => parquet_file,
        _ => industry_file,
    };
    // The enterprise rows on one side; the small files, which do not
    // depend on them, on the other with their own list of problems, added
    // after the enterprise file's so the messages keep the files' order.
    let ((months, optional_flows, rows), (small_errors, small)) = rayon::join(
        || {
            if industry_file == data_dir.join(INDUSTRY_PARQUET_FILE) {
                parquet::read(&industry_file, &counties, &industries, keep, &mut errors)
            } else {
                enterprise::read(&industry_file, &counties, &industries, keep, &mut errors)
            }
            .unwrap_or_default()
        },
        || {
            let mut errors = Errors {
                encoding,
                ..Errors::default()
            };
            let small =
                read_small_tables(data_dir, &prefecture, &counties, &industries, &mut errors);
            (errors, small)
        },
    );
    errors.append(small_errors);
    let SmallTables {
        tables,
        price_index_file,
        air_quality_file,
        indicators_file,
        catalog,
    } = small;
    let publication_path = data_dir.join(PUBLICATION_FILE);
    let publication =
        match publication::read(&publication_path, &counties, encoding, &mut errors.warnings) {
            Ok(p) => p,
            Err(list) => {
                list.into_iter().for_each(|e| errors.push(e));
                None
            }
        };
    if !errors.list.is_empty() {
        return Err(errors.into_error());
    }
    Ok(Dataset {
        publication_source: publication.as_ref().map(|(_, source)| source.clone()),
        publication: publication.map(|(p, _)| p).unwrap_or_default(),
        dir: data_dir.to_path_buf(),
        encoding,
        indicators_file,
        catalog,
        industry_file,
        price_index_file,
        air_quality_file,
        prefecture,
        counties,
        industries,
        groups,
        groups_file,
        months,
        optional_flows,
        rows,
        kept_months: keep,
        tables,
        warnings: errors.warnings,
        texts: errors.texts.into_iter().collect(),
    })
}

/// Reads the editors' stories for one period from
/// `<data>/stories/<year>-<period>/`: every `.txt` file, in file-name order,
/// with the pictures they name. No folder means no stories. Checks each
/// story's region against `regions.csv`; the phrase stage checks the figure
/// keys. Returns them with a note for each file read as GB18030.
pub fn stories(
    data: &Dataset,
    year: i32,
    period: crate::period::Period,
) -> Result<(Vec<Story>, Vec<String>)> {
    let dir = data.dir.join(STORIES_DIR).join(period.label(year));
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => {
            return Err(DataError::file(&dir, format!("cannot read the story folder: {e}")).into());
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut errors = Errors::default();
    let mut out = Vec::new();
    for file in files {
        let text = match text::read_string(&file, data.encoding) {
            Ok((text, note)) => {
                errors.warnings.extend(note);
                text
            }
            Err(text::TextError::Missing) => {
                errors.push(DataError::file(&file, not_found(&file)));
                continue;
            }
            Err(text::TextError::Unreadable(message)) => {
                errors.push(DataError::file(&file, message));
                continue;
            }
        };
        let mut story = match parse_story(&file, &text) {
            Ok(story) => story,
            Err(list) => {
                list.into_iter().for_each(|e| errors.push(e));
                continue;
            }
        };
        if let Some((region, line)) = &mut story.region {
            let found = std::iter::once(&data.prefecture)
                .chain(&data.counties)
                .find(|r| r.code == *region || r.name == *region || r.short_name == *region);
            match found {
                Some(r) => *region = r.code.clone(),
                None => errors.push(DataError::at(
                    &file,
                    *line,
                    None,
                    format!(
                        "region `{region}` is not in regions.csv (expected a code or name such as {} {})",
                        data.counties[0].code, data.counties[0].name
                    ),
                )),
            }
        }
        if let Some(picture) = &mut story.image {
            // A link out of the data folder would publish (and preview)
            // a file the editors never put there.
            let path = dir.join(&picture.name);
            let outside = match (path.canonicalize(), data.dir.canonicalize()) {
                (Ok(real), Ok(root)) => !real.starts_with(root),
                _ => false,
            };
            if outside {
                errors.push(DataError::at(
                    &file,
                    picture.line,
                    None,
                    format!(
                        "image {}: {} is a link to a file outside the data folder; copy the picture into the story's folder",
                        picture.name,
                        path.display()
                    ),
                ));
                out.push(story);
                continue;
            }
            match std::fs::read(&path) {
                Ok(bytes) if !bytes.is_empty() => picture.bytes = bytes,
                Ok(_) => errors.push(DataError::at(
                    &file,
                    picture.line,
                    None,
                    format!("image {} is empty", picture.name),
                )),
                Err(e) => errors.push(DataError::at(
                    &file,
                    picture.line,
                    None,
                    format!(
                        "image {}: cannot read {}: {e}",
                        picture.name,
                        dir.join(&picture.name).display()
                    ),
                )),
            }
        }
        out.push(story);
    }
    if errors.list.is_empty() {
        Ok((out, errors.warnings))
    } else {
        Err(errors.into_error())
    }
}

/// Which enterprise-months the enterprise rows have had, to report a second
/// row for one with both lines (CSV) or rows (Parquet). Memory grows with
/// enterprises and rows, so a row costs little: each enterprise id is stored
/// once and numbered (`enterprise::Keys`, as the fast path numbers them),
/// and a row is one u64 (number and month).
#[derive(Default)]
struct EnterpriseMonths {
    ids: enterprise::Keys,
    rows: HashMap<u64, u64>,
}

impl EnterpriseMonths {
    /// The enterprise's number, given on its first sight.
    fn number(&mut self, id: &str) -> u32 {
        self.ids.number(id)
    }

    /// Records a row at `at`; returns where the same enterprise-month was
    /// seen before, if it was.
    fn insert(&mut self, id: &str, (year, month): (i32, u8), at: u64) -> Option<u64> {
        let n = self.number(id);
        let key = (u64::from(n) << 24)
            | ((year.clamp(0, 99_999) as u64 * 16 + u64::from(month)) & 0xFF_FFFF);
        self.rows.insert(key, at)
    }
}

/// Collects data errors up to the limit, and the warnings and notes of the
/// files that report here (read in `encoding`), with the small files' text.
#[derive(Default)]
struct Errors {
    list: Vec<DataError>,
    warnings: Vec<String>,
    /// How the files that report here are read.
    encoding: Encoding,
    /// The text of each small file read, as read (UTF-8): see
    /// [`Dataset::texts`].
    texts: Vec<(&'static str, Arc<[u8]>)>,
}

impl Errors {
    fn push(&mut self, err: DataError) {
        if self.list.len() < MAX_DATA_ERRORS {
            self.list.push(err);
        }
    }

    /// `other`'s problems after these (up to the limit), and its warnings.
    fn append(&mut self, other: Errors) {
        for err in other.list {
            self.push(err);
        }
        self.warnings.extend(other.warnings);
        self.texts.extend(other.texts);
    }

    fn full(&self) -> bool {
        self.list.len() >= MAX_DATA_ERRORS
    }

    fn into_error(self) -> Error {
        Error::Data(self.list)
    }
}

/// The price index, air quality and indicators, and which of them the
/// folder has.
struct SmallTables {
    tables: Tables,
    price_index_file: Option<PathBuf>,
    air_quality_file: Option<PathBuf>,
    indicators_file: Option<PathBuf>,
    catalog: Vec<CatalogEntry>,
}

/// Reads the small optional tables of `data_dir`, reporting into `errors`.
fn read_small_tables(
    data_dir: &Path,
    prefecture: &Region,
    counties: &[Region],
    industries: &[Industry],
    errors: &mut Errors,
) -> SmallTables {
    let price_file = data_dir.join(PRICE_INDEX_FILE);
    let mut tables = Tables::default();
    let price_index_file = price_file.exists().then(|| {
        tables.price_index = read_price_index(&price_file, industries, errors);
        price_file
    });
    let air_file = data_dir.join(AIR_QUALITY_FILE);
    let air_quality_file = air_file.exists().then(|| {
        tables.air_quality = read_air_quality(&air_file, counties, errors);
        air_file
    });
    let indicators_path = data_dir.join(INDICATORS_FILE);
    let mut catalog = Vec::new();
    let indicators_file = indicators_path.exists().then(|| {
        catalog = read_catalog(&data_dir.join(CATALOG_FILE), errors);
        tables.indicators =
            read_indicators(&indicators_path, prefecture, counties, &catalog, errors);
        indicators_path
    });
    SmallTables {
        tables,
        price_index_file,
        air_quality_file,
        indicators_file,
        catalog,
    }
}

fn check_exists(path: &Path, errors: &mut Errors) {
    if !path.exists() {
        errors.push(DataError::file(path, not_found(path)));
    }
}

/// Why `path` is not there, naming a file beside it that is most likely
/// meant: the same name saved by a spreadsheet (`industry_monthly.xlsx`),
/// with its extension in capitals, or as a second download
/// (`industry_monthly (1).csv`).
fn not_found(path: &Path) -> String {
    let (Some(dir), Some(stem), Some(name)) = (
        path.parent(),
        path.file_stem().and_then(|s| s.to_str()),
        path.file_name().and_then(|s| s.to_str()),
    ) else {
        return "file not found".into();
    };
    let mut near: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != name && n.to_lowercase().starts_with(&stem.to_lowercase()))
        .collect();
    near.sort();
    let Some(other) = near.first() else {
        return "file not found".into();
    };
    let sheet = [".xlsx", ".xls", ".et", ".ods", ".numbers"]
        .iter()
        .any(|e| other.to_lowercase().ends_with(e));
    if sheet {
        format!(
            "file not found; the folder has {other}: save it from the spreadsheet as CSV (UTF-8 or GB18030) named {name}"
        )
    } else {
        format!("file not found; the folder has {other}: rename it {name}")
    }
}

/// An open CSV file whose header has been checked for the required columns.
struct CsvInput {
    path: PathBuf,
    /// What the reader reads: the file, or its text decoded from GB18030.
    source: text::Source,
    reader: csv::Reader<text::Reader>,
    /// The contract's table the file holds.
    table: &'static contract::Table,
    /// Index of each required column in the file's header.
    index: HashMap<&'static str, usize>,
    header: csv::StringRecord,
}

impl CsvInput {
    /// Opens `path`, which holds `table`, and finds its required columns in
    /// the header, in any order. Other columns are allowed (a warning names
    /// those the contract does not know). Reports a missing file, an empty
    /// file, a file in no encoding the run reads, and every missing or
    /// duplicated column; notes a file read as GB18030.
    fn open(path: &Path, table: &'static contract::Table, errors: &mut Errors) -> Option<CsvInput> {
        let required: Vec<&'static str> = table.required().collect();
        let opened = text::Source::open(path, errors.encoding).and_then(|(source, note)| {
            let reader = source
                .reader()
                .map_err(|e| text::TextError::Unreadable(format!("cannot read: {e}")))?;
            Ok((source, note, reader))
        });
        let (source, note, file) = match opened {
            Ok(opened) => opened,
            Err(text::TextError::Missing) => {
                errors.push(DataError::file(path, not_found(path)));
                return None;
            }
            Err(text::TextError::Unreadable(message)) => {
                errors.push(DataError::file(path, message));
                return None;
            }
        };
        errors.warnings.extend(note);
        // The text is kept for the evidence stage, which attaches it instead
        // of reading the file again: a small file's, read whole, and the
        // enterprise file's when it is in memory (GB18030, or small enough
        // for the encoding probe to have read it whole); a larger UTF-8
        // enterprise file streams from disk.
        let (source, file) = if table.file == INDUSTRY_FILE {
            (source, file)
        } else {
            match source.in_memory().and_then(|s| Ok((s.reader()?, s))) {
                Ok((file, source)) => (source, file),
                Err(e) => {
                    errors.push(DataError::file(path, format!("cannot read: {e}")));
                    return None;
                }
            }
        };
        if let Some(bytes) = source.bytes() {
            errors.texts.push((table.file, bytes.clone()));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(file);
        let header = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                errors.push(csv_error(path, e.position().map(csv::Position::line), &e));
                return None;
            }
        };
        if header.is_empty() || (header.len() == 1 && header[0].trim().is_empty()) {
            errors.push(DataError::file(
                path,
                format!(
                    "file is empty; expected a header with {}",
                    required.join(",")
                ),
            ));
            return None;
        }
        // A header may name a column as report forms do (月份, 工业总产值):
        // the readers see the contract's names.
        let mut ok = true;
        let header: csv::StringRecord = header
            .iter()
            .map(|field| match table.header_name(field) {
                Some(Ok(name)) => name,
                Some(Err((name, message))) => {
                    // (Not missing as well.)
                    ok = false;
                    errors.push(DataError::at(path, 1, None, message));
                    name
                }
                None => field,
            })
            .collect();
        let mut index = HashMap::default();
        for &name in &required {
            let positions: Vec<usize> = header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.trim() == name)
                .map(|(i, _)| i)
                .collect();
            match positions.as_slice() {
                [i] => {
                    index.insert(name, *i);
                }
                [] => {
                    ok = false;
                    errors.push(DataError::at(
                        path,
                        1,
                        None,
                        format!(
                            "missing column `{name}`; the header must name {}",
                            required.join(",")
                        ),
                    ));
                }
                _ => {
                    ok = false;
                    errors.push(DataError::at(
                        path,
                        1,
                        None,
                        format!("column `{name}` appears more than once"),
                    ));
                }
            }
        }
        let allowed = |h: &str| table.columns.iter().any(|c| c.name == h);
        for extra in header.iter().map(str::trim).filter(|h| !allowed(h)) {
            errors.warnings.push(format!(
                "{}: column `{extra}` is not in the data contract and is ignored",
                path.display()
            ));
        }
        ok.then(|| CsvInput {
            path: path.to_path_buf(),
            source,
            reader,
            table,
            index,
            header,
        })
    }

    /// Calls `each` with every record, its 1-based line and a field getter.
    /// Ragged rows are reported and skipped; bytes that are not UTF-8 are
    /// reported once, at their line, and end the file. A record whose every
    /// field is empty (the rows a spreadsheet writes because it formatted
    /// them) is skipped, with one warning for the file; a total row (合计)
    /// is one message, not one for each of its fields.
    fn for_each(mut self, errors: &mut Errors, mut each: impl FnMut(&Record<'_>, &mut Errors)) {
        let mut record = csv::StringRecord::new();
        let mut lines = Lines::open(&self.source);
        let mut blank: Vec<u64> = Vec::new();
        loop {
            if errors.full() {
                break;
            }
            match self.reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| lines.at(p));
                    if record.iter().all(|f| f.trim().is_empty()) {
                        blank.push(line);
                        continue;
                    }
                    // (One look at the record's text before its fields.)
                    if record.as_slice().contains('计')
                        && let Some(message) = contract::total_row(record.iter())
                    {
                        errors.push(DataError::at(&self.path, line, None, message));
                        continue;
                    }
                    let rec = Record {
                        path: &self.path,
                        table: self.table,
                        line,
                        record: &record,
                        index: &self.index,
                        header: &self.header,
                    };
                    each(&rec, errors);
                }
                Err(e) => {
                    let line = e.position().map(|p| lines.at(p));
                    errors.push(csv_error(&self.path, line, &e));
                    if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                        break;
                    }
                }
            }
        }
        if let (Some(first), Some(last)) = (blank.first(), blank.last()) {
            let lines = if first == last {
                format!("line {first}")
            } else if last - first + 1 == blank.len() as u64 {
                format!("lines {first}–{last}")
            } else {
                format!("lines {first}, …, {last}")
            };
            errors.warnings.push(format!(
                "{}: skipped {} with every field empty ({lines}), as a spreadsheet writes the rows it formatted",
                self.path.display(),
                if blank.len() == 1 { "a row".to_string() } else { format!("{} rows", blank.len()) }
            ));
        }
    }
}

/// One record of a [`CsvInput`].
struct Record<'a> {
    path: &'a Path,
    table: &'static contract::Table,
    line: u64,
    record: &'a csv::StringRecord,
    index: &'a HashMap<&'static str, usize>,
    header: &'a csv::StringRecord,
}

impl Record<'_> {
    /// The trimmed field of `column` (required or optional); empty when the
    /// file has no such column.
    fn get(&self, column: &str) -> &str {
        let index = self
            .index
            .get(column)
            .copied()
            .or_else(|| self.header.iter().position(|h| h.trim() == column));
        index.and_then(|i| self.record.get(i)).unwrap_or("").trim()
    }

    /// A column the contract allows but does not require; `None` when the
    /// file has no such column or the field is empty.
    fn optional(&self, column: &str) -> Option<&str> {
        let i = self.header.iter().position(|h| h.trim() == column)?;
        Some(self.record.get(i)?.trim()).filter(|v| !v.is_empty())
    }

    fn error(&self, column: &str, message: impl Into<String>) -> DataError {
        DataError::at(self.path, self.line, Some(column), message)
    }

    /// The field of `column` checked against the contract; a message when
    /// it breaks the rule.
    fn checked(&self, column: &str, errors: &mut Errors) -> Option<contract::Checked<'_>> {
        let kind = self.table.column(column).kind;
        kind.check(self.get(column))
            .map_err(|message| errors.push(self.error(column, message)))
            .ok()
    }

    /// [`Record::checked`] of a text column, as owned text.
    fn text(&self, column: &str, errors: &mut Errors) -> Option<String> {
        match self.checked(column, errors)? {
            contract::Checked::Text(text) => Some(text.to_string()),
            _ => None,
        }
    }

    /// [`Record::text`] of a key column (a code the rest of the data names
    /// its rows by), which no earlier line of the file may have: `seen`
    /// holds the line of each key so far. A repeat is an error naming both
    /// lines (`what`: what the key is, such as region).
    fn key(
        &self,
        column: &str,
        what: &str,
        seen: &mut HashMap<String, u64>,
        errors: &mut Errors,
    ) -> Option<String> {
        let key = self.text(column, errors)?;
        if let Some(first) = seen.insert(key.clone(), self.line) {
            errors.push(self.error(
                column,
                format!(
                    "{what} {key} is listed twice (lines {first} and {})",
                    self.line
                ),
            ));
            return None;
        }
        Some(key)
    }

    /// [`Record::checked`] of a number column.
    fn number(&self, column: &str, errors: &mut Errors) -> Option<f64> {
        match self.checked(column, errors)? {
            contract::Checked::Number(value) => Some(value),
            _ => None,
        }
    }

    /// [`Record::checked`] of the `month` column.
    fn month(&self, errors: &mut Errors) -> Option<(i32, u8)> {
        match self.checked("month", errors)? {
            contract::Checked::Month(year, month) => Some((year, month)),
            _ => None,
        }
    }

    /// Reports the field of a [`contract::Kind::Listed`] column whose code
    /// the reader's list does not hold (`known` false).
    fn listed(&self, column: &str, known: bool, errors: &mut Errors) {
        if !known {
            let kind = self.table.column(column).kind;
            errors.push(self.error(column, kind.unlisted(self.get(column))));
        }
    }
}

/// A field read as a finite number (the contract's numbers), as
/// `str::parse::<f64>` reads it.
fn finite(raw: &str) -> Option<f64> {
    plain_decimal(raw)
        .or_else(|| raw.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Powers of ten for up to 15 decimals (all exact in an `f64`).
const EXACT_TENS: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The common shape of a figure, `-?digits(.digits)?` with at most 15
/// digits: its digits and its power of ten are both exact in an `f64`, so
/// one division gives the correctly rounded value, the value `str::parse`
/// gives (Clinger's fast path, which the standard library takes for these
/// too, after a general-purpose scan). `None` for every other text, which
/// `str::parse` then reads. At ten million rows this is ~5 % of the load.
fn plain_decimal(raw: &str) -> Option<f64> {
    let (negative, digits) = match raw.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        bytes => (false, bytes),
    };
    // 15 digits and a point at most: the mantissa cannot overflow.
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa = 0u64;
    let mut dot = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(b - b'0'),
            b'.' if dot.is_none() => dot = Some(i),
            _ => return None,
        }
    }
    let decimals = match dot {
        // Digits on both sides of the point (`5.` and `.5` are left to the parse).
        Some(at) if at == 0 || at + 1 == digits.len() => return None,
        Some(at) => digits.len() - at - 1,
        None if digits.len() > 15 => return None,
        None => 0,
    };
    let value = mantissa as f64 / EXACT_TENS[decimals];
    Some(if negative { -value } else { value })
}

/// Where records start, in lines. The `csv` crate's positions count a blank
/// line before a record, and the `\n` of a CRLF, as the record's own
/// (its line is one too early after each); this reads the file alongside
/// and counts the line ends up to the record's first byte.
struct Lines {
    reader: Option<std::io::BufReader<text::Reader>>,
    byte: u64,
    line: u64,
}

impl Lines {
    fn open(source: &text::Source) -> Lines {
        Lines {
            reader: source.reader().ok().map(std::io::BufReader::new),
            byte: 0,
            line: 1,
        }
    }

    /// The line the record at `position` starts on (positions only grow).
    fn at(&mut self, position: &csv::Position) -> u64 {
        use std::io::BufRead;
        let Some(reader) = &mut self.reader else {
            return position.line();
        };
        let mut skipping = false;
        loop {
            let Ok(buffer) = reader.fill_buf() else {
                return position.line();
            };
            if buffer.is_empty() {
                return self.line;
            }
            let mut used = 0;
            for &b in buffer {
                if self.byte >= position.byte() {
                    skipping = true;
                }
                if skipping && b != b'\r' && b != b'\n' {
                    reader.consume(used);
                    return self.line;
                }
                self.line += u64::from(b == b'\n');
                self.byte += 1;
                used += 1;
            }
            reader.consume(used);
        }
    }
}

fn csv_error(path: &Path, line: Option<u64>, err: &csv::Error) -> DataError {
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("found {len} fields; expected {expected_len} like the header")
        }
        csv::ErrorKind::Utf8 { .. } => not_utf8(path),
        csv::ErrorKind::Io(e) => format!("cannot read: {e}"),
        _ => err.to_string(),
    };
    match line {
        Some(line) => DataError::at(path, line, None, message),
        None => DataError::file(path, message),
    }
}

/// Why a file the run read as UTF-8 is not, and what to do.
fn not_utf8(path: &Path) -> String {
    text::not_utf8(&std::fs::read(path).unwrap_or_default())
}

/// The bytes of the text file `path` as UTF-8, read in `encoding` as the
/// load read it (the evidence stage attaches them).
pub fn read_text(path: &Path, encoding: Encoding) -> std::result::Result<Vec<u8>, String> {
    text::read_bytes(path, encoding)
        .map(|(bytes, _)| bytes)
        .map_err(|e| match e {
            text::TextError::Missing => "file not found".to_string(),
            text::TextError::Unreadable(message) => message,
        })
}

/// Reads `regions.csv`: exactly one row without a parent (the prefecture);
/// the county-level units name it as their parent.
fn read_regions(path: &Path, errors: &mut Errors) -> Option<(Region, Vec<Region>)> {
    let input = CsvInput::open(path, &contract::REGIONS, errors)?;
    let before = errors.list.len();
    let mut roots: Vec<(u64, Region)> = Vec::new();
    let mut children: Vec<(u64, Region, String)> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::default();
    input.for_each(errors, |rec, errors| {
        let Some(code) = rec.key("region_code", "region", &mut seen, errors) else {
            return;
        };
        let Some(name) = rec.text("name", errors) else {
            return;
        };
        let short = rec.optional("short_name").unwrap_or(&name).to_string();
        let region = Region {
            code,
            name,
            short_name: short,
        };
        let parent = rec.get("parent_code");
        if parent.is_empty() {
            roots.push((rec.line, region));
        } else {
            children.push((rec.line, region, parent.to_string()));
        }
    });
    if errors.list.len() > before {
        return None;
    }
    let prefecture = match roots.as_slice() {
        [(_, root)] => root.clone(),
        [] => {
            errors.push(DataError::file(
                path,
                "no row with an empty parent_code; expected exactly one (the prefecture)",
            ));
            return None;
        }
        many => {
            let lines: Vec<String> = many.iter().map(|(l, _)| l.to_string()).collect();
            errors.push(DataError::file(
                path,
                format!("rows at lines {} have an empty parent_code; expected exactly one (the prefecture)", lines.join(", ")),
            ));
            return None;
        }
    };
    let mut counties = Vec::new();
    for (line, region, parent) in children {
        if parent == prefecture.code {
            counties.push(region);
        } else if !seen.contains_key(&parent) {
            errors.push(DataError::at(
                path,
                line,
                Some("parent_code"),
                format!("parent {parent} is not a region in this file"),
            ));
        }
        // Deeper levels (townships under a county) are allowed and ignored.
    }
    if counties.is_empty() {
        errors.push(DataError::file(
            path,
            format!(
                "no region names the prefecture {} as its parent",
                prefecture.code
            ),
        ));
        return None;
    }
    Some((prefecture, counties))
}

fn read_industries(path: &Path, errors: &mut Errors) -> Option<Vec<Industry>> {
    let input = CsvInput::open(path, &contract::INDUSTRIES, errors)?;
    let mut industries = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::default();
    input.for_each(errors, |rec, errors| {
        let Some(code) = rec.key("industry_code", "division", &mut seen, errors) else {
            return;
        };
        if let Some(name) = rec.text("name", errors) {
            let short = rec.get("short_name");
            industries.push(Industry {
                code,
                name,
                short_name: (!short.is_empty()).then(|| short.to_string()),
            });
        }
    });
    Some(industries)
}

/// Where enterprise-month rows stand in the enterprise file, for messages
/// about them (`review check`): each enterprise's identifier and name by its
/// number, and the line of each wanted (enterprise, `yyyymm` month) row.
#[derive(Debug, Default)]
pub struct Located {
    /// Identifier and name, by enterprise number.
    pub enterprises: HashMap<u32, (String, String)>,
    /// Line (1-based, the header is line 1), by (enterprise, month).
    pub lines: HashMap<(u32, i32), u64>,
}

/// Finds the identifiers, names and lines of `wanted` enterprise-month rows
/// (enterprise numbers as in [`EnterpriseRows`], which numbers identifiers
/// in the order they first appear in the file) in one pass over the
/// enterprise file. A Parquet file has no lines: its rows are numbered from
/// 1, in file order.
pub fn locate(data: &Dataset, wanted: &HashSet<(u32, i32)>) -> Result<Located> {
    let enterprises: HashSet<u32> = wanted.iter().map(|&(e, _)| e).collect();
    let mut located = Located::default();
    let mut take = |number: u32, id: &str, name: &str, month: &str, line: u64| {
        if enterprises.contains(&number) {
            located
                .enterprises
                .entry(number)
                .or_insert_with(|| (id.to_string(), name.to_string()));
            if let Some((y, m)) = crate::period::parse_month(month) {
                let month = month_number(y, m);
                if wanted.contains(&(number, month)) {
                    located.lines.insert((number, month), line);
                }
            }
        }
    };
    let path = &data.industry_file;
    if path.extension().is_some_and(|e| e == "parquet") {
        // Numbered as the rows were: through the same categorical.
        let frame = parquet::numbered(path).map_err(|e| DataError::file(path, e.to_string()))?;
        let fail = |e: polars::prelude::PolarsError| DataError::file(path, e.to_string());
        let numbers = frame
            .column("enterprise")
            .and_then(|c| c.u32().cloned())
            .map_err(fail)?;
        let text = |name: &str| -> Result<polars::prelude::StringChunked> {
            Ok(frame
                .column(name)
                .and_then(|c| c.str().cloned())
                .map_err(fail)?)
        };
        let (ids, names, months) = (
            text("enterprise_id")?,
            text("enterprise_name")?,
            text("month")?,
        );
        for (row, (((number, id), name), month)) in numbers
            .iter()
            .zip(ids.iter())
            .zip(names.iter())
            .zip(months.iter())
            .enumerate()
        {
            if let (Some(number), Some(id), Some(month)) = (number, id, month) {
                take(number, id, name.unwrap_or_default(), month, row as u64 + 1);
            }
        }
        return Ok(located);
    }
    // The enterprise rows number identifiers in the order they first appear.
    let mut numbers: HashMap<String, u32> = HashMap::default();
    let mut errors = Errors::default();
    let Some(input) = CsvInput::open(path, &contract::ENTERPRISES, &mut errors) else {
        return Err(errors.into_error());
    };
    input.for_each(&mut errors, |rec, _| {
        let id = rec.get("enterprise_id");
        let next = numbers.len() as u32;
        let number = *numbers.entry(id.to_string()).or_insert(next);
        take(
            number,
            id,
            rec.get("enterprise_name"),
            rec.get("month"),
            rec.line,
        );
    });
    if !errors.list.is_empty() {
        return Err(errors.into_error());
    }
    Ok(located)
}

/// Reads `industry_groups.csv`: a group's rows share its key and name, and
/// each names a division of `industries.csv` once.
fn read_groups(path: &Path, industries: &[Industry], errors: &mut Errors) -> Vec<IndustryGroup> {
    let mut groups: Vec<IndustryGroup> = Vec::new();
    let Some(input) = CsvInput::open(path, &contract::GROUPS, errors) else {
        return groups;
    };
    input.for_each(errors, |rec, errors| {
        let Some(key) = rec.text("group", errors) else {
            return;
        };
        let Some(name) = rec.text("name", errors) else {
            return;
        };
        let code = rec.get("industry_code");
        let division = industries.iter().position(|i| i.code == code);
        rec.listed("industry_code", division.is_some(), errors);
        let Some(division) = division else {
            return;
        };
        let at = match groups.iter().position(|g| g.key == key) {
            Some(at) => at,
            None => {
                groups.push(IndustryGroup {
                    key: key.clone(),
                    name: name.clone(),
                    industries: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        if group.name != name {
            errors.push(rec.error(
                "name",
                format!(
                    "found `{name}`; group {key} is named `{}` above",
                    group.name
                ),
            ));
        } else if group.industries.contains(&division) {
            errors.push(rec.error(
                "industry_code",
                format!("division {code} is listed twice in group {key}"),
            ));
        } else {
            group.industries.push(division);
        }
    });
    groups
}

/// Months as (year, month).
type MonthSet = BTreeSet<(i32, u8)>;

/// The rows of the small optional files, as validation read them.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    /// `price_index.csv`: `month` (`year * 100 + month`), `industry` (the
    /// division's index into `Dataset::industries`, null for `all`), `index`.
    pub price_index: Table,
    /// `air_quality_daily.csv`: `date`, `region_code`, `aqi`.
    pub air_quality: Table,
    /// `indicators.csv`: `month`, `region_code`, `indicator`, `value`.
    pub indicators: Table,
}

/// A small input file's rows as Polars columns, kept by validation so that
/// the aggregate stage reads no file: the text fields trimmed, the numbers
/// as validation parsed them.
#[derive(Debug, Clone, Default)]
pub struct Table(polars::prelude::DataFrame);

impl Table {
    /// The rows as a Polars frame.
    pub fn frame(&self) -> &polars::prelude::DataFrame {
        &self.0
    }
}

/// Collects a [`Table`] while a file is validated.
struct TableBuilder {
    text: Vec<(&'static str, Vec<String>)>,
    numbers: Vec<(&'static str, Vec<Option<f64>>)>,
}

impl TableBuilder {
    fn new(text: &[&'static str], numbers: &[&'static str]) -> TableBuilder {
        TableBuilder {
            text: text.iter().map(|c| (*c, Vec::new())).collect(),
            numbers: numbers.iter().map(|c| (*c, Vec::new())).collect(),
        }
    }

    /// The record's text fields, and its numbers as validation parsed them
    /// (in the order the builder names them).
    fn push(&mut self, rec: &Record<'_>, numbers: &[Option<f64>]) {
        for (column, values) in &mut self.text {
            values.push(rec.get(column).to_string());
        }
        for ((_, values), number) in self.numbers.iter_mut().zip(numbers) {
            values.push(*number);
        }
    }

    fn finish(self) -> Table {
        use polars::prelude::*;
        let mut columns: Vec<Column> = self
            .text
            .into_iter()
            .map(|(name, values)| Column::new(name.into(), values))
            .collect();
        columns.extend(
            self.numbers
                .into_iter()
                .map(|(name, values)| Column::new(name.into(), values)),
        );
        Table(DataFrame::new_infer_height(columns).expect("columns of equal length"))
    }
}

/// Validates `price_index.csv`: `month`, `industry_code` (a division or `all`),
/// `index` (same month of the previous year = 100).
fn read_price_index(path: &Path, industries: &[Industry], errors: &mut Errors) -> Table {
    let Some(input) = CsvInput::open(path, &contract::PRICE_INDEX, errors) else {
        return Table::default();
    };
    // Typed like the enterprise rows: month as `year * 100 + month`, the
    // division as its index (null for `all`).
    let (mut months, mut divisions, mut indices) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    input.for_each(errors, |rec, errors| {
        let month = rec.month(errors);
        let code = rec.get("industry_code");
        let division = industries.iter().position(|i| i.code == code);
        rec.listed("industry_code", code == "all" || division.is_some(), errors);
        let index = rec.number("index", errors);
        months.push(month.map(|(y, m)| month_number(y, m)));
        divisions.push(division.map(|d| d as u32));
        indices.push(index);
        if let Some((y, m)) = month
            && let Some(first) = seen.insert((month_key(y, m), code.to_string()), rec.line)
        {
            errors.push(rec.error(
                "industry_code",
                format!(
                    "{code} has two indices for {} (lines {first} and {})",
                    month_key(y, m),
                    rec.line
                ),
            ));
        }
    });
    use polars::prelude::*;
    Table(
        DataFrame::new_infer_height(vec![
            Column::new("month".into(), months),
            Column::new("industry".into(), divisions),
            Column::new("index".into(), indices),
        ])
        .expect("columns of equal length"),
    )
}

/// Validates `air_quality_daily.csv`: `date` (YYYY-MM-DD), `region_code` (a
/// county-level unit; the prefecture's figure pools their days), `aqi` (zero
/// or more), one reading per region and day.
fn read_air_quality(path: &Path, counties: &[Region], errors: &mut Errors) -> Table {
    let Some(input) = CsvInput::open(path, &contract::AIR_QUALITY, errors) else {
        return Table::default();
    };
    let mut table = TableBuilder::new(&["date", "region_code"], &["aqi"]);
    // (year * 10000 + month * 100 + day, county) -> line.
    let mut seen: HashMap<(i32, usize), u64> = HashMap::default();
    input.for_each(errors, |rec, errors| {
        let date = rec.get("date");
        let day = match rec.checked("date", errors) {
            Some(contract::Checked::Day(day)) => Some(day),
            _ => None,
        };
        let code = rec.get("region_code");
        let county = counties.iter().position(|r| r.code == code);
        rec.listed("region_code", county.is_some(), errors);
        let aqi = rec.number("aqi", errors);
        table.push(rec, &[aqi]);
        if let (Some(day), Some(county)) = (day, county)
            && let Some(first) = seen.insert((day, county), rec.line)
        {
            errors.push(rec.error(
                "date",
                format!(
                    "region {code} has two readings for {date} (lines {first} and {})",
                    rec.line
                ),
            ));
        }
    });
    table.finish()
}

/// Reads `indicator_catalog.csv`: `indicator`, `name`, `unit`, `decimals`
/// (0–4), `aggregation` (`sum`, `mean` or `last`).
fn read_catalog(path: &Path, errors: &mut Errors) -> Vec<CatalogEntry> {
    let mut catalog: Vec<CatalogEntry> = Vec::new();
    let Some(input) = CsvInput::open(path, &contract::CATALOG, errors) else {
        return catalog;
    };
    let mut seen: HashMap<String, u64> = HashMap::default();
    input.for_each(errors, |rec, errors| {
        let Some(key) = rec.key("indicator", "indicator", &mut seen, errors) else {
            return;
        };
        let name = rec.text("name", errors);
        let decimals = match rec.checked("decimals", errors) {
            Some(contract::Checked::Decimals(d)) => Some(d),
            _ => None,
        };
        let aggregation = match rec.checked("aggregation", errors) {
            Some(contract::Checked::Aggregation(a)) => Some(a),
            _ => None,
        };
        if let (Some(name), Some(decimals), Some(aggregation)) = (name, decimals, aggregation) {
            catalog.push(CatalogEntry {
                indicator: key,
                name,
                unit: rec.get("unit").to_string(),
                decimals,
                aggregation,
            });
        }
    });
    catalog
}

/// Validates `indicators.csv`: `month`, `region_code` (the prefecture or a
/// county-level unit), `indicator` (from the catalogue), `value` (a finite
/// number), one value per month, region and indicator.
fn read_indicators(
    path: &Path,
    prefecture: &Region,
    counties: &[Region],
    catalog: &[CatalogEntry],
    errors: &mut Errors,
) -> Table {
    let Some(input) = CsvInput::open(path, &contract::INDICATORS, errors) else {
        return Table::default();
    };
    let mut table = TableBuilder::new(&["month", "region_code", "indicator"], &["value"]);
    let codes: BTreeSet<&str> = counties
        .iter()
        .map(|r| r.code.as_str())
        .chain([prefecture.code.as_str()])
        .collect();
    let mut seen: HashMap<(String, String, String), u64> = HashMap::default();
    input.for_each(errors, |rec, errors| {
        let month = rec.month(errors);
        let code = rec.get("region_code");
        rec.listed("region_code", codes.contains(code), errors);
        let key = rec.get("indicator");
        rec.listed(
            "indicator",
            catalog.iter().any(|c| c.indicator == key),
            errors,
        );
        let value = rec.number("value", errors);
        table.push(rec, &[value]);
        if let Some((y, m)) = month
            && let Some(first) = seen.insert(
                (month_key(y, m), code.to_string(), key.to_string()),
                rec.line,
            )
        {
            errors.push(rec.error(
                "indicator",
                format!(
                    "{key} of {code} has two values for {} (lines {first} and {})",
                    month_key(y, m),
                    rec.line
                ),
            ));
        }
    });
    table.finish()
}

/// Whether the day exists in the proleptic Gregorian calendar (by chrono,
/// already built for Polars).
pub fn date_exists(year: i32, month: u8, day: u8) -> bool {
    chrono::NaiveDate::from_ymd_opt(year, month.into(), day.into()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_exist_by_the_gregorian_rules() {
        assert!(date_exists(2024, 2, 29) && date_exists(2000, 2, 29));
        assert!(!date_exists(2023, 2, 29) && !date_exists(1900, 2, 29));
        assert!(date_exists(2024, 12, 31) && !date_exists(2024, 4, 31));
        assert!(!date_exists(2024, 13, 1) && !date_exists(2024, 1, 0));
        assert_eq!(publication::parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(publication::parse_date("2023-02-29"), None);
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn folder(industry: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            REGIONS_FILE,
            "region_code,name,parent_code\n100000,Pref,\n100001,A,100000\n100002,B,100000\n",
        );
        write(
            dir.path(),
            INDUSTRIES_FILE,
            "industry_code,name\n13,农副食品加工业\n27,医药制造业\n",
        );
        write(dir.path(), INDUSTRY_FILE, industry);
        dir
    }

    /// `finite` reads every text as `str::parse::<f64>` does, bit for bit,
    /// on the shapes its shortcut takes and on those it leaves to the parse.
    #[test]
    fn numbers_read_as_the_standard_parse_reads_them() {
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "5091.2",
            "-879.7",
            "00012.50",
            "999999999999999",
            "99999999999999.9",
            "0.000000000000001",
            "9999999999999999",
            "1234567890.1234567",
            "5.",
            ".5",
            "-",
            "",
            "+5",
            "1e3",
            "1E-2",
            "inf",
            "-NaN",
            "1.2.3",
            "12a",
            "1,5",
            " 5",
            "--5",
            "-.5",
            "0x10",
            "１２",
        ]
        .map(String::from)
        .to_vec();
        // Every split of the digits of a few mantissas, both signs.
        for digits in [
            "1",
            "7",
            "10",
            "123456789012345",
            "900719925474099",
            "3333333333333333",
        ] {
            for dot in 0..=digits.len() {
                let (whole, fraction) = digits.split_at(dot);
                for sign in ["", "-"] {
                    texts.push(format!("{sign}{whole}.{fraction}"));
                    texts.push(format!("{sign}{whole}{fraction}"));
                }
            }
        }
        // A deterministic spread of values written with one to six decimals.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let value = (x % 10_000_000_000) as f64 / 997.0;
            texts.push(format!("{value:.*}", (x % 6 + 1) as usize));
        }
        for text in &texts {
            let expected = text.parse::<f64>().ok().filter(|v| v.is_finite());
            assert_eq!(
                finite(text).map(f64::to_bits),
                expected.map(f64::to_bits),
                "{text:?}"
            );
        }
        assert!(plain_decimal("5091.2").is_some(), "the shortcut is taken");
    }

    const HEADER: &str =
        "month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added\n";

    fn errors_of(industry: &str) -> Vec<String> {
        let dir = folder(industry);
        match load(dir.path()) {
            Err(Error::Data(list)) => list.iter().map(|e| e.to_string()).collect(),
            other => panic!("expected data errors, got {other:?}"),
        }
    }

    #[test]
    fn valid_folder_describes_regions_and_months() {
        let dir = folder(&format!(
            "{HEADER}2024-01,E1,甲,100001,13,10,3\n2024-02,E1,甲,100001,13,11,3\n"
        ));
        let data = load(dir.path()).unwrap();
        assert_eq!(data.prefecture.code, "100000");
        assert_eq!(data.counties.len(), 2);
        assert_eq!(data.months.len(), 2);
        assert_eq!(data.latest_complete_year((1, 2)), Some(2024));
        assert_eq!(data.latest_complete_year((1, 3)), None);
        assert_eq!(data.missing_months(2024, (1, 3)), ["2024-03"]);
    }

    /// The rows by enterprise and month (the Parquet reader's come in no
    /// set order; the figures are sums).
    fn sorted(rows: &polars::prelude::DataFrame) -> polars::prelude::DataFrame {
        rows.sort(["enterprise", "month"], Default::default())
            .unwrap()
    }

    /// Headers as report forms and their exports name the columns (月份,
    /// 统一社会信用代码, 工业总产值（当年价格）, brackets of either width, 万元
    /// or not) read as the contract's names, from CSV and from Parquet; an
    /// amount in another unit is refused in one message, not read 10× off.
    #[test]
    fn report_form_headers_read_as_the_contract_names_them() {
        let rows = "2024-01,E1,甲,100001,13,10,3\n2024-02,E1,甲,100001,13,11,3\n";
        let clean = load(folder(&format!("{HEADER}{rows}")).path()).unwrap();
        let chinese = "月份,统一社会信用代码,单位详细名称,行政区划代码,行业代码,工业总产值(当年价格),工业增加值（万元）\n";
        let data = load(folder(&format!("{chinese}{rows}")).path()).unwrap();
        assert_eq!(data.rows.frame(), clean.rows.frame());
        assert!(data.warnings.is_empty(), "{:?}", data.warnings);
        let errs = errors_of(&format!(
            "{}{rows}",
            chinese.replace("工业增加值（万元）", "工业增加值 (千元)")
        ));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].ends_with("industry_monthly.csv:1: column `工业增加值 (千元)` is in 千元; `value_added` is in 万元: convert it (divide by 10) and name it `value_added`"),
            "{errs:?}"
        );
        // The same rows as Parquet, its columns named as the CSV's were.
        let dir = folder(&format!("{chinese}{rows}"));
        let csv = dir.path().join(INDUSTRY_FILE);
        let mut frame = polars::df!(
            "月份" => ["2024-01", "2024-02"],
            "统一社会信用代码" => ["E1", "E1"],
            "单位详细名称" => ["甲", "甲"],
            "行政区划代码" => ["100001", "100001"],
            "行业代码" => ["13", "13"],
            "工业总产值(当年价格)" => [10.0, 11.0],
            "工业增加值（万元）" => [3.0, 3.0],
        )
        .unwrap();
        let file = std::fs::File::create(dir.path().join(INDUSTRY_PARQUET_FILE)).unwrap();
        polars::prelude::ParquetWriter::new(file)
            .finish(&mut frame)
            .unwrap();
        std::fs::remove_file(&csv).unwrap();
        let data = load(dir.path()).unwrap();
        assert_eq!(sorted(data.rows.frame()), sorted(clean.rows.frame()));
    }

    /// A 行业代码 of a class (小类 1311, 中类 131, with its section's letter or
    /// not) reads as its division, and a 统计用区划代码 of a township or a
    /// village (9 or 12 digits) as its county, from CSV and Parquet, by the
    /// fast path and the careful one (a quote sends the file to it); a
    /// class of a division industries.csv does not list is refused as a
    /// division is.
    #[test]
    fn a_class_code_reads_as_its_division_and_a_village_as_its_county() {
        let coded = |a: &str, b: &str, r: &str| {
            format!(
                "{HEADER}2024-01,E1,甲,{r},{a},10,3\n2024-02,E1,甲,100001,{b},11,3\n2024-02,E2,\"乙\",100002,27,5,1\n"
            )
        };
        let rows = |a: &str, b: &str| coded(a, b, "100001");
        let clean = load(folder(&rows("13", "13")).path()).unwrap();
        for (a, b, r) in [
            ("1311", "131", "100001"),
            ("C1311", "C13", "100001"),
            ("1399", "13", "100001201"),
            ("13", "13", "100001201014"),
        ] {
            let data = load(folder(&coded(a, b, r)).path()).unwrap();
            assert_eq!(data.rows.frame(), clean.rows.frame(), "{a} {b} {r}");
            let fast = load(folder(&coded(a, b, r).replace("\"乙\"", "乙")).path()).unwrap();
            assert_eq!(fast.rows.frame(), clean.rows.frame(), "{a} {b} {r}");
        }
        let errs = errors_of(&rows("1411", "13"));
        assert!(
            errs[0].ends_with(":2: column `industry_code`: found `1411`; expected a division code from industries.csv"),
            "{errs:?}"
        );
        // Parquet: the same rows with classes.
        let dir = folder(&rows("13", "13"));
        let mut frame = polars::df!(
            "month" => ["2024-01", "2024-02", "2024-02"],
            "enterprise_id" => ["E1", "E1", "E2"],
            "enterprise_name" => ["甲", "甲", "乙"],
            "region_code" => ["100001", "100001001", "100002003004"],
            "industry_code" => ["1311", "C131", "2710"],
            "output_value" => [10.0, 11.0, 5.0],
            "value_added" => [3.0, 3.0, 1.0],
        )
        .unwrap();
        let file = std::fs::File::create(dir.path().join(INDUSTRY_PARQUET_FILE)).unwrap();
        polars::prelude::ParquetWriter::new(file)
            .finish(&mut frame)
            .unwrap();
        std::fs::remove_file(dir.path().join(INDUSTRY_FILE)).unwrap();
        let data = load(dir.path()).unwrap();
        assert_eq!(sorted(data.rows.frame()), sorted(clean.rows.frame()));
    }

    /// A spreadsheet's rows of empty fields are skipped with one warning
    /// and read as if they were not there; a total row is one message.
    #[test]
    fn empty_rows_are_skipped_and_a_total_row_is_one_message() {
        let rows = "2024-01,E1,甲,100001,13,10,3\n2024-02,E1,甲,100001,13,11,3\n";
        let clean = load(folder(&format!("{HEADER}{rows}")).path()).unwrap();
        let dir = folder(&format!("{HEADER}{rows},,,,,,\n , ,,,,,\n"));
        let data = load(dir.path()).unwrap();
        assert_eq!(data.rows.frame(), clean.rows.frame());
        assert_eq!(data.months, clean.months);
        let warned = data.warnings.join("\n");
        assert!(
            warned.ends_with("industry_monthly.csv: skipped 2 rows with every field empty (lines 4–5), as a spreadsheet writes the rows it formatted"),
            "{warned}"
        );
        assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
        let errs = errors_of(&format!("{HEADER}{rows}合计,,,,,21,6\n"));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].ends_with("industry_monthly.csv:4: a total row (合计), not a row of the table: delete it (review adds the rows up itself)"),
            "{errs:?}"
        );
        let errs = errors_of(&format!("{HEADER}{rows},,总 计：,,,21,6\n"));
        assert!(errs[0].contains(":4: a total row (总计)"), "{errs:?}");
    }

    #[test]
    fn columns_in_any_order_with_extras() {
        let text = "note,value_added,output_value,industry_code,region_code,enterprise_name,enterprise_id,month\nx,3,10,13,100001,甲,E1,2024-01\n";
        assert!(load(folder(text).path()).is_ok());
    }

    #[test]
    fn bad_values_name_file_line_and_column() {
        let errs = errors_of(&format!(
            "{HEADER}2024-13,E1,甲,100001,13,10,3\n2024-01,E2,乙,999999,13,abc,3\n2024-01,E3,丙,100002,99,-5,3\n"
        ));
        let all = errs.join("\n");
        assert!(all.contains("industry_monthly.csv:2: column `month`: found `2024-13`; expected a month as YYYY-MM"), "{all}");
        assert!(
            all.contains(":3: column `region_code`: found `999999`"),
            "{all}"
        );
        assert!(
            all.contains(":3: column `output_value`: found `abc`; expected a number"),
            "{all}"
        );
        assert!(
            all.contains(":4: column `industry_code`: found `99`"),
            "{all}"
        );
        assert!(
            all.contains(
                ":4: column `output_value`: found -5; expected a number of 万元, zero or more"
            ),
            "{all}"
        );
    }

    #[test]
    fn duplicate_enterprise_month_names_both_lines() {
        let errs = errors_of(&format!(
            "{HEADER}2024-01,E1,甲,100001,13,10,3\n2024-01,E1,甲,100001,13,10,3\n"
        ));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].ends_with("industry_monthly.csv:3: column `enterprise_id`: enterprise E1 has two rows for 2024-01 (lines 2 and 3)"));
    }

    #[test]
    fn missing_column_and_ragged_row() {
        let errs = errors_of("month,enterprise_id,region_code\n2024-01,E1,100001\n");
        assert!(errs.iter().any(|e| e.ends_with(":1: missing column `output_value`; the header must name month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added")), "{errs:?}");
        let errs = errors_of(&format!("{HEADER}2024-01,E1,甲,100001,13,10\n"));
        assert!(
            errs[0].ends_with("industry_monthly.csv:2: found 6 fields; expected 7 like the header"),
            "{errs:?}"
        );
    }

    #[test]
    fn header_only_and_empty_files() {
        assert!(errors_of(HEADER)[0].ends_with("industry_monthly.csv: has a header but no rows"));
        assert!(errors_of("")[0].contains("industry_monthly.csv: file is empty"));
    }

    #[test]
    fn missing_folder_and_files() {
        let err = load(Path::new("/nonexistent/review-data")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/nonexistent/review-data: data folder not found (set it with --data DIR)"
        );
        let dir = tempfile::tempdir().unwrap();
        let all = load(dir.path()).unwrap_err().to_string();
        assert!(all.contains("regions.csv: file not found"), "{all}");
        assert!(
            all.contains("industry_monthly.csv: file not found"),
            "{all}"
        );
    }

    /// A division or an indicator listed twice is refused as a region is,
    /// naming both lines.
    #[test]
    fn keys_listed_twice_name_both_lines() {
        let dir = folder(&format!("{HEADER}2024-01,E1,甲,100001,13,10,3\n"));
        write(
            dir.path(),
            INDUSTRIES_FILE,
            "industry_code,name\n13,农副食品加工业\n27,医药制造业\n13,农副食品加工业\n",
        );
        write(
            dir.path(),
            CATALOG_FILE,
            "indicator,name,unit,decimals,aggregation\nvisits,接待游客,万人次,1,sum\nvisits,游客,万人次,1,sum\n",
        );
        write(
            dir.path(),
            "indicators.csv",
            "month,region_code,indicator,value\n2024-01,100001,visits,1.5\n",
        );
        let all = load(dir.path()).unwrap_err().to_string();
        assert!(
            all.contains("industries.csv:4: column `industry_code`: division 13 is listed twice (lines 2 and 4)"),
            "{all}"
        );
        assert!(
            all.contains("indicator_catalog.csv:3: column `indicator`: indicator visits is listed twice (lines 2 and 3)"),
            "{all}"
        );
    }

    #[test]
    fn stops_collecting_at_the_limit() {
        let mut text = HEADER.to_string();
        for i in 0..200 {
            text.push_str(&format!("2024-01,E{i},甲,100001,13,x,3\n"));
        }
        assert_eq!(errors_of(&text).len(), MAX_DATA_ERRORS);
    }
}
