//! Helpers the integration tests share: run the binary as a user would and
//! read what it wrote.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where `data/`, `templates/` and `fonts/` are).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `review ARGS` in the repository, with a fixed `SOURCE_DATE_EPOCH`.
pub fn review(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_review"))
        .args(args)
        .current_dir(repo())
        .env("SOURCE_DATE_EPOCH", "1719792000")
        .output()
        .expect("run review")
}

/// What the run printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// PDF text with all white space removed: CJK text has no spaces, and line
/// breaks fall anywhere.
pub fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read the PDF");
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("extract PDF text");
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
