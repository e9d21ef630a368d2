//! Stage 5, archive: writes the run's files into the output folder.
//!
//! Every file is first written in full to a temporary file in the same
//! folder; only when all of them are on disk are they renamed into place,
//! the PDF last. A run that fails part-way (a full disk, an unwritable
//! folder) changes nothing in the folder; a run that is killed leaves at most
//! temporary files, which the next run in that folder removes; an existing
//! good PDF is only ever replaced by a complete one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The files of one bulletin.
pub struct Outputs<'a> {
    /// Folder for this period, such as `out/2024-H1`.
    pub dir: PathBuf,
    /// File stem, such as `review-2024-H1`.
    pub stem: String,
    /// The PDF.
    pub pdf: &'a [u8],
    /// Its pages as PNG (`--png`), written as `<stem>-<page>.png`.
    pub pages: &'a [Vec<u8>],
    /// `summary.json`.
    pub summary_json: &'a [u8],
    /// `summary.csv`.
    pub summary_csv: &'a [u8],
    /// `manifest.json`, the same as attached to the PDF.
    pub manifest: &'a [u8],
    /// Replace an existing PDF whose bytes differ.
    pub force: bool,
}

/// The file name of page `n` (from 1) of the bulletin `stem`:
/// `review-2024-H1-1.png`.
pub fn page_image_name(stem: &str, n: usize) -> String {
    format!("{stem}-{n}.png")
}

/// Paths of what [`archive`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The bulletin.
    pub pdf: PathBuf,
    /// Its page images, if asked for.
    pub pages: Vec<PathBuf>,
    /// The figures and phrases the bulletin was made from.
    pub summary_json: PathBuf,
    /// Every figure, one per row.
    pub summary_csv: PathBuf,
    /// The folder already held this very PDF; nothing was rewritten.
    pub unchanged: bool,
}

/// Writes the outputs: all staged first, then renamed, the PDF last.
///
/// A PDF already there is left alone when the bytes are the same (the files
/// beside it are brought up to date), and refused when they differ unless
/// `force` is set: a bulletin that may have been printed or archived is
/// never silently replaced.
pub fn archive(out: &Outputs<'_>) -> Result<Written> {
    std::fs::create_dir_all(&out.dir).map_err(|source| Error::Output {
        path: out.dir.clone(),
        source,
    })?;
    // One writer per folder: a second review refuses instead of
    // interleaving its files with ours. The lock is on the folder itself,
    // so nothing is left behind, and the OS releases it if we die.
    let _lock = lock(&out.dir)?;
    let pdf = out.dir.join(format!("{}.pdf", out.stem));
    let summary_json = out.dir.join("summary.json");
    let summary_csv = out.dir.join("summary.csv");
    let same_pdf = match std::fs::read(&pdf) {
        Ok(existing) if existing == out.pdf => true,
        Ok(_) if !out.force => {
            return Err(Error::Output {
                path: pdf,
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a different PDF is already there (other data, template or creation time); \
                     run with --force to replace it, or choose another --out",
                ),
            });
        }
        _ => false,
    };
    remove_stale_temporaries(&out.dir);
    let manifest = out.dir.join(format!("{}.manifest.json", out.stem));
    let pages: Vec<PathBuf> = (1..=out.pages.len())
        .map(|n| out.dir.join(page_image_name(&out.stem, n)))
        .collect();
    // Stage everything; a failure drops (deletes) the staged files. Beside
    // an identical PDF, which is left alone, only the files that differ
    // (an edited summary.json, one an older review wrote) are replaced.
    let mut staged = Vec::new();
    let files = [
        (&summary_json, out.summary_json),
        (&summary_csv, out.summary_csv),
        (&manifest, out.manifest),
    ];
    let images = pages.iter().zip(out.pages.iter().map(Vec::as_slice));
    for (path, bytes) in files.into_iter().chain(images) {
        if !(same_pdf && std::fs::read(path).is_ok_and(|b| b == bytes)) {
            staged.push((stage(path, bytes)?, path));
        }
    }
    if !same_pdf {
        staged.push((stage(&pdf, out.pdf)?, &pdf));
    }
    let touched = !staged.is_empty();
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| Error::Output {
            path: path.clone(),
            source: e.error,
        })?;
    }
    if touched {
        sync_dir(&out.dir);
    }
    Ok(Written {
        pdf,
        pages,
        summary_json,
        summary_csv,
        unchanged: same_pdf,
    })
}

/// Writes one document (a correction notice) with a bulletin's guarantees:
/// under the folder's lock, staged and renamed, left alone when the same
/// bytes are there (returns `true`), refused when different ones are unless
/// `force`.
pub fn archive_one(path: &Path, bytes: &[u8], force: bool) -> Result<bool> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| Error::Output {
        path: dir.to_path_buf(),
        source,
    })?;
    let _lock = lock(dir)?;
    match std::fs::read(path) {
        Ok(existing) if existing == bytes => return Ok(true),
        Ok(_) if !force => {
            return Err(Error::Output {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a different file is already there; run with --force to replace it",
                ),
            });
        }
        _ => {}
    }
    write_atomic(path, bytes)?;
    sync_dir(dir);
    Ok(false)
}

/// `--summary-only`: writes `summary.json` and `summary.csv` (staged, then
/// renamed) under the folder's lock; returns their paths.
pub fn summaries(dir: &Path, json: &[u8], csv: &[u8]) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Output {
        path: dir.to_path_buf(),
        source,
    })?;
    let _lock = lock(dir)?;
    remove_stale_temporaries(dir);
    let (json_path, csv_path) = (dir.join("summary.json"), dir.join("summary.csv"));
    let staged = [
        (stage(&json_path, json)?, &json_path),
        (stage(&csv_path, csv)?, &csv_path),
    ];
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| Error::Output {
            path: path.clone(),
            source: e.error,
        })?;
    }
    sync_dir(dir);
    Ok((json_path, csv_path))
}

/// Takes the output folder's exclusive lock, or says who holds it.
pub fn lock(dir: &Path) -> Result<std::fs::File> {
    let fail = |source| Error::Output {
        path: dir.to_path_buf(),
        source,
    };
    let handle = std::fs::File::open(dir).map_err(fail)?;
    match handle.try_lock() {
        Ok(()) => Ok(handle),
        Err(std::fs::TryLockError::WouldBlock) => Err(fail(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            "another review is writing this folder; run again when it has finished",
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(fail(e)),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so `path` holds either its old content or all of the new.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    stage(path, bytes)?
        .persist(path)
        .map_err(|e| Error::Output {
            path: path.to_path_buf(),
            source: e.error,
        })?;
    Ok(())
}

/// Prefix and suffix of staged files (`.review-XXXXXX.tmp`).
const TEMP_PREFIX: &str = ".review-";
const TEMP_SUFFIX: &str = ".tmp";

/// Removes staged files a killed run left behind. Only called while holding
/// the folder's lock, so no other run is staging there.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Makes the renames durable (best effort: not every filesystem allows
/// syncing a folder).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Writes `bytes` in full to a new temporary file beside `path`, synced and
/// with ordinary permissions; dropping it deletes it.
fn stage(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |source| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    // Temporary files are private (0600); outputs are ordinary files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pdf");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files remain");
    }

    #[test]
    fn unwritable_folder_is_an_output_error() {
        let err = write_atomic(Path::new("/proc/review-test/a.pdf"), b"x").unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.to_string()
                .starts_with("cannot write /proc/review-test/a.pdf"),
            "{err}"
        );
    }
}
