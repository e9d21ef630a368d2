//! The `review` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use review::period::Period;

const AFTER_HELP: &str = "\
Examples:
  review --period H1                  first half of the latest complete year
  review --period q3 --year 2023      third quarter of 2023
  review --period M05 --data other/ --out /tmp/bulletins
  review --period FY --template brief

Exit status: 0 success, 1 data error, 2 usage error, 3 template error, 4 output error.";

/// Turns statistical CSVs into a typeset economic review PDF.
///
/// Reads the data folder, aggregates the period with Polars, phrases the
/// figures in Chinese and typesets the bulletin with Typst. Writes
/// <out>/<year>-<period>/review-<year>-<period>.pdf and summary.json.
#[derive(Debug, Parser)]
#[command(name = "review", version, after_help = AFTER_HELP)]
struct Cli {
    /// Period to report on: H1, H2, Q1–Q4, FY or a month M01–M12
    /// (case-insensitive). Example: --period H1
    #[arg(long, value_parser = parse_period)]
    period: Period,

    /// Year of the period. Default: the latest year whose months of the
    /// period all have data. Example: --year 2024
    #[arg(long)]
    year: Option<i32>,

    /// Folder with industry_monthly.csv, regions.csv, industries.csv and
    /// price_index.csv. Example: --data data
    #[arg(long = "data", value_name = "DIR", default_value = "data")]
    data: PathBuf,

    /// Template: a shipped name (review) or a path to a .typ file.
    /// Example: --template templates/review.typ
    #[arg(long, value_name = "NAME|PATH", default_value = "templates/review.typ")]
    template: String,

    /// Output root; files go to <DIR>/<year>-<period>/. Example: --out out
    #[arg(long = "out", value_name = "DIR", default_value = "out")]
    out: PathBuf,

    /// Folder with extra font files (.otf, .ttf, .ttc) for templates that
    /// need other faces; system fonts are never used. Example: --font-path fonts/extra
    #[arg(long, value_name = "DIR")]
    font_path: Option<PathBuf>,

    /// Compute value-added growth at current prices instead of deflating it
    /// with price_index.csv; the bulletin then says 按现价计算.
    #[arg(long)]
    current_prices: bool,
}

fn parse_period(text: &str) -> Result<Period, String> {
    text.parse::<Period>().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = review::Options {
        period: cli.period,
        year: cli.year,
        data_dir: cli.data,
        template: review::resolve_template(&cli.template),
        out_dir: cli.out,
        font_path: cli.font_path,
        current_prices: cli.current_prices,
        timestamp: None,
    };
    match review::run(&opts) {
        Ok(outcome) => {
            println!("{}", outcome.pdf.display());
            println!("{}", outcome.summary_json.display());
            println!("{}", outcome.summary_csv.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("review: {err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
