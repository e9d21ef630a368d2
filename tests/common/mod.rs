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

/// `review --period H1 --data DATA --out OUT` with extra arguments.
pub fn build_from(data: &Path, out_dir: &Path, extra: &[&str]) -> Output {
    build_period(data, out_dir, "H1", extra)
}

/// `review --period PERIOD --data DATA --out OUT` with extra arguments.
pub fn build_period(data: &Path, out_dir: &Path, period: &str, extra: &[&str]) -> Output {
    let base = [
        "--period",
        period,
        "--data",
        data.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ];
    review(&[&base[..], extra].concat())
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
    without_spaces(&text)
}

/// Page `page`'s text (from 1), white space removed as [`pdf_text`] does.
pub fn pdf_page_text(path: &Path, page: usize) -> String {
    let bytes = std::fs::read(path).expect("read the PDF");
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).expect("extract PDF text");
    without_spaces(pages.get(page - 1).expect("the PDF has that page"))
}

fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Copies a folder with its subfolders (the sample has stories/).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, target).unwrap();
        }
    }
}

/// A copy of the shipped data folder (its files; the stories too when
/// `stories` is set) to change for a test.
pub fn sample_copy(stories: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = repo().join("data");
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    if stories {
        copy_tree(&data.join("stories"), &dir.path().join("stories"));
    }
    dir
}

/// `gen-data --rows ROWS --seed SEED [EXTRA] DIR`: a generated data folder.
pub fn gen_data(dir: &Path, rows: u32, seed: u32, extra: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_gen-data"))
        .args(["--rows", &rows.to_string(), "--seed", &seed.to_string()])
        .args(extra)
        .arg(dir)
        .output()
        .expect("run gen-data");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A PNG's width, height and pixels as RGB (8-bit RGB or RGBA files, as
/// typst-render and Chromium write them).
#[allow(dead_code)]
pub fn png_rgb(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{}: not an RGB image", path.display());
    let pixels = buffer[..info.buffer_size()]
        .chunks(channels)
        .map(|px| [px[0], px[1], px[2]])
        .collect();
    (info.width, info.height, pixels)
}
