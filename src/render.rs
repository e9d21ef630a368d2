//! Stage 4, render: compiles a Typst template into PDF, in-process.
//!
//! The template reads the bulletin data with
//! `json(sys.inputs.at("summary", default: "/summary.json"))`: this stage
//! serves the data as the virtual file `/summary.json`, so the same template
//! compiles with a stock typst CLI given a real `summary.json`.
//!
//! Fonts are the faces embedded in the binary (see `fonts/`), plus any from
//! `--font-path`; system fonts are never used, so the output does not depend
//! on the machine. A character that no font has is an error, not tofu.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, IntoValue};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use crate::error::{Error, Result};

/// The path under which the template finds the bulletin data.
pub const DATA_PATH: &str = "/summary.json";

include!(concat!(env!("OUT_DIR"), "/embedded_fonts.rs"));

/// The fonts a document may use, loaded once per process.
pub struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// Files from `--font-path`: (file name, bytes).
    extra: Vec<(String, Vec<u8>)>,
}

impl Fonts {
    /// The embedded faces, plus every font file in `extra` (`--font-path`).
    pub fn load(extra_dir: Option<&Path>) -> Result<Fonts> {
        let mut fonts: Vec<Font> = Vec::new();
        let mut extra = Vec::new();
        for (_, bytes, _) in EMBEDDED {
            fonts.extend(Font::iter(Bytes::new(bytes)));
        }
        if let Some(dir) = extra_dir {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| Error::Usage(format!("--font-path {}: {e}", dir.display())))?;
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort(); // deterministic font order
            for path in paths {
                let ext = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if matches!(ext.as_str(), "otf" | "ttf" | "otc" | "ttc") {
                    let bytes = std::fs::read(&path).map_err(|e| {
                        Error::Usage(format!("--font-path {}: {e}", path.display()))
                    })?;
                    fonts.extend(Font::iter(Bytes::new(bytes.clone())));
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    extra.push((name, bytes));
                }
            }
        }
        // Typst hashes a face's bytes (10 MB each) the first time it uses
        // the face, and keeps the hash with them: done here, where the
        // caller loads the fonts beside the aggregation, the compile does
        // not wait for it.
        for font in &fonts {
            typst::utils::hash128(font);
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Fonts { book, fonts, extra })
    }

    /// The fonts for `extra_dir`, loaded once per process and shared by
    /// every run, `verify` and `diff` that asks for the same folder: a face
    /// is parsed and hashed once.
    pub fn shared(extra_dir: Option<&Path>) -> Result<std::sync::Arc<Fonts>> {
        type Loaded = std::collections::HashMap<Option<PathBuf>, std::sync::Arc<Fonts>>;
        static LOADED: std::sync::Mutex<Option<Loaded>> = std::sync::Mutex::new(None);
        let key = extra_dir.map(Path::to_path_buf);
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(fonts) = loaded.get_or_insert_default().get(&key) {
            return Ok(fonts.clone());
        }
        let fonts = std::sync::Arc::new(Fonts::load(extra_dir)?);
        loaded.get_or_insert_default().insert(key, fonts.clone());
        Ok(fonts)
    }

    /// Every font file: (name, bytes, SHA-256 if known), embedded ones
    /// first (their hashes were computed when the binary was built).
    pub fn files(&self) -> Vec<(String, &[u8], Option<&'static str>)> {
        let mut files: Vec<(String, &[u8], Option<&'static str>)> = EMBEDDED
            .iter()
            .map(|(n, b, h)| (n.to_string(), *b, Some(*h)))
            .collect();
        files.extend(
            self.extra
                .iter()
                .map(|(n, b)| (n.clone(), b.as_slice(), None)),
        );
        files
    }
}

/// A template: its main file and the files of its folder, each read from
/// disk once and shared by every bulletin a run renders.
pub struct Template {
    main: PathBuf,
    root: PathBuf,
    read: std::sync::Mutex<std::collections::HashMap<PathBuf, Bytes>>,
}

impl Template {
    /// The template whose main file is `main`; its folder is its root.
    pub fn open(main: &Path) -> Result<Template> {
        if !main.is_file() {
            return Err(Error::Usage(format!(
                "template {} not found",
                main.display()
            )));
        }
        Ok(Template {
            main: main.to_path_buf(),
            root: template_root(main),
            read: Default::default(),
        })
    }

    /// The main file, as given.
    pub fn path(&self) -> &Path {
        &self.main
    }

    /// Drops what was read of `paths` (files of the template's folder that
    /// changed on disk), so that the next compile reads them again.
    pub fn forget(&self, paths: &[PathBuf]) {
        let mut cache = self.read.lock().unwrap_or_else(|e| e.into_inner());
        for path in paths {
            cache.remove(path);
        }
    }

    fn read(&self, path: &Path) -> std::io::Result<Bytes> {
        let mut cache = self.read.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bytes) = cache.get(path) {
            return Ok(bytes.clone());
        }
        let bytes = Bytes::new(std::fs::read(path)?);
        cache.insert(path.to_path_buf(), bytes.clone());
        Ok(bytes)
    }
}

/// One document to typeset: the data that makes it this bulletin and not
/// another. What every document of a run shares is the [`Typesetter`]'s.
pub struct Job {
    /// The bulletin data (`summary.json`'s bytes).
    pub data: Vec<u8>,
    /// Further virtual files (absolute paths such as `/evidence/summary.csv`)
    /// the template may read or attach.
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
    /// Creation time, seconds since 1970 UTC: the PDF's dates and
    /// `datetime.today()`.
    pub timestamp: i64,
    /// A stable identifier of the document (same bulletin, same id), from
    /// which the PDF's document ID is derived.
    pub ident: String,
}

/// A bulletin typeset: its PDF, its pages as PNG when asked for, and how
/// its page lies.
pub struct Rendered {
    /// The PDF's bytes.
    pub pdf: Vec<u8>,
    /// Every page as PNG (`--png`), else empty.
    pub pages: Vec<Vec<u8>>,
    /// Where a one-page broadsheet's text ends, as a fraction of the page's
    /// height, when it ends short of its foot (see [`short_broadsheet`]).
    pub short_page: Option<f64>,
}

/// How many of the preview's compiles a memoised result may go unused
/// before it is evicted (`comemo::evict`, as typst-cli's `watch` does):
/// what consecutive edits share stays, what only one of them needed goes,
/// so that a long preview session keeps flat memory.
const EVICT_AFTER: usize = 10;

/// A batch evicts once every this many PDFs, with an age of one: each call
/// walks every memoised result, and after each of nine bulletins that cost
/// the batch a tenth of its time. A result unused for one to two such
/// rounds (8 to 16 bulletins) goes.
const EVICT_EVERY: usize = 8;

/// What every compile of a run shares: the template and its parsed
/// sources, the fonts and the standard library with the run's
/// `sys.inputs`. Kept for a whole batch, `verify` or preview session, so
/// that Typst's memoisation (comemo) reuses whatever a compile shares with
/// the one before: the same file ids, the same library, the same fonts;
/// only the data file differs. Shared by the threads of a batch.
pub struct Typesetter {
    template: Template,
    fonts: std::sync::Arc<Fonts>,
    library: LazyHash<Library>,
    /// Parsed sources by file: a changed file is reparsed incrementally
    /// (`Source::replace`), an unchanged one not at all.
    sources: std::sync::Mutex<std::collections::HashMap<FileId, Source>>,
    /// PDFs made so far (see [`EVICT_EVERY`]).
    made: std::sync::atomic::AtomicUsize,
}

impl Typesetter {
    /// A typesetter for `template` with `fonts`; `inputs` are further
    /// `sys.inputs` strings, such as `paper` and `bleed`, the same for every
    /// document of the run.
    pub fn new(
        template: Template,
        fonts: std::sync::Arc<Fonts>,
        inputs: &[(String, String)],
    ) -> Typesetter {
        let mut dict = Dict::new();
        dict.insert("summary".into(), DATA_PATH.into_value());
        dict.insert("evidence".into(), true.into_value());
        for (key, value) in inputs {
            dict.insert(key.as_str().into(), value.as_str().into_value());
        }
        Typesetter {
            template,
            fonts,
            library: LazyHash::new(Library::builder().with_inputs(dict).build()),
            sources: Default::default(),
            made: Default::default(),
        }
    }

    /// The template.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The fonts.
    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    /// Compiles and exports PDF bytes. Warnings go to stderr in typst's
    /// format; errors and missing glyphs fail the run.
    pub fn render(&self, job: &Job) -> Result<Vec<u8>> {
        Ok(self.render_with_pages(job, None)?.pdf)
    }

    /// Compiles and exports PDF bytes and, with `png_dpi`, an image of
    /// every page (`--png`), from the one compile.
    pub fn render_with_pages(&self, job: &Job, png_dpi: Option<f32>) -> Result<Rendered> {
        let world = ReviewWorld::new(self, job)?;
        let document = world.compile()?;
        let short_page = short_broadsheet(&document);
        let options = pdf_options(job)?;
        let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| world.errors(&errors));
        let pages = match png_dpi {
            Some(dpi) => png_pages(&document, dpi),
            None => Ok(Vec::new()),
        };
        let made = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if made.is_multiple_of(EVICT_EVERY) {
            typst::comemo::evict(1);
        }
        Ok(Rendered {
            pdf: pdf?,
            pages: pages?,
            short_page,
        })
    }

    /// Compiles `job` into SVG pages, without exporting a PDF (the
    /// preview). Warnings go to stderr.
    pub fn svg_pages(&self, job: &Job) -> Result<Vec<String>> {
        let document = ReviewWorld::new(self, job)?.compile();
        typst::comemo::evict(EVICT_AFTER);
        let options = typst_svg::SvgOptions::default();
        Ok(document?
            .pages()
            .iter()
            .map(|page| typst_svg::svg(page, &options))
            .collect())
    }

    /// Files of the template's folder changed on disk: the next compile
    /// reads them again (and reparses what changed in them).
    pub fn forget(&self, paths: &[PathBuf]) {
        self.template.forget(paths);
    }

    /// The parsed source of `id`, whose text is `bytes`: the cached one if
    /// its text is the same, else the cached one edited (an incremental
    /// reparse), else a new one.
    fn source(&self, id: FileId, bytes: &Bytes) -> FileResult<Source> {
        let text = std::str::from_utf8(bytes).map_err(|_| FileError::InvalidUtf8)?;
        let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        match sources.get_mut(&id) {
            Some(source) if source.text() == text => Ok(source.clone()),
            Some(source) => {
                source.replace(text);
                Ok(source.clone())
            }
            None => {
                let source = Source::new(id, text.to_string());
                sources.insert(id, source.clone());
                Ok(source)
            }
        }
    }
}

/// Every page as a PNG at `dpi` pixels per inch (the page's trim box, no
/// bleed), from Typst's own rasteriser.
fn png_pages(document: &PagedDocument, dpi: f32) -> Result<Vec<Vec<u8>>> {
    let options = typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(f64::from(dpi) / 72.0),
        ..Default::default()
    };
    document
        .pages()
        .iter()
        .enumerate()
        .map(|(i, page)| {
            typst_render::render(page, &options)
                .encode_png()
                .map_err(|e| Error::Template(format!("page {} as PNG: {e}", i + 1)))
        })
        .collect()
}

/// Seconds since 1970-01-01 UTC to (year, month, day, hour, minute,
/// second), by chrono (already built for Polars); `None` out of its range
/// (about ±262,000 years).
pub fn civil_from_timestamp(secs: i64) -> Option<(i32, u8, u8, u8, u8, u8)> {
    use chrono::{Datelike as _, Timelike as _};
    let t = chrono::DateTime::from_timestamp(secs, 0)?;
    Some((
        t.year(),
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    ))
}

/// A creation time no calendar date can show.
fn out_of_range(timestamp: i64) -> Error {
    Error::Usage(format!("SOURCE_DATE_EPOCH {timestamp} is out of range"))
}

/// The PDF's identifier, creator, dates and standards.
fn pdf_options(job: &Job) -> Result<typst_pdf::PdfOptions> {
    let datetime = civil_from_timestamp(job.timestamp)
        .and_then(|(y, mo, d, h, mi, sec)| Datetime::from_ymd_hms(y, mo, d, h, mi, sec))
        .ok_or_else(|| out_of_range(job.timestamp))?;
    Ok(typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(job.ident.clone()),
        creator: typst::foundations::Smart::Custom(Some(format!(
            "review {} (Typst 0.15)",
            env!("CARGO_PKG_VERSION")
        ))),
        timestamp: Some(typst_pdf::Timestamp::new_utc(datetime)),
        standards: standards()?,
        ..typst_pdf::PdfOptions::default()
    })
}

/// The PDF standards every bulletin conforms to: PDF/A-3u (archival, with
/// attachments allowed) and PDF/UA-1 (accessible, tagged).
pub const STANDARDS: [typst_pdf::PdfStandard; 2] =
    [typst_pdf::PdfStandard::A_3u, typst_pdf::PdfStandard::Ua_1];

/// PDF/A-3u with PDF/UA-1; should Typst ever refuse the pair, the strictest
/// single standard that it accepts (PDF/A-3u first), with a warning.
fn standards() -> Result<typst_pdf::PdfStandards> {
    match typst_pdf::PdfStandards::new(&STANDARDS) {
        Ok(both) => Ok(both),
        Err(refused) => {
            for single in STANDARDS {
                if let Ok(one) = typst_pdf::PdfStandards::new(&[single]) {
                    eprintln!(
                        "warning: Typst refused PDF/A-3u with PDF/UA-1 ({}); writing {single:?} only",
                        refused.message()
                    );
                    return Ok(one);
                }
            }
            Err(Error::Template(format!(
                "Typst refused PDF/A-3u and PDF/UA-1: {}",
                refused.message()
            )))
        }
    }
}

/// One document's Typst world: the run's [`Typesetter`] with this
/// document's data. Cheap to make; everything costly is the typesetter's.
struct ReviewWorld<'a> {
    typesetter: &'a Typesetter,
    main: FileId,
    data_id: FileId,
    data: Bytes,
    files: std::collections::HashMap<FileId, Bytes>,
    today: Datetime,
}

impl<'a> ReviewWorld<'a> {
    fn new(typesetter: &'a Typesetter, job: &Job) -> Result<ReviewWorld<'a>> {
        let template = typesetter.template.path();
        let name = template
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("main.typ");
        let main = project_file(&format!("/{name}"))
            .ok_or_else(|| Error::Usage(format!("template name {name} is not usable")))?;
        let data_id = project_file(DATA_PATH).expect("valid constant path");
        let mut files = std::collections::HashMap::new();
        for (path, bytes) in &job.files {
            let id = project_file(path)
                .ok_or_else(|| Error::Usage(format!("invalid virtual path {path}")))?;
            files.insert(id, Bytes::new(bytes.clone()));
        }
        let (y, m, d, ..) =
            civil_from_timestamp(job.timestamp).ok_or_else(|| out_of_range(job.timestamp))?;
        Ok(ReviewWorld {
            typesetter,
            main,
            data_id,
            data: Bytes::new(job.data.clone()),
            files,
            today: Datetime::from_ymd(y, m, d)
                .ok_or_else(|| Error::Usage(format!("invalid date {y}-{m}-{d}")))?,
        })
    }

    /// Compiles the document; warnings go to stderr, errors and missing
    /// glyphs are returned.
    fn compile(&self) -> Result<PagedDocument> {
        let warned = typst::compile::<PagedDocument>(self);
        for warning in &warned.warnings {
            eprint!("{}", self.describe(warning));
        }
        let document = warned.output.map_err(|errors| self.errors(&errors))?;
        let missing = missing_glyphs(self, &document);
        if !missing.is_empty() {
            return Err(Error::Template(missing.join("\n")));
        }
        Ok(document)
    }

    /// Typst's errors, formatted, as a template error.
    fn errors(&self, errors: &[SourceDiagnostic]) -> Error {
        let text: String = errors.iter().map(|d| self.describe(d)).collect();
        Error::Template(text.trim_end().to_string())
    }

    /// Formats a diagnostic like typst-cli: `error: message`, then
    /// `--> file:line:column`, the source line and a caret.
    fn describe(&self, diag: &SourceDiagnostic) -> String {
        let kind = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{kind}: {}\n", diag.message);
        if let Some(location) = self.locate(diag.span) {
            out.push_str(&location);
        }
        for hint in &diag.hints {
            let _ = writeln!(out, "  = hint: {}", hint.v);
        }
        out
    }

    /// `  --> templates/review.typ:12:5`, the line and a caret under the span.
    fn locate(&self, span: impl Into<typst::syntax::DiagSpan> + Copy) -> Option<String> {
        let span = span.into();
        let id = span.id()?;
        let source = self.source(id).ok()?;
        let range = self.range(span)?;
        let (line, column) = source.lines().byte_to_line_column(range.start)?;
        let path = self
            .typesetter
            .template
            .root
            .join(id.vpath().get_without_slash());
        let text = source
            .lines()
            .line_to_range(line)
            .map(|r| &source.text()[r])
            .unwrap_or("");
        let text = text.trim_end_matches(['\n', '\r']);
        let caret_at = text
            .char_indices()
            .take_while(|(i, _)| *i < range.start - source.lines().line_to_byte(line).unwrap_or(0))
            .count();
        let width = source.text()[range.clone()]
            .chars()
            .count()
            .clamp(1, text.chars().count().saturating_sub(caret_at).max(1));
        Some(format!(
            "  --> {}:{}:{}\n   |\n{:>3}| {text}\n   | {}{}\n",
            path.display(),
            line + 1,
            column + 1,
            line + 1,
            " ".repeat(caret_at),
            "^".repeat(width)
        ))
    }

    fn read(&self, id: FileId) -> FileResult<Bytes> {
        if let VirtualRoot::Package(spec) = id.root() {
            return Err(FileError::Other(Some(
                format!("package {spec} is not available: review never downloads packages").into(),
            )));
        }
        let path = id.vpath().realize(&self.typesetter.template.root)?;
        self.typesetter
            .template
            .read(&path)
            .map_err(|e| FileError::from_io(e, &path))
    }
}

/// The folder a template may read from: its own. Everything else (the
/// manifest's template hashes, verify) uses this same definition.
pub fn template_root(template: &Path) -> PathBuf {
    template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn project_file(path: &str) -> Option<FileId> {
    Some(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).ok()?).intern())
}

impl World for ReviewWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.typesetter.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.typesetter.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        let bytes = self.file(id)?;
        self.typesetter.source(id, &bytes)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        if let Some(bytes) = self.files.get(&id) {
            return Ok(bytes.clone());
        }
        self.read(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.typesetter.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// How far down its page a one-page broadsheet's text ends (a fraction of
/// the page's height), when that is above [`SHORT_PAGE`]: an article of a
/// small prefecture without stories, which leaves the foot of an A3 page
/// white. The running foot (the page's last twentieth) does not count.
/// `None` for a page that ends lower, a document of several pages and
/// paper no taller than A4's (a county's page, the brief).
fn short_broadsheet(document: &PagedDocument) -> Option<f64> {
    fn lowest(frame: &Frame, top: f64, below: f64, low: &mut f64) {
        for (pos, item) in frame.items() {
            let y = top + pos.y.to_pt();
            match item {
                FrameItem::Group(group) => lowest(&group.frame, y, below, low),
                FrameItem::Text(_) if y < below => *low = low.max(y),
                _ => {}
            }
        }
    }
    let [page] = document.pages() else {
        return None;
    };
    let height = page.frame.height().to_pt();
    if height <= A4_HEIGHT_PT + 1.0 {
        return None;
    }
    let mut low = 0.0;
    lowest(&page.frame, 0.0, 0.95 * height, &mut low);
    let end = low / height;
    (end < SHORT_PAGE).then_some(end)
}

/// A4's height in points: taller paper is a broadsheet's (A3, B4).
const A4_HEIGHT_PT: f64 = 297.0 / 25.4 * 72.0;

/// Where a broadsheet's text may end at the highest before `review` warns
/// that the page is short (the sample's and a 16-unit prefecture's pages end
/// at 96 %; gen-data's 8 units without stories at 57 %).
const SHORT_PAGE: f64 = 0.8;

/// Every character the document shows with a font's .notdef glyph (tofu),
/// with where its text came from.
fn missing_glyphs(world: &ReviewWorld, document: &PagedDocument) -> Vec<String> {
    fn walk(world: &ReviewWorld, frame: &Frame, page: usize, out: &mut Vec<String>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(group) => walk(world, &group.frame, page, out),
                FrameItem::Text(text) => {
                    for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                        let ch: String = text.text[glyph.range()].to_string();
                        if ch.trim().is_empty() {
                            continue;
                        }
                        let codes: Vec<String> =
                            ch.chars().map(|c| format!("U+{:04X}", c as u32)).collect();
                        let origin = world
                            .locate(glyph.span.0)
                            .map(|l| format!("\n{l}"))
                            .unwrap_or_else(|| " (from the data passed to the template)".into());
                        let context: String = text.text.chars().take(24).collect();
                        let message = format!(
                            "error: no embedded font has the character `{ch}` ({}), on page {page} in “{context}”{origin}",
                            codes.join(" ")
                        );
                        if !out.contains(&message) {
                            out.push(message);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for (i, page) in document.pages().iter().enumerate() {
        walk(world, &page.frame, i + 1, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::civil_from_timestamp;

    #[test]
    fn civil_dates() {
        let day = |d: i64| civil_from_timestamp(d * 86_400).map(|t| (t.0, t.1, t.2));
        assert_eq!(day(0), Some((1970, 1, 1)));
        assert_eq!(day(19_905), Some((2024, 7, 1)));
        assert_eq!(day(11_016), Some((2000, 2, 29)));
        assert_eq!(
            civil_from_timestamp(1_719_792_000 + 3_723),
            Some((2024, 7, 1, 1, 2, 3))
        );
        assert_eq!(civil_from_timestamp(-1), Some((1969, 12, 31, 23, 59, 59)));
        assert_eq!(civil_from_timestamp(i64::MAX), None);
    }

    #[test]
    fn embedded_font_hashes_are_the_fonts_hashes() {
        for (name, bytes, hash) in super::EMBEDDED {
            assert_eq!(crate::evidence::sha256(bytes), hash, "{name}");
        }
    }
}
