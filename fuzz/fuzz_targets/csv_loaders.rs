//! The data folder's loaders: a small valid folder with one file replaced by
//! the fuzzer's bytes (the first byte picks which). Loading must give a
//! dataset or data errors; a dataset must then aggregate without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use review::aggregate::{Prices, Request, aggregate};
use review::period::Period;

/// The valid base folder: tests/bad_inputs/_base plus air quality and
/// indicators for its regions.
const BASE: [(&str, &str); 7] = [
    ("regions.csv", include_str!("../../tests/bad_inputs/_base/regions.csv")),
    ("industries.csv", include_str!("../../tests/bad_inputs/_base/industries.csv")),
    (
        "industry_monthly.csv",
        include_str!("../../tests/bad_inputs/_base/industry_monthly.csv"),
    ),
    ("price_index.csv", include_str!("../../tests/bad_inputs/_base/price_index.csv")),
    ("air_quality_daily.csv", include_str!("../base/air_quality_daily.csv")),
    ("indicator_catalog.csv", include_str!("../base/indicator_catalog.csv")),
    ("indicators.csv", include_str!("../base/indicators.csv")),
];

const TARGETS: [&str; 8] = [
    "industry_monthly.csv",
    "regions.csv",
    "industries.csv",
    "price_index.csv",
    "air_quality_daily.csv",
    "indicator_catalog.csv",
    "indicators.csv",
    "publication.toml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, content)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in BASE {
        std::fs::write(dir.path().join(name), text).expect("write the base");
    }
    let target = TARGETS[usize::from(which) % TARGETS.len()];
    std::fs::write(dir.path().join(target), content).expect("write the input");
    match review::load::load(dir.path()) {
        Ok(dataset) => {
            for period in [Period::H1, Period::FullYear, Period::Quarter(1)] {
                let request = Request {
                    period,
                    year: 2024,
                    prices: Prices::Comparable,
                    region: None,
                };
                match aggregate(&dataset, request) {
                    Ok(summary) => {
                        let _ = summary.to_csv(&dataset.prefecture.code);
                    }
                    Err(e) => {
                        let _ = e.to_string();
                    }
                }
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
        }
    }
});
