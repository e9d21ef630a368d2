//! `cargo bench`: each stage of the pipeline on the shipped sample, and on a
//! generated data set when `REVIEW_BENCH_DATA` names one:
//!
//! ```sh
//! cargo run --release --bin gen-data -- --rows 1000000 /tmp/review-1m
//! REVIEW_BENCH_DATA=/tmp/review-1m cargo bench
//! ```

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use review::aggregate::{Prices, Request, aggregate};
use review::load::{self, Dataset, Region};
use review::period::Period;
use review::{Bulletin, phrase, render};

fn request() -> Request {
    Request {
        period: Period::H1,
        year: 2024,
        prices: Prices::Comparable,
        region: None,
    }
}

fn context(data: &Dataset) -> phrase::Context {
    let names = |r: &Region| (r.code.clone(), vec![r.short_name.clone(), r.name.clone()]);
    phrase::Context {
        place: data.prefecture.short_name.clone(),
        place_names: names(&data.prefecture).1,
        period: Period::H1,
        missing_months: Vec::new(),
        prefecture: names(&data.prefecture),
        counties: data.counties.iter().map(names).collect(),
        publication: data.publication.clone(),
        stories: load::stories(data, 2024, Period::H1)
            .expect("the stories load")
            .0,
        image_root: review::evidence::pictures_dir(2024, Period::H1),
        whole_of: None,
        table_names: Default::default(),
    }
}

fn stages(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut sets = vec![("sample", root.join("data"))];
    if let Ok(dir) = std::env::var("REVIEW_BENCH_DATA") {
        sets.push(("generated", PathBuf::from(dir)));
    }
    for (name, dir) in sets {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        group.bench_function("load", |b| b.iter(|| load::load(&dir).expect("valid data")));
        // The load stage for a half-year against Polars' own CSV reader
        // reading the same file for the same months, typed, with no rule
        // checked: why the enterprise file keeps its hand-written reader.
        group.bench_function("load_h1", |b| {
            b.iter(|| load::load_months(&dir, (1, 6), load::Encoding::Auto).expect("valid data"))
        });
        let csv = dir.join(load::INDUSTRY_FILE);
        group.bench_function("polars_csv_reader_h1", |b| b.iter(|| polars_read(&csv, 6)));
        let data = load::load(&dir).expect("valid data");
        group.bench_function("aggregate", |b| {
            b.iter(|| aggregate(&data, request()).expect("aggregates"))
        });
        let summary = aggregate(&data, request()).expect("aggregates");
        let ctx = context(&data);
        group.bench_function("phrase", |b| {
            b.iter(|| phrase::phrase(&summary, &ctx).expect("phrases"))
        });
        let text = phrase::phrase(&summary, &ctx).expect("phrases");
        let json = serde_json::to_vec(&Bulletin {
            summary: &summary,
            text: &text,
            attachments: &[],
        })
        .expect("serialises");
        let typesetter = render::Typesetter::new(
            render::Template::open(&root.join("templates/review.typ")).unwrap(),
            render::Fonts::shared(None).expect("fonts"),
            &[],
        );
        let mut files = std::collections::BTreeMap::new();
        for picture in ctx.stories.iter().filter_map(|s| s.image.as_ref()) {
            files.insert(
                format!(
                    "{}/{}",
                    review::evidence::pictures_dir(2024, Period::H1),
                    picture.name
                ),
                picture.bytes.clone(),
            );
        }
        // Typst memoises compilation across calls (comemo); evicting
        // its caches first measures a cold compile, as one run has.
        group.bench_function("render", |b| {
            b.iter(|| {
                typst::comemo::evict(0);
                typesetter
                    .render(&render::Job {
                        data: json.clone(),
                        files: files.clone(),
                        timestamp: 1_719_792_000,
                        ident: "bench".into(),
                    })
                    .expect("renders")
            })
        });
        group.finish();
    }
}

/// The enterprise file read by Polars' CSV reader with the contract's
/// types, its six needed columns, and the rows of months 1 to `last_month` of
/// every year.
fn polars_read(path: &std::path::Path, last_month: i32) -> usize {
    use polars::prelude::*;
    let text = [
        "month",
        "enterprise_id",
        "enterprise_name",
        "region_code",
        "industry_code",
    ];
    let schema = Schema::from_iter(
        text.iter()
            .map(|c| Field::new((*c).into(), DataType::String))
            .chain(
                ["output_value", "value_added"]
                    .iter()
                    .map(|c| Field::new((*c).into(), DataType::Float64)),
            ),
    );
    let month_of_year = col("month")
        .str()
        .slice(lit(5), lit(2))
        .cast(DataType::Int32);
    LazyCsvReader::new(PlRefPath::new(path.to_string_lossy().as_ref()))
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .finish()
        .expect("a CSV")
        .select(
            [
                "month",
                "enterprise_id",
                "region_code",
                "industry_code",
                "output_value",
                "value_added",
            ]
            .map(col),
        )
        .filter(month_of_year.lt_eq(lit(last_month)))
        .collect()
        .expect("reads")
        .height()
}

criterion_group!(benches, stages);
criterion_main!(benches);
