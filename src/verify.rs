//! `review verify FILE.pdf`: proves that a bulletin is what its attached
//! data, template and fonts make.
//!
//! Reads the manifest and attachments out of the PDF, checks every attached
//! file against the manifest's SHA-256, the template folder and fonts against
//! theirs, reruns the whole pipeline from the attached rows with the
//! recorded period and timestamp, and compares the bytes. The template is
//! the one attached to the PDF (`evidence/template/…`) unless `--template`
//! names another, so the PDF and a `review` binary of the recorded version
//! are all an archive needs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::evidence::{self, Hashed, Manifest};

/// The page images (`--png`) beside the verified PDF against the rebuilt
/// ones: each must be there with the same bytes.
fn page_image_differences(pdf: &Path, rebuilt: &[PathBuf]) -> Vec<String> {
    let beside = pdf.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    for image in rebuilt {
        let Some(name) = image.file_name() else {
            continue;
        };
        let path = beside.join(name);
        match (std::fs::read(&path), std::fs::read(image)) {
            (Ok(ours), Ok(again)) if ours == again => {}
            (Ok(_), _) => problems.push(format!(
                "page image {} differs from the rebuilt one",
                path.display()
            )),
            (Err(_), _) => problems.push(format!(
                "page image {} is missing (the manifest says the pages were written as PNG)",
                path.display()
            )),
        }
    }
    problems
}

/// What to verify.
pub struct Request {
    /// The PDF.
    pub pdf: PathBuf,
    /// Template to rebuild with; default the template folder attached to
    /// the PDF, or `templates/<name in the manifest>` for a PDF without one.
    pub template: Option<PathBuf>,
    /// Extra fonts, as for the original build.
    pub font_path: Option<PathBuf>,
}

/// Verifies a PDF. `Ok` holds the one-line confirmation; every mismatch is an
/// [`Error::Verify`] that says what differs.
pub fn verify(req: &Request) -> Result<String> {
    let shown = req.pdf.display();
    let bytes =
        std::fs::read(&req.pdf).map_err(|e| Error::Usage(format!("cannot read {shown}: {e}")))?;
    let files =
        evidence::read_attachments(&bytes).map_err(|e| Error::Verify(format!("{shown}: {e}")))?;
    let manifest_name = format!(
        "{}/{}",
        evidence::EVIDENCE_DIR.trim_start_matches('/'),
        evidence::MANIFEST
    );
    let Some(manifest) = files.get(&manifest_name) else {
        return Err(Error::Verify(format!(
            "{shown} has no review manifest ({manifest_name}): it was not made by review, so there is nothing to rebuild it from"
        )));
    };
    let manifest: Manifest = serde_json::from_slice(manifest)
        .map_err(|e| Error::Verify(format!("{shown}: the manifest cannot be read: {e}")))?;

    let mut problems = Vec::new();
    // Attachments against the manifest.
    let data_files: BTreeMap<&str, &Vec<u8>> = files
        .iter()
        .filter_map(|(name, bytes)| name.strip_prefix("evidence/data/").map(|n| (n, bytes)))
        .collect();
    for input in &manifest.inputs {
        match data_files.get(input.path.as_str()) {
            None => problems.push(format!(
                "attachment evidence/data/{} is missing",
                input.path
            )),
            Some(bytes) if evidence::sha256(bytes) != input.sha256 => problems.push(format!(
                "attachment evidence/data/{} was changed: its SHA-256 differs from the manifest",
                input.path
            )),
            Some(_) => {}
        }
    }
    let attached_summary = files.get("evidence/summary.csv");
    if attached_summary.is_none_or(|b| evidence::sha256(b) != manifest.summary_csv_sha256) {
        problems.push("attachment evidence/summary.csv is missing or was changed".into());
    }

    let work = tempfile::tempdir().map_err(|e| Error::Output {
        path: std::env::temp_dir(),
        source: e,
    })?;
    // Template and fonts against the manifest.
    let attached_template: BTreeMap<&str, &Vec<u8>> = files
        .iter()
        .filter_map(|(name, bytes)| {
            name.strip_prefix(&format!("evidence/{}/", evidence::TEMPLATE_DIR))
                .map(|n| (n, bytes))
        })
        .collect();
    let template = match &req.template {
        Some(template) => template.clone(),
        None if !attached_template.is_empty() => {
            let dir = work.path().join("template");
            for (name, bytes) in &attached_template {
                write_attached(
                    &dir,
                    name,
                    bytes,
                    &format!("{shown}: attachment evidence/template/{name}"),
                )?;
            }
            dir.join(&manifest.template)
        }
        None => Path::new("templates").join(&manifest.template),
    };
    let now = evidence::hash_folder(&crate::render::template_root(&template))?;
    problems.extend(compare_hashes(
        "template file",
        &manifest.template_files,
        &now,
    ));
    let fonts = crate::render::Fonts::shared(req.font_path.as_deref())?;
    let font_hashes = evidence::hash_files(&fonts.files());
    problems.extend(compare_hashes("font", &manifest.fonts, &font_hashes));

    // Rebuild from the attached rows.
    let data_dir = work.path().join("data");
    std::fs::create_dir_all(&data_dir).map_err(|e| Error::Output {
        path: data_dir.clone(),
        source: e,
    })?;
    for (name, bytes) in &data_files {
        write_attached(
            &data_dir,
            name,
            bytes,
            &format!("{shown}: attachment evidence/data/{name}"),
        )?;
    }
    let mut images = 0;
    let rebuilt = crate::rebuild(
        &manifest,
        crate::Rebuild {
            data_dir,
            template: template.clone(),
            font_path: req.font_path.clone(),
            out_dir: work.path().join("out"),
        },
    );
    match rebuilt {
        Ok(outcome) => {
            problems.extend(page_image_differences(&req.pdf, &outcome.pages));
            images = outcome.pages.len();
            let pdf = outcome.pdf.clone().unwrap_or_default();
            let rebuilt = std::fs::read(&pdf).map_err(|e| Error::Output {
                path: pdf.clone(),
                source: e,
            })?;
            if rebuilt != bytes {
                let summary = std::fs::read(&outcome.summary_csv).unwrap_or_default();
                if let Some(attached) = attached_summary {
                    problems.extend(summary_differences(attached, &summary));
                }
                problems.push(format!("a rebuild from the attached data gives a PDF with other bytes ({} against {} bytes)", rebuilt.len(), bytes.len()));
            }
        }
        // (A period this version does not know: nothing to compare.)
        Err(Error::Verify(e)) => return Err(Error::Verify(format!("{shown}: {e}"))),
        Err(err) => problems.push(format!("the attached data does not rebuild: {err}")),
    }
    let version = env!("CARGO_PKG_VERSION");
    let other_version = (manifest.version != version).then(|| {
        format!(
            "the PDF was made by review {}, this is review {version}",
            manifest.version
        )
    });
    if !problems.is_empty() {
        problems.dedup();
        if let Some(note) = &other_version {
            problems.insert(
                0,
                format!("{note}: verify it with review {}", manifest.version),
            );
        }
        return Err(Error::Verify(format!(
            "{shown} does not verify:\n  - {}",
            problems.join("\n  - ")
        )));
    }
    // The rebuild above typeset this date: it is in range.
    let (y, m, d, h, mi, s) =
        crate::render::civil_from_timestamp(manifest.created).unwrap_or((1970, 1, 1, 0, 0, 0));
    Ok(format!(
        "verified: {shown} is byte-identical to a rebuild from its attached data{} ({}-{}, {}, created {y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z){}{}",
        if req.template.is_none() && !attached_template.is_empty() {
            " and template"
        } else {
            ""
        },
        manifest.year,
        manifest.period,
        manifest.template,
        match images {
            0 => String::new(),
            n => format!(
                "; so are its {n} page image(s) at {} dpi",
                manifest.png_dpi.unwrap_or(0.0)
            ),
        },
        other_version
            .map(|n| format!("; note: {n}"))
            .unwrap_or_default(),
    ))
}

/// Writes an attachment under `dir`. Names come from the PDF: only plain
/// relative paths inside the folder are written.
fn write_attached(dir: &Path, name: &str, bytes: &[u8], what: &str) -> Result<()> {
    let plain = Path::new(name)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !plain {
        return Err(Error::Verify(format!(
            "{what} is not a plain relative name; refusing to write it"
        )));
    }
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::Output {
            path: parent.to_path_buf(),
            source: e,
        })?;
    }
    std::fs::write(&path, bytes).map_err(|e| Error::Output { path, source: e })
}

/// Files that differ between what the manifest recorded and what is here.
fn compare_hashes(what: &str, recorded: &[Hashed], now: &[Hashed]) -> Vec<String> {
    let now: BTreeMap<&str, &str> = now
        .iter()
        .map(|h| (h.path.as_str(), h.sha256.as_str()))
        .collect();
    let then: BTreeMap<&str, &str> = recorded
        .iter()
        .map(|h| (h.path.as_str(), h.sha256.as_str()))
        .collect();
    let mut out = Vec::new();
    for (path, sha) in &then {
        match now.get(path) {
            None => out.push(format!("{what} {path} is missing here")),
            Some(s) if s != sha => out.push(format!(
                "{what} {path} differs from the one the PDF was made with (SHA-256 mismatch)"
            )),
            Some(_) => {}
        }
    }
    for path in now.keys().filter(|p| !then.contains_key(*p)) {
        out.push(format!(
            "{what} {path} is here but was not used for the PDF"
        ));
    }
    out
}

/// Rows of summary.csv whose value differs, named by their key columns.
fn summary_differences(attached: &[u8], rebuilt: &[u8]) -> Vec<String> {
    fn rows(bytes: &[u8]) -> BTreeMap<String, String> {
        let text = String::from_utf8_lossy(bytes);
        text.lines()
            .skip(1)
            .filter_map(|line| {
                let fields: Vec<&str> = line.split(',').collect();
                (fields.len() >= 7).then(|| (fields[..5].join(","), fields[5].to_string()))
            })
            .collect()
    }
    let (before, after) = (rows(attached), rows(rebuilt));
    let mut out: Vec<String> = before
        .iter()
        .filter(|(key, value)| after.get(*key) != Some(value))
        .take(10)
        .map(|(key, value)| {
            let now = after
                .get(key)
                .map_or("absent".to_string(), |v| format!("`{v}`"));
            format!("summary.csv row {key}: the PDF says `{value}`, the attached data gives {now}")
        })
        .collect();
    out.extend(
        after
            .keys()
            .filter(|k| !before.contains_key(*k))
            .take(5)
            .map(|k| format!("summary.csv row {k} appears only in the rebuild")),
    );
    out
}
