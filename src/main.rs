//! The `review` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use review::period::Period;

const AFTER_HELP: &str = "\
Examples:
  review --period H1                  first half of the latest complete year
  review --period q3 --year 2023      third quarter of 2023
  review --period M05 --data other/ --out /tmp/bulletins
  review --period Q1-Q3               前三季度 (January to September)
  review --period M01-M05             1—5月, a monthly cumulative release
  review --period FY --current-prices
  review --period H1 --template brief  the A4 statistical release
  review --period H1 --region all     the prefecture's and every county's bulletin
  review --period H1 --region 延吉市   one county's bulletin
  review --period H1 --paper a3 --bleed 3   print-ready broadsheet with bleed
  review --period H1 --png            also the pages as PNG, for the web
  review preview --period H1          live preview at http://127.0.0.1:8765/
  review verify out/2024-H1/review-2024-H1.pdf

Set SOURCE_DATE_EPOCH for byte-identical rebuilds.

Exit status: 0 success, 1 data error, 2 usage error, 3 template error, 4 output error,
5 verification failed (review verify), 6 findings (review check --fail-on-findings).";

/// Turns statistical CSVs into a typeset economic review PDF.
///
/// Reads the data folder, aggregates the period with Polars, phrases the
/// figures in Chinese and typesets the bulletin with Typst. Writes
/// <out>/<year>-<period>/review-<year>-<period>.pdf (PDF/A-3u and PDF/UA-1, with
/// its input rows attached), summary.csv, summary.json and manifest.json.
#[derive(Debug, Parser)]
#[command(
    name = "review",
    version,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    flags: DataFlags,

    #[command(flatten)]
    build: BuildFlags,
}

/// The flags of a build beyond the data: template, fonts, units, paper,
/// page images. A build's and `review preview`'s.
#[derive(Debug, Args)]
struct BuildFlags {
    /// Template: a shipped name (review) or a path to a .typ file.
    /// Example: --template templates/review.typ
    #[arg(long, value_name = "NAME|PATH", default_value = "templates/review.typ")]
    template: String,

    /// Folder with extra font files (.otf, .ttf, .ttc) for templates that
    /// need other faces; system fonts are never used. Example: --font-path fonts/extra
    #[arg(long, value_name = "DIR")]
    font_path: Option<PathBuf>,

    /// Replace a PDF already in the output folder whose bytes differ (by
    /// default review refuses, so a published bulletin is never silently
    /// overwritten; an identical rebuild is always fine).
    #[arg(long)]
    force: bool,

    /// Bulletins for county-level units: `all` for the prefecture's and one
    /// per unit (in parallel, in one process), or one unit's code or name.
    /// A unit's bulletin goes to <out>/<year>-<period>/<code>/.
    /// Example: --region all, --region 222401, --region 延吉市
    #[arg(long, value_name = "all|CODE|NAME")]
    region: Option<String>,

    /// Write only summary.csv and summary.json (no PDF): to check the
    /// figures, or to time the statistics alone.
    #[arg(long)]
    summary_only: bool,

    /// Paper size: a3, a4, a5, iso-b4, iso-b5, jis-b4, jis-b5. Default: the
    /// template's own (A3 broadsheet for review, A4 for brief). Example: --paper a4
    #[arg(long, value_name = "SIZE", value_parser = parse_paper)]
    paper: Option<String>,

    /// Bleed for the printer, in millimetres on every side (0–10): the page
    /// grows by it, the PDF gets a TrimBox at the paper size, and crop marks
    /// are drawn in the bleed at the trim corners. Example: --bleed 3
    #[arg(long, value_name = "MM", default_value = "0", value_parser = parse_bleed)]
    bleed: f64,

    /// Also write every page as PNG beside the PDF (<stem>-<page>.png), for
    /// the website and messaging channels; recorded in the manifest and
    /// rebuilt by verify.
    #[arg(long)]
    png: bool,

    /// Resolution of the --png page images, in dots per inch (36–600).
    /// Example: --png --png-dpi 200
    #[arg(long, value_name = "DPI", default_value = "144", value_parser = parse_dpi)]
    png_dpi: f32,
}

/// The flags that say which data to read for which period: a build's and
/// `review check`'s.
#[derive(Debug, Args)]
struct DataFlags {
    /// Period to report on: H1, H2, Q1–Q4, FY, a month M01–M12, a range of
    /// months M01-M09 (1—9月; a range with a name is that period, M01-M06 is
    /// H1), or Q1-Q3 (前三季度), case-insensitive; or as releases name them:
    /// 上半年, 下半年, 一季度 … 四季度, 前三季度, 全年, 6月, 1—6月 (1-6月).
    /// Example: --period H1, --period 1—5月
    #[arg(long, value_parser = parse_period, required = true)]
    period: Option<Period>,

    /// Year of the period. Default: the latest year whose months of the
    /// period all have data. Example: --year 2024
    #[arg(long)]
    year: Option<i32>,

    /// Folder with industry_monthly.csv, regions.csv, industries.csv and
    /// price_index.csv. Example: --data data
    #[arg(long = "data", value_name = "DIR", default_value = "data")]
    data: PathBuf,

    /// Output root; files go to <DIR>/<year>-<period>/. Example: --out out
    #[arg(long = "out", value_name = "DIR", default_value = "out")]
    out: PathBuf,

    /// Compute value-added growth at current prices instead of deflating it
    /// with price_index.csv; the bulletin then says 按现价计算.
    #[arg(long)]
    current_prices: bool,

    /// Text encoding of the data folder's files. By default (auto) each
    /// file is read as UTF-8 (with or without BOM) when it is UTF-8, else as
    /// gb18030 (also GBK, GB2312, as Chinese spreadsheet software saves
    /// files) with a note naming it; utf-8 or gb18030 forces one for every
    /// file. Example: --encoding gb18030
    #[arg(long, value_name = "NAME", default_value = "auto")]
    encoding: review::load::Encoding,

    /// Go on when months of the period have no data yet: figures cover the
    /// months there are, and the bulletin's 附注 names the missing ones.
    #[arg(long)]
    allow_partial: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audits the period's rows before publishing (数据审核).
    ///
    /// Reads and aggregates the period as a build does and prints, grouped by
    /// rule, every enterprise-month that looks wrong: a month far from the
    /// enterprise's median month, growth far up or down on a sizeable base,
    /// value added above output or a value-added rate outside a plausible
    /// band, enterprises that reported last year and not now, new ones, and
    /// the largest contributors to growth (拉动). Each finding names the
    /// enterprise and file:line. Thresholds: publication.toml [check].
    /// Writes <out>/<year>-<period>/check.csv. Exits 0 when the data is valid
    /// (findings are warnings). Example: review check --period H1
    Check {
        #[command(flatten)]
        flags: DataFlags,
        /// Exit 6 when there are findings, for scripts.
        #[arg(long)]
        fail_on_findings: bool,
    },
    /// Shows the bulletin in a browser and follows every edit (live preview).
    ///
    /// Serves on 127.0.0.1 only and prints the address. The page shows every
    /// page of the bulletin and updates itself within a second of a saved
    /// change to the CSVs, publication.toml, the period's stories and
    /// pictures, or any file of the template's folder; a change that breaks
    /// the build shows the error above the last good pages. Writes nothing:
    /// publishing stays `review --period …`. Every build flag applies.
    /// Example: review preview --period H1 --port 8765
    Preview {
        #[command(flatten)]
        flags: DataFlags,
        #[command(flatten)]
        build: BuildFlags,
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value = "8765")]
        port: u16,
    },
    /// Rebuilds a bulletin from the data attached to it and compares bytes.
    ///
    /// Checks every attachment against the manifest, the template folder and
    /// the fonts against their recorded SHA-256, reruns the pipeline with
    /// the recorded period and creation time, and compares the PDF byte for
    /// byte. Example: review verify out/2024-H1/review-2024-H1.pdf
    Verify {
        /// The PDFs to verify, such as a batch's `out/2024-H1/**/*.pdf`:
        /// one process rebuilds them all, sharing fonts and Typst's work.
        #[arg(required = true, value_name = "PDF")]
        files: Vec<PathBuf>,
        /// Template to rebuild with. Default: templates/<name in the manifest>.
        #[arg(long, value_name = "PATH")]
        template: Option<PathBuf>,
        /// Extra fonts, as given when the PDF was made.
        #[arg(long, value_name = "DIR")]
        font_path: Option<PathBuf>,
    },
    /// Lists what a revision changed between two versions of a bulletin.
    ///
    /// OLD and NEW are bulletin PDFs made by review (their attached
    /// summary.csv, summary.json and manifest) or summary.csv files. Prints
    /// every figure that differs (unrounded and as printed, and the
    /// difference), then the printed sentences and table cells that changed,
    /// then what differs in the manifests; one line when nothing differs.
    /// Example: review diff old/review-2024-H1.pdf out/2024-H1/review-2024-H1.pdf
    Diff {
        /// The bulletin as published (PDF or summary.csv).
        old: PathBuf,
        /// The revised bulletin (PDF or summary.csv).
        new: PathBuf,
        /// Also write the differences as CSV
        /// (kind,key,old,new,old_printed,new_printed,difference).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Exit 1 when anything differs, as `git diff --exit-code` does.
        #[arg(long)]
        exit_code: bool,
        /// Write a typeset 更正说明 (correction notice) PDF listing the
        /// figures whose printed value changed. Default FILE:
        /// notice-<period>.pdf beside NEW.
        #[arg(long, value_name = "FILE", num_args = 0..=1)]
        notice: Option<Option<PathBuf>>,
        /// The notice's template. Default: templates/notice.typ
        #[arg(long, value_name = "PATH", default_value = "templates/notice.typ")]
        template: PathBuf,
        /// Replace a different notice already at FILE.
        #[arg(long)]
        force: bool,
    },
}

fn parse_paper(text: &str) -> Result<String, String> {
    let lower = text.trim().to_ascii_lowercase();
    if review::PAPERS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "unknown paper size `{text}` (expected one of {})",
            review::PAPERS.join(", ")
        ))
    }
}

fn parse_bleed(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches("mm");
    match number.parse::<f64>() {
        Ok(mm) if (0.0..=10.0).contains(&mm) => Ok(mm),
        _ => Err(format!(
            "`{text}` is not a bleed: expected millimetres from 0 to 10, such as 3"
        )),
    }
}

fn parse_period(text: &str) -> Result<Period, String> {
    text.parse::<Period>().map_err(|e| e.to_string())
}

/// `review diff`: the report on stdout, the CSV and the notice if asked.
fn diff(
    old: &std::path::Path,
    new: &std::path::Path,
    csv: Option<&std::path::Path>,
    notice: Option<(Option<&std::path::Path>, &std::path::Path, bool)>,
    exit_code: bool,
) -> Result<ExitCode, review::Error> {
    let report = review::diff::compare(review::diff::read(old)?, review::diff::read(new)?)?;
    print!("{}", report.to_text());
    if let Some(path) = csv {
        review::archive::write_atomic(path, &report.to_csv())?;
        eprintln!("review: wrote {}", path.display());
    }
    if let Some((path, template, force)) = notice {
        let path = path.map_or_else(
            || {
                new.parent()
                    .unwrap_or(std::path::Path::new("."))
                    .join(format!("notice-{}.pdf", report.new.period))
            },
            std::path::Path::to_path_buf,
        );
        let unchanged = review::diff::write_notice(&report, &path, template, force)?;
        if unchanged {
            eprintln!(
                "review: {} is already this notice, byte for byte; left as it was",
                path.display()
            );
        }
        println!("{}", path.display());
    }
    Ok(if exit_code && !report.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The run's options from the data flags, the rest at their defaults (the
/// prefecture's bulletin with the review template); `None` without a period.
fn data_options(flags: DataFlags) -> Option<review::Options> {
    Some(review::Options {
        period: flags.period?,
        year: flags.year,
        data_dir: flags.data,
        template: review::resolve_template("review"),
        out_dir: flags.out,
        font_path: None,
        current_prices: flags.current_prices,
        timestamp: None,
        force: false,
        encoding: flags.encoding,
        allow_partial: flags.allow_partial,
        paper: None,
        bleed_mm: 0.0,
        region: review::Scope::Prefecture,
        summary_only: false,
        png_dpi: None,
        preview: false,
    })
}

/// A build's options: the data flags and the build flags.
fn build_options(flags: DataFlags, build: BuildFlags) -> Option<review::Options> {
    let mut opts = data_options(flags)?;
    opts.template = review::resolve_template(&build.template);
    opts.font_path = build.font_path;
    opts.force = build.force;
    opts.paper = build.paper;
    opts.bleed_mm = build.bleed;
    opts.region = match build.region.as_deref().map(str::trim) {
        None => review::Scope::Prefecture,
        Some(all) if all.eq_ignore_ascii_case("all") => review::Scope::All,
        Some(unit) => review::Scope::Region(unit.to_string()),
    };
    opts.summary_only = build.summary_only;
    opts.png_dpi = build.png.then_some(build.png_dpi);
    Some(opts)
}

fn parse_dpi(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(dpi) if (36.0..=600.0).contains(&dpi) => Ok(dpi),
        _ => Err(format!(
            "`{text}` is not a resolution: expected dots per inch from 36 to 600, such as 144"
        )),
    }
}

/// `review check`: the report on stdout, check.csv's path on stderr; exit 6
/// on findings under `--fail-on-findings`.
fn check(flags: DataFlags, fail_on_findings: bool) -> ExitCode {
    let Some(opts) = data_options(flags) else {
        return ExitCode::from(2);
    };
    match review::check(&opts) {
        Ok((report, path)) => {
            for warning in &report.warnings {
                eprintln!("review: warning: {warning}");
            }
            print!("{}", report.to_text());
            eprintln!("review: wrote {}", path.display());
            if fail_on_findings && report.anomalies() > 0 {
                ExitCode::from(6)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => fail(&err),
    }
}

/// mimalloc instead of glibc's malloc: Typst and Polars allocate small
/// objects by the million. Side by side, a batch of bulletins takes 0.80×
/// to 0.90× the time, for more memory at the largest aggregations
/// (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. mimalloc asks the
/// kernel for huge pages on its regions, and each first touch of one zeroes
/// 2 MiB: a batch faults in about 300 MiB of them for 340 MiB it keeps. Run
/// in turn with another program (typst-py, as bench/compare.sh runs them),
/// the nine-bulletin batch took 0.74–0.93× the time without them and its
/// system time fell from 0.65 s to 0.20 s; run back to back with itself,
/// when the pages it just freed are at hand, it took 1.10× (one bulletin:
/// 1.03×). Peak memory is a quarter to a third lower either way
/// (BENCHMARKS.md, session 14). A run usually follows other programs, not
/// itself, so they are off: what mimalloc's `MIMALLOC_ALLOW_THP=0` does,
/// without asking the user to set it.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes no pointers; it sets one flag of the
    // process's memory map, and a kernel without it returns an error, which
    // leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    if let Some(Command::Check {
        flags,
        fail_on_findings,
    }) = cli.command
    {
        return check(flags, fail_on_findings);
    }
    if let Some(Command::Diff {
        old,
        new,
        csv,
        exit_code,
        notice,
        template,
        force,
    }) = &cli.command
    {
        let notice = notice
            .as_ref()
            .map(|n| (n.as_deref(), template.as_path(), *force));
        return diff(old, new, csv.as_deref(), notice, *exit_code).unwrap_or_else(|e| fail(&e));
    }
    if let Some(Command::Verify {
        files,
        template,
        font_path,
    }) = cli.command
    {
        // Every PDF is verified and reported; the exit code is the first
        // failure's.
        let mut code = ExitCode::SUCCESS;
        let mut failed = false;
        for pdf in files {
            let req = review::verify::Request {
                pdf,
                template: template.clone(),
                font_path: font_path.clone(),
            };
            match review::verify::verify(&req) {
                Ok(line) => println!("{line}"),
                Err(err) => {
                    let this = fail(&err);
                    if !failed {
                        code = this;
                        failed = true;
                    }
                }
            }
        }
        return code;
    }
    if let Some(Command::Preview { flags, build, port }) = cli.command {
        let Some(opts) = build_options(flags, build) else {
            return ExitCode::from(2);
        };
        return match review::preview::serve(&opts, port, &|address| {
            println!("preview: http://{address}/");
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => fail(&err),
        };
    }
    let Some(opts) = build_options(cli.flags, cli.build) else {
        // clap enforces --period without a subcommand.
        return ExitCode::from(2);
    };
    if opts.region == review::Scope::All {
        return batch(&opts);
    }
    match review::run(&opts) {
        Ok(outcome) => {
            tell(&outcome, true);
            if let Some(pdf) = &outcome.pdf {
                println!("{}", pdf.display());
            }
            for page in &outcome.pages {
                println!("{}", page.display());
            }
            println!("{}", outcome.summary_json.display());
            println!("{}", outcome.summary_csv.display());
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err),
    }
}

/// `--region all`: a progress bar on a terminal (silent otherwise), every
/// bulletin's paths, then every failure, and a non-zero exit if any failed.
fn batch(opts: &review::Options) -> ExitCode {
    use std::io::IsTerminal;
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("a valid template"),
    );
    let reports = review::run_batch(opts, &|report, total| {
        bar.set_length(total as u64);
        bar.set_message(report.unit.clone());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let reports = match reports {
        Ok(reports) => reports,
        Err(err) => return fail(&err),
    };
    let mut warned = false;
    let mut failed = Vec::new();
    let mut nothing = Vec::new();
    for report in &reports {
        match &report.result {
            Ok(review::Made::Bulletin(outcome)) => {
                // The data warnings are the run's: the same for every bulletin.
                tell(outcome, !warned);
                warned = true;
                match &outcome.pdf {
                    Some(pdf) => println!("{}", pdf.display()),
                    None => println!("{}", outcome.summary_csv.display()),
                }
            }
            Ok(review::Made::Nothing(why)) => {
                println!("{}: {why}", report.unit);
                nothing.push(report.unit.as_str());
            }
            Err(err) => failed.push((report.unit.as_str(), err)),
        }
    }
    if !nothing.is_empty() {
        eprintln!(
            "review: {} of {} units made no bulletin (no 规上 enterprise in the period): {}",
            nothing.len(),
            reports.len(),
            nothing.join(", ")
        );
    }
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "review: {} of {} bulletins failed:",
        failed.len(),
        reports.len()
    );
    for (unit, err) in &failed {
        eprintln!("review: {unit}: {err}");
    }
    let code = failed.iter().map(|(_, e)| e.exit_code()).max().unwrap_or(1);
    ExitCode::from(code as u8)
}

/// Prints on stderr the data warnings (when `warnings`) and that an
/// identical PDF was left alone.
fn tell(outcome: &review::Outcome, warnings: bool) {
    if warnings {
        for warning in &outcome.warnings {
            eprintln!("review: warning: {warning}");
        }
    }
    if let Some(warning) = &outcome.page_warning {
        eprintln!("review: warning: {warning}");
    }
    if let (true, Some(pdf)) = (outcome.unchanged, &outcome.pdf) {
        eprintln!(
            "review: {} is already this bulletin, byte for byte; left as it was",
            pdf.display()
        );
    }
}

fn fail(err: &review::Error) -> ExitCode {
    eprintln!("review: {err}");
    ExitCode::from(err.exit_code() as u8)
}
