//! The bad-input corpus: every folder of `tests/bad_inputs/` is one case.
//!
//! A case starts from `tests/bad_inputs/_base/` (a small valid data folder),
//! replaces or adds the files in its own `data/`, removes those listed in
//! `delete`, and runs `review` with the arguments in `args` (one per line;
//! default `--period H1`; `{case}` is the case folder). `expect` holds
//! `exit N` and `stderr TEXT` lines: the exit code and the pieces the
//! message must contain. A failing case never leaves a PDF behind.
//!
//! To add a case, add a folder; nothing here changes.

mod common;
use common::copy_tree;

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

/// Runs one case; returns what went wrong, if anything.
fn run_case(case: &Path) -> Option<String> {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    copy_tree(&corpus().join("_base"), &data);
    if case.join("data").is_dir() {
        copy_tree(&case.join("data"), &data);
    }
    if let Ok(list) = std::fs::read_to_string(case.join("delete")) {
        for name in list.lines().filter(|l| !l.trim().is_empty()) {
            std::fs::remove_file(data.join(name.trim())).unwrap();
        }
    }
    let args: Vec<String> = match std::fs::read_to_string(case.join("args")) {
        Ok(text) => text
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.replace("{case}", case.to_str().unwrap()))
            .collect(),
        Err(_) => vec!["--period".into(), "H1".into()],
    };
    let out_dir = work.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_review"))
        .args(&args)
        .args([
            "--data",
            data.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SOURCE_DATE_EPOCH", "1719792000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expect = std::fs::read_to_string(case.join("expect")).expect("an expect file");
    let mut problems = Vec::new();
    for line in expect.lines() {
        if let Some(code) = line.strip_prefix("exit ") {
            let want: i32 = code.trim().parse().unwrap();
            if output.status.code() != Some(want) {
                problems.push(format!("exit {:?}, expected {want}", output.status.code()));
            }
        } else if let Some(text) = line.strip_prefix("stderr ")
            && !stderr.contains(text)
        {
            problems.push(format!("stderr lacks `{text}`"));
        }
    }
    if stderr.contains("panicked") {
        problems.push("panicked".into());
    }
    let pdf_written = out_dir.exists()
        && walk(&out_dir)
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "pdf"));
    if pdf_written {
        problems.push("a PDF was written".into());
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{}: {}\n--- stderr:\n{stderr}",
            case.display(),
            problems.join("; ")
        )
    })
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_base_case_is_valid() {
    let work = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_review"))
        .args([
            "--period",
            "H1",
            "--data",
            corpus().join("_base").to_str().unwrap(),
        ])
        .args(["--out", work.path().to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_bad_input_gets_its_exit_code_and_message() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
