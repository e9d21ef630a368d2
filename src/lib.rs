//! `review` turns enterprise- and region-level statistical CSVs into a typeset
//! economic review PDF.
//!
//! The pipeline runs in one direction, one module per stage:
//! [`load`] (validate the CSVs) → [`aggregate`] (Polars) → [`phrase`]
//! (figures to Chinese sentences) → [`render`] (Typst, in-process) →
//! [`archive`] (write the files). [`run`] drives it.

pub mod aggregate;
pub mod archive;
pub mod check;
pub mod diff;
pub mod error;
pub mod evidence;
pub mod load;
pub mod number;
pub mod period;
pub mod phrase;
pub mod preview;
pub mod render;
pub mod summary;
pub mod verify;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use error::{Error, Result};
use period::Period;

/// Everything one run needs, as given on the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// The period to report on.
    pub period: Period,
    /// Its year; `None` picks the latest year whose months are all present.
    pub year: Option<i32>,
    /// Folder with the input CSVs.
    pub data_dir: PathBuf,
    /// The template's main file.
    pub template: PathBuf,
    /// Output root; files go to `<out>/<year>-<period>/`.
    pub out_dir: PathBuf,
    /// Extra fonts.
    pub font_path: Option<PathBuf>,
    /// Compute value-added growth at current prices.
    pub current_prices: bool,
    /// Creation time (seconds since 1970 UTC); `None` reads
    /// `SOURCE_DATE_EPOCH`, or takes the current time.
    pub timestamp: Option<i64>,
    /// Replace an existing PDF whose bytes differ.
    pub force: bool,
    /// Text encoding of the CSV files.
    pub encoding: load::Encoding,
    /// Go on when months of the period have no data, and say so.
    pub allow_partial: bool,
    /// Paper size (Typst's name, such as `a3`); `None` lets the template
    /// choose (A3 for the newspaper review, A4 for the brief).
    pub paper: Option<String>,
    /// Bleed on every side, in millimetres, for the printer (0 for none).
    pub bleed_mm: f64,
    /// Which bulletins to make: the prefecture's, one county-level unit's,
    /// or all of them ([`run_batch`]).
    pub region: Scope,
    /// Write only summary.csv and summary.json: no PDF, for checking figures
    /// (and for timing the statistics alone).
    pub summary_only: bool,
    /// Also write every page as PNG at this many dots per inch (`--png`).
    pub png_dpi: Option<f32>,
    /// Typeset for `review preview` (`sys.inputs.preview`: cited figures
    /// link to their summary.csv rows); never set for a published PDF.
    pub preview: bool,
}

/// Where a rebuild of an archived bulletin reads and writes ([`rebuild`]).
#[derive(Debug, Clone)]
pub struct Rebuild {
    /// The attached rows, written out as a data folder.
    pub data_dir: PathBuf,
    /// The template's main file.
    pub template: PathBuf,
    /// Extra fonts, as for the original build.
    pub font_path: Option<PathBuf>,
    /// Where the rebuilt files go.
    pub out_dir: PathBuf,
}

impl Options {
    /// The options that made the bulletin whose manifest is `manifest`
    /// (the inverse of the manifest a run attaches), reading and writing
    /// where `at` says: what [`rebuild`] runs. Fails on a manifest whose
    /// period this version does not know.
    fn rebuilding(manifest: &evidence::Manifest, at: Rebuild) -> Result<Options, String> {
        Ok(Options {
            period: manifest
                .period
                .parse()
                .map_err(|e: period::ParsePeriodError| e.to_string())?,
            year: Some(manifest.year),
            data_dir: at.data_dir,
            template: at.template,
            out_dir: at.out_dir,
            font_path: at.font_path,
            current_prices: manifest.prices == "current",
            timestamp: Some(manifest.created),
            force: false,
            encoding: load::Encoding::Auto,
            allow_partial: manifest.allow_partial,
            paper: manifest.paper.clone(),
            bleed_mm: manifest.bleed_mm,
            region: manifest
                .region
                .clone()
                .map_or(Scope::Prefecture, Scope::Region),
            summary_only: false,
            png_dpi: manifest.png_dpi,
            preview: false,
        })
    }
}

/// Rebuilds the bulletin whose manifest is `manifest` as it was made (its
/// period and year, prices, paper and bleed, page images, region and
/// creation time), from the files `at` names and into its folder: what
/// `review verify` compares with the archived PDF. A manifest whose period
/// this version does not know is an [`Error::Verify`]; anything else is
/// the run's own error.
pub fn rebuild(manifest: &evidence::Manifest, at: Rebuild) -> Result<Outcome> {
    run(&Options::rebuilding(manifest, at).map_err(Error::Verify)?)
}

/// Which bulletins a run makes (`--region`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Scope {
    /// The prefecture's bulletin (no `--region`).
    #[default]
    Prefecture,
    /// The prefecture's and one per county-level unit (`--region all`).
    All,
    /// One county-level unit's bulletin, by code or name (`--region 222401`).
    Region(String),
}

/// One bulletin of a batch: which unit, and how it went.
#[derive(Debug)]
pub struct Report {
    /// The unit's name, such as 延吉市 (the prefecture's short name for its
    /// own bulletin).
    pub unit: String,
    /// What was written, or why not.
    pub result: Result<Made>,
}

/// What a batch made for one unit.
#[derive(Debug)]
pub enum Made {
    /// The bulletin.
    Bulletin(Outcome),
    /// No bulletin, and why: the unit has no 规上 enterprise in the period
    /// (it happens in small counties); the prefecture's page says
    /// 本期无规模以上工业企业 for it.
    Nothing(String),
}

/// Paper sizes `--paper` accepts (Typst's names).
pub const PAPERS: [&str; 7] = ["a3", "a4", "a5", "iso-b4", "iso-b5", "jis-b4", "jis-b5"];

/// What a successful run wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The PDF (`None` with `--summary-only`).
    pub pdf: Option<PathBuf>,
    /// Its pages as PNG (`--png`), beside it.
    pub pages: Vec<PathBuf>,
    /// The summary the PDF was made from.
    pub summary_json: PathBuf,
    /// Every figure, one per row.
    pub summary_csv: PathBuf,
    /// The folder already held a byte-identical PDF.
    pub unchanged: bool,
    /// Warnings about the data that did not stop the run.
    pub warnings: Vec<String>,
    /// A warning about this bulletin's own page (a broadsheet whose text
    /// ends short of its foot).
    pub page_warning: Option<String>,
}

/// The document the template reads: the figures and their phrasing.
#[derive(Serialize)]
pub struct Bulletin<'a> {
    /// Unrounded figures.
    pub summary: &'a aggregate::Summary,
    /// Sentences and display strings, rounded once.
    pub text: &'a phrase::Phrases,
    /// The files the template attaches to the PDF (names and descriptions;
    /// `review` serves their bytes at these paths).
    pub attachments: &'a [evidence::Attachment],
}

/// Resolves `--template`: a path to a `.typ` file, or the name of one of the
/// shipped templates (`review` → `templates/review.typ`).
pub fn resolve_template(name_or_path: &str) -> PathBuf {
    let path = Path::new(name_or_path);
    if path.extension().is_some() || path.components().count() > 1 {
        path.to_path_buf()
    } else {
        Path::new("templates").join(format!("{name_or_path}.typ"))
    }
}

/// Runs the whole pipeline for one bulletin: the prefecture's, or one
/// county-level unit's (`Scope::Region`). `Scope::All` is [`run_batch`]'s.
pub fn run(opts: &Options) -> Result<Outcome> {
    let prepared = Prepared::new(opts)?;
    let unit = match &opts.region {
        Scope::Prefecture => None,
        Scope::Region(wanted) => Some(prepared.unit_index(wanted)?),
        Scope::All => {
            return Err(Error::Usage(
                "--region all makes several bulletins: use run_batch".into(),
            ));
        }
    };
    prepared.bulletin(unit)
}

/// `--region all`: the prefecture's bulletin and one per county-level unit,
/// from one load and one aggregation of the whole, with fonts and template
/// read once; the units render in parallel. A unit that fails does not stop
/// the others: each gets its [`Report`]. `done` is called after each
/// bulletin with the number of bulletins in all (for a progress bar). Fails
/// only when nothing can be made (bad data, bad options).
pub fn run_batch(opts: &Options, done: &(dyn Fn(&Report, usize) + Sync)) -> Result<Vec<Report>> {
    let prepared = Prepared::new(opts)?;
    let units: Vec<Option<usize>> = std::iter::once(None)
        .chain((0..prepared.input.data.counties.len()).map(Some))
        .collect();
    let total = units.len();
    // The units' figures one after the other on this thread, each unit's
    // bulletin (Typst's work) handed to a renderer as soon as its figures
    // are there. The renderers are threads of their own, not rayon's: Typst
    // and krilla use rayon inside a render (pages laid out in parallel,
    // fonts subset in the background), and a rayon worker waiting on that
    // work takes up a queued bulletin meanwhile. A render then finished only
    // after the ones it had taken up: the sample's nine bulletins ended in
    // two bursts, and the last unit's figures waited two-thirds of the
    // batch for a free slot. From a thread outside the pool, rayon's work
    // runs on the pool and the render waits for it, so each bulletin is
    // written when it is done (the batch takes as long: BENCHMARKS.md).
    let reports: Vec<std::sync::Mutex<Option<Report>>> =
        units.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let renderers = rayon::current_num_threads().max(1);
    // The figures run ahead of the renders by at most three queued
    // bulletins per renderer, four with the one it renders: a unit's
    // figures wait in memory, so an unbounded lead made a 61-bulletin
    // batch's memory grow with the number of units (670 MB) instead of
    // staying flat. A lead of one per thread was flatter still but slower:
    // the units' Polars plans then ran between the renders instead of
    // beside them.
    type Job = (
        usize,
        Option<usize>,
        String,
        Result<Option<aggregate::Summary>>,
    );
    let (queue, queued) = std::sync::mpsc::sync_channel::<Job>(3 * renderers);
    // Each renderer holds the receiving end: when all have stopped (a
    // panic), it is dropped and the queue refuses the next job instead of
    // waiting for room forever.
    let queued = std::sync::Arc::new(std::sync::Mutex::new(queued));
    let prepared = &prepared;
    let slots = &reports;
    std::thread::scope(|scope| {
        for _ in 0..renderers {
            let queued = queued.clone();
            scope.spawn(move || {
                loop {
                    // The lock is held only while waiting for the next job.
                    let job = queued.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((at, unit, name, summary)) = job else {
                        break;
                    };
                    let report = Report {
                        unit: name,
                        result: summary
                            .and_then(|summary| {
                                prepared.bulletin_of(
                                    unit,
                                    summary.as_ref().unwrap_or(&prepared.figures.whole),
                                )
                            })
                            .map(Made::Bulletin),
                    };
                    done(&report, total);
                    *slots[at].lock().unwrap_or_else(|e| e.into_inner()) = Some(report);
                }
            });
        }
        drop(queued);
        for (at, unit) in units.into_iter().enumerate() {
            let name = unit.map_or_else(
                || prepared.input.data.prefecture.short_name.clone(),
                |i| prepared.input.data.counties[i].name.clone(),
            );
            // A unit without enterprises in scope has nothing to report.
            if let Some(i) = unit
                && prepared.figures.whole.regions[i].enterprises == 0
            {
                let report = Report {
                    result: Ok(Made::Nothing(format!(
                        "no bulletin: no 规上 enterprise in {} (本期无规模以上工业企业)",
                        prepared.figures.whole.period
                    ))),
                    unit: name,
                };
                done(&report, total);
                *slots[at].lock().unwrap_or_else(|e| e.into_inner()) = Some(report);
                continue;
            }
            let summary = prepared.unit_summary(unit);
            // Fails only when every renderer has stopped, which only a
            // panic does; the scope then passes the panic on.
            if queue.send((at, unit, name, summary)).is_err() {
                break;
            }
        }
        drop(queue);
    });
    Ok(reports
        .into_iter()
        .filter_map(|r| r.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect())
}

/// One bulletin kept ready for the preview: its data loaded and aggregated,
/// its typesetter warm. A story's edit re-phrases it ([`Session::reload_stories`]);
/// only a change to the data re-aggregates ([`Session::reload_data`]). It
/// never writes a file.
pub struct Session<'o> {
    opts: &'o Options,
    prepared: Prepared<'o>,
}

impl<'o> Session<'o> {
    /// Loads, validates and aggregates as a build does. `--region all`
    /// previews the prefecture's bulletin; `--summary-only` does not apply.
    pub fn new(opts: &'o Options) -> Result<Session<'o>> {
        if opts.summary_only {
            return Err(Error::Usage(
                "the preview typesets: drop --summary-only".into(),
            ));
        }
        Ok(Session {
            opts,
            prepared: Prepared::new(opts)?,
        })
    }

    /// The warnings about the data and the stories, as a build prints
    /// them (a thin month, a moving enterprise, a story's note).
    pub fn warnings(&self) -> &[String] {
        &self.prepared.input.warnings
    }

    /// The data changed (a CSV, `publication.toml`): everything again.
    pub fn reload_data(&mut self) -> Result<()> {
        self.prepared = Prepared::new(self.opts)?;
        Ok(())
    }

    /// The period's stories or pictures changed: read them again; the
    /// figures stay.
    pub fn reload_stories(&mut self) -> Result<()> {
        let p = &mut self.prepared;
        p.stories = load::stories(&p.input.data, p.input.year, self.opts.period)?.0;
        Ok(())
    }

    /// Files of the template's folder changed: the next pages read them
    /// again (and the bulletin attaches the new ones).
    pub fn template_changed(&mut self, paths: &[PathBuf]) -> Result<()> {
        if let Some(t) = &mut self.prepared.output.typesetting {
            t.typesetter.forget(paths);
            t.template_files = evidence::read_folder(&render::template_root(&self.opts.template))?;
        }
        Ok(())
    }

    /// The bulletin's pages as SVG, typeset with everything as it is now,
    /// and its summary.csv.
    pub fn pages(&self) -> Result<(Vec<String>, Vec<u8>)> {
        let p = &self.prepared;
        let unit = match &self.opts.region {
            Scope::Region(wanted) => Some(p.unit_index(wanted)?),
            Scope::Prefecture | Scope::All => None,
        };
        let summary = p.unit_summary(unit)?;
        let built = match p.stage(unit, summary.as_ref().unwrap_or(&p.figures.whole))? {
            Stage::Ready(built) => built,
            Stage::SummaryOnly { .. } => unreachable!("a session never runs summary-only"),
        };
        let typesetting = p.output.typesetting.as_ref().expect("a session typesets");
        Ok((
            typesetting.typesetter.svg_pages(&built.job)?,
            built.summary_csv,
        ))
    }
}

/// A bulletin phrased, with its evidence gathered: what render gets and
/// what archive writes beside the PDF.
struct Built {
    job: render::Job,
    json: Vec<u8>,
    summary_csv: Vec<u8>,
    manifest: Vec<u8>,
    dir: PathBuf,
    stem: String,
}

/// What [`Prepared::stage`] made, without writing anything: the figures
/// to write (`--summary-only`: summary.json, summary.csv, their folder), or
/// a bulletin ready to typeset.
enum Stage {
    SummaryOnly {
        json: Vec<u8>,
        csv: Vec<u8>,
        dir: PathBuf,
    },
    Ready(Built),
}

/// What every bulletin of a run shares: the validated data, the whole's
/// figures, the stories, fonts and template.
struct Prepared<'o> {
    opts: &'o Options,
    /// What the run read: the data, the year, its missing months, the
    /// warnings (with the stories' notes).
    input: Inputs,
    stories: Vec<load::Story>,
    /// The whole's figures and the scope every bulletin groups.
    figures: Figures,
    /// What every bulletin is typeset with and carries.
    output: Output,
}

/// The figures every bulletin of a run starts from.
struct Figures {
    prices: aggregate::Prices,
    /// The period's comparable scope, worked out once for every bulletin.
    scope: aggregate::Scope,
    /// The whole's (the prefecture's) figures.
    whole: aggregate::Summary,
}

/// What a run's PDFs are made with and carry.
struct Output {
    /// What typesetting needs; `None` with `--summary-only`, which needs
    /// neither fonts nor a template folder.
    typesetting: Option<Typesetting>,
    /// The input rows to attach (empty with `--summary-only`).
    attachments: evidence::Inputs,
    /// The creation time every PDF records.
    timestamp: i64,
}

/// The template and fonts a run typesets with, read once, and their hashes.
struct Typesetting {
    /// Every bulletin of the run is typeset by this one (Typst's memoised
    /// work shared from one to the next).
    typesetter: render::Typesetter,
    /// The template folder's files, hashed, with their bytes (attached).
    template_files: Vec<(evidence::Hashed, Vec<u8>)>,
    font_files: Vec<evidence::Hashed>,
}

/// What a run reads before it computes anything: the validated data, the
/// year, the period's missing months and the warnings about the data.
struct Inputs {
    data: load::Dataset,
    year: i32,
    missing: Vec<String>,
    warnings: Vec<String>,
}

impl Inputs {
    /// Loads and validates the data folder for `opts`' period, and picks
    /// the year.
    fn load(opts: &Options) -> Result<Inputs> {
        // Only the months of the enterprise rows the figures read are kept:
        // January (累计 and the earlier period start there) to the period's end.
        let kept = (1, opts.period.month_range().1);
        let data = load::load_months(&opts.data_dir, kept, opts.encoding)?;
        let range = opts.period.month_range();
        let year = match opts.year {
            Some(year) => year,
            None => {
                let found = data.latest_complete_year(range).or_else(|| {
                    opts.allow_partial
                        .then(|| data.latest_year_with_any(range))
                        .flatten()
                });
                found.ok_or_else(|| {
                    Error::Data(vec![error::DataError::file(
                        &data.industry_file,
                        format!(
                            "no year has data for every month of {} (name one with --year, and add --allow-partial to report on the months there are)",
                            opts.period.key()
                        ),
                    )])
                })?
            }
        };
        let missing = data.missing_months(year, range);
        if missing.len() == opts.period.months(year).len()
            || (!missing.is_empty() && !opts.allow_partial)
        {
            return Err(Error::Data(vec![error::DataError::file(
                &data.industry_file,
                format!(
                    "{year}-{} is incomplete: no rows for {}{}",
                    opts.period.key(),
                    missing.join(", "),
                    if missing.len() < opts.period.months(year).len() {
                        " (run with --allow-partial to report on the months there are)"
                    } else {
                        ""
                    }
                ),
            )]));
        }
        let mut warnings = data.warnings.clone();
        if !missing.is_empty() {
            warnings.push(format!(
                "{year}-{} is partial (--allow-partial): no rows for {}; the bulletin says so",
                opts.period.key(),
                missing.join(", ")
            ));
        }
        // A month some of whose returns are not in yet (the period's or the
        // comparison's) reads as a fall or a rise in every figure.
        for thin in data
            .thin_months(year - 1)
            .iter()
            .chain(&data.thin_months(year))
        {
            warnings.push(format!(
                "{}: {thin}; `review check` lists the enterprises with no row for it",
                data.industry_file.display()
            ));
        }
        if data.missing_months(year - 1, range).len() == opts.period.months(year).len() {
            warnings.push(format!(
                "{}: no rows for {}-{}, the comparison period: growth rates cannot be computed and print as —",
                data.industry_file.display(),
                year - 1,
                opts.period.key()
            ));
        }
        Ok(Inputs {
            data,
            year,
            missing,
            warnings,
        })
    }
}

/// `review check`: audits the period's rows (数据审核) with the thresholds of
/// `publication.toml`'s `[check]`, and writes `check.csv` into the period's
/// output folder; returns the report and where it wrote it. Bad data is the
/// usual data error; findings are the report's.
pub fn check(opts: &Options) -> Result<(check::Report, PathBuf)> {
    let inputs = Inputs::load(opts)?;
    let thresholds = check::Thresholds::of(&inputs.data.publication.check);
    let mut report = check::check(&inputs.data, opts.period, inputs.year, thresholds)?;
    report.file = opts.data_dir.join(&report.file).display().to_string();
    report.warnings = inputs.warnings;
    let dir = opts.out_dir.join(opts.period.label(inputs.year));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Output {
        path: dir.clone(),
        source,
    })?;
    let path = dir.join("check.csv");
    let _lock = archive::lock(&dir)?;
    archive::write_atomic(&path, &report.to_csv())?;
    Ok((report, path))
}

impl<'o> Prepared<'o> {
    fn new(opts: &'o Options) -> Result<Prepared<'o>> {
        // A summary-only run typesets nothing: no template folder is needed.
        let template = (!opts.summary_only)
            .then(|| render::Template::open(&opts.template))
            .transpose()?;
        let mut input = Inputs::load(opts)?;
        let prices = if opts.current_prices {
            aggregate::Prices::Current
        } else {
            aggregate::Prices::Comparable
        };
        let request = aggregate::Request {
            period: opts.period,
            year: input.year,
            prices,
            region: None,
        };
        // The figures on one side; on the other what the archive needs,
        // which does not depend on them (fonts and their hashes, the input
        // rows to attach): a third of a small run's time, done meanwhile.
        // The whole's figures are on the figures' side too, so that neither
        // waits for the other before the render.
        let data = &input.data;
        let (figures, archived) = rayon::join(
            || {
                let scope = aggregate::Scope::new(data, request)?;
                let whole = aggregate::aggregate_scoped(data, request, &scope)?;
                Ok::<_, Error>(Figures {
                    prices,
                    scope,
                    whole,
                })
            },
            || {
                // The summary-only run typesets and attaches nothing.
                if opts.summary_only {
                    return Ok::<_, Error>((None, evidence::Inputs::default()));
                }
                let fonts = render::Fonts::shared(opts.font_path.as_deref())?;
                let font_files = evidence::hash_files(&fonts.files());
                let attachments = evidence::inputs(data, opts.period, request.year, prices)?;
                Ok((Some((fonts, font_files)), attachments))
            },
        );
        let figures = figures?;
        // Every bulletin reads the scope: the rows are not needed again, nor
        // the enterprise file's text once its rows are attached.
        input.data.rows = load::EnterpriseRows::default();
        input.data.texts.remove(load::INDUSTRY_FILE);
        let (fonts, attachments) = archived?;
        let (stories, notes) = load::stories(&input.data, input.year, opts.period)?;
        input.warnings.extend(notes);
        let typesetting = match (template, fonts) {
            (Some(template), Some((fonts, font_files))) => Some(Typesetting {
                template_files: evidence::read_folder(&render::template_root(&opts.template))?,
                typesetter: render::Typesetter::new(template, fonts, &typst_inputs(opts)),
                font_files,
            }),
            _ => None,
        };
        Ok(Prepared {
            opts,
            input,
            stories,
            figures,
            output: Output {
                typesetting,
                attachments,
                timestamp: opts.timestamp.unwrap_or_else(timestamp),
            },
        })
    }

    /// The county-level unit named by code, name or short name.
    fn unit_index(&self, wanted: &str) -> Result<usize> {
        let wanted = wanted.trim();
        self.input.data
            .counties
            .iter()
            .position(|r| r.code == wanted || r.name == wanted || r.short_name == wanted)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--region {wanted}: not a county-level unit of regions.csv (expected all, or a code or name: {})",
                    self.input.data
                        .counties
                        .iter()
                        .map(|r| format!("{} {}", r.code, r.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// A county-level unit's figures (`None` for the whole, whose figures
    /// are [`Prepared::whole`]).
    fn unit_summary(&self, unit: Option<usize>) -> Result<Option<aggregate::Summary>> {
        unit.map(|i| {
            aggregate::aggregate_scoped(
                &self.input.data,
                aggregate::Request {
                    period: self.opts.period,
                    year: self.input.year,
                    prices: self.figures.prices,
                    region: Some(i),
                },
                &self.figures.scope,
            )
        })
        .transpose()
    }

    /// Makes one bulletin: the whole's (`None`) or a county-level unit's.
    fn bulletin(&self, unit: Option<usize>) -> Result<Outcome> {
        let summary = self.unit_summary(unit)?;
        self.bulletin_of(unit, summary.as_ref().unwrap_or(&self.figures.whole))
    }

    /// Phrases the bulletin of `unit` and gathers what its render needs
    /// (with `--summary-only`, what to write instead). Writes nothing.
    fn stage(&self, unit: Option<usize>, summary: &aggregate::Summary) -> Result<Stage> {
        let opts = self.opts;
        let data = &self.input.data;
        let (place, code) = match unit {
            None => (&data.prefecture, None),
            Some(i) => (&data.counties[i], Some(data.counties[i].code.clone())),
        };
        // A unit's bulletin carries its own stories only.
        let stories: Vec<load::Story> = self
            .stories
            .iter()
            .filter(|s| code.is_none() || s.region.as_ref().map(|r| &r.0) == code.as_ref())
            .cloned()
            .collect();
        let names = |r: &load::Region| {
            let mut names = vec![r.short_name.clone(), r.name.clone()];
            names.dedup();
            (r.code.clone(), names)
        };
        let whole_word = phrase::prefecture_word(&data.publication, &names(&data.prefecture).1);
        let ctx = phrase::Context {
            place: place.short_name.clone(),
            place_names: names(place).1,
            period: opts.period,
            missing_months: self.input.missing.clone(),
            prefecture: names(&data.prefecture),
            counties: data.counties.iter().map(names).collect(),
            publication: data.publication.clone(),
            stories,
            image_root: evidence::pictures_dir(self.input.year, opts.period),
            table_names: data
                .industries
                .iter()
                .map(|i| {
                    let name = phrase::table_name(&i.code, &i.name, i.short_name.as_deref());
                    (i.code.clone(), name)
                })
                .collect(),
            whole_of: unit.map(|i| phrase::WholeOf {
                place: data.prefecture.short_name.clone(),
                whole_word: whole_word.clone(),
                whole: self.figures.whole.prefecture.clone(),
                unit: self.figures.whole.regions[i].clone(),
                rows: self.figures.whole.rows(&data.prefecture.code),
            }),
        };
        let text = phrase::phrase(summary, &ctx)?;
        let summary_csv = summary.to_csv(&place.code);
        let dir = match &code {
            None => opts.out_dir.join(&summary.period),
            Some(code) => opts.out_dir.join(&summary.period).join(code),
        };
        if opts.summary_only {
            let json = serde_json::to_vec_pretty(&Bulletin {
                summary,
                text: &text,
                attachments: &[],
            })
            .expect("the bulletin serialises");
            return Ok(Stage::SummaryOnly {
                json,
                csv: summary_csv,
                dir,
            });
        }
        let Some(typesetting) = &self.output.typesetting else {
            return Err(Error::Usage(
                "a summary-only run typesets no bulletin".into(),
            ));
        };
        Ok(Stage::Ready(self.job(
            typesetting,
            summary,
            &ctx,
            text,
            summary_csv,
            (place, code),
            dir,
        )?))
    }

    /// The bulletin's evidence, data file and render job.
    #[allow(clippy::too_many_arguments)]
    fn job(
        &self,
        typesetting: &Typesetting,
        summary: &aggregate::Summary,
        ctx: &phrase::Context,
        text: phrase::Phrases,
        summary_csv: Vec<u8>,
        (place, code): (&load::Region, Option<String>),
        dir: PathBuf,
    ) -> Result<Built> {
        let opts = self.opts;
        let data = &self.input.data;
        let mut evidence = evidence::gather(&evidence::Request {
            data,
            period: opts.period,
            year: self.input.year,
            prices: self.figures.prices,
            summary_csv: &summary_csv,
            template: &opts.template,
            template_files: &typesetting.template_files,
            fonts: &typesetting.font_files,
            inputs: &self.output.attachments,
            timestamp: self.output.timestamp,
            allow_partial: !self.input.missing.is_empty(),
            stories: &ctx.stories,
            paper: opts.paper.clone(),
            bleed_mm: opts.bleed_mm,
            region: code.clone(),
            png_dpi: opts.png_dpi,
        })?;
        let json = serde_json::to_vec_pretty(&Bulletin {
            summary,
            text: &text,
            attachments: &evidence.attachments,
        })
        .expect("the bulletin serialises");
        evidence.set_summary_json(&json);
        // The JSON above has the names; the bytes move to the renderer (the
        // stories' pictures among them, which the template shows from there).
        let files = evidence
            .attachments
            .iter_mut()
            .map(|a| (a.path.clone(), std::mem::take(&mut a.bytes)))
            .collect();
        let job = render::Job {
            data: json.clone(),
            files,
            timestamp: self.output.timestamp,
            ident: format!("review/{}/{}", place.code, summary.period),
        };
        let template_stem = opts
            .template
            .file_stem()
            .map_or("review".into(), |s| s.to_string_lossy());
        let stem = match &code {
            None => format!("{template_stem}-{}", summary.period),
            Some(code) => format!("{template_stem}-{}-{code}", summary.period),
        };
        Ok(Built {
            job,
            json,
            summary_csv,
            manifest: evidence::manifest_bytes(&evidence.manifest),
            dir,
            stem,
        })
    }

    /// Makes the bulletin of `unit` from its figures: typesets and archives
    /// it (or, with `--summary-only`, writes its figures).
    fn bulletin_of(&self, unit: Option<usize>, summary: &aggregate::Summary) -> Result<Outcome> {
        let built = match self.stage(unit, summary)? {
            Stage::SummaryOnly { json, csv, dir } => {
                let written = archive::summaries(&dir, &json, &csv)?;
                return Ok(Outcome {
                    pdf: None,
                    pages: Vec::new(),
                    summary_json: written.0,
                    summary_csv: written.1,
                    unchanged: false,
                    warnings: self.input.warnings.clone(),
                    page_warning: None,
                });
            }
            Stage::Ready(built) => built,
        };
        let typesetting = self
            .output
            .typesetting
            .as_ref()
            .expect("a typeset stage has a typesetter");
        let rendered = typesetting
            .typesetter
            .render_with_pages(&built.job, self.opts.png_dpi)?;
        let (pdf, pages) = (rendered.pdf, rendered.pages);
        let written = archive::archive(&archive::Outputs {
            dir: built.dir,
            stem: built.stem,
            pdf: &pdf,
            pages: &pages,
            summary_json: &built.json,
            summary_csv: &built.summary_csv,
            manifest: &built.manifest,
            force: self.opts.force,
        })?;
        Ok(Outcome {
            pdf: Some(written.pdf),
            pages: written.pages,
            summary_json: written.summary_json,
            summary_csv: written.summary_csv,
            unchanged: written.unchanged,
            warnings: self.input.warnings.clone(),
            page_warning: rendered.short_page.map(|end| {
                format!(
                    "the page's text ends at {:.0} % of its height: this bulletin has too little text for a \
                     broadsheet (the editors' stories fill it; --paper a4 sets it on A4 pages)",
                    end * 100.0
                )
            }),
        })
    }
}

/// The `sys.inputs` a run's options give the template: `bleed`, and
/// `paper` when one is chosen.
fn typst_inputs(opts: &Options) -> Vec<(String, String)> {
    let mut inputs = vec![("bleed".to_string(), format!("{}", opts.bleed_mm))];
    inputs.extend(opts.paper.clone().map(|p| ("paper".to_string(), p)));
    if opts.preview {
        inputs.push(("preview".to_string(), "true".to_string()));
    }
    inputs
}

/// The creation time in seconds since 1970 (UTC): `SOURCE_DATE_EPOCH` when
/// it is set, so that rebuilds are byte-identical, otherwise now.
pub fn timestamp() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_and_paths() {
        assert_eq!(
            resolve_template("review"),
            Path::new("templates/review.typ")
        );
        assert_eq!(resolve_template("brief"), Path::new("templates/brief.typ"));
        assert_eq!(resolve_template("my/own.typ"), Path::new("my/own.typ"));
        assert_eq!(resolve_template("own.typ"), Path::new("own.typ"));
    }
}
