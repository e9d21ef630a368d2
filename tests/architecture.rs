//! The pipeline runs one way (ARCHITECTURE.md): no stage's code names a
//! later stage or the drivers (`lib.rs`, `verify`, `preview`, `check`,
//! `diff`). Read from the sources, outside their unit tests.

use std::path::{Path, PathBuf};

/// The stages in pipeline order; a module may use its own stage and those
/// before it. `error`, `number` and `period` come first: every stage uses
/// them.
const STAGES: [&[&str]; 6] = [
    &["error", "number", "period"],
    &["load"],
    &["aggregate", "summary"],
    &["phrase"],
    &["render"],
    &["evidence", "archive"],
];

/// The stage of a top-level module, or `None` for a driver.
fn stage(module: &str) -> Option<usize> {
    STAGES.iter().position(|s| s.contains(&module))
}

/// The source files of `module` (`src/<module>.rs` and `src/<module>/*.rs`).
fn sources(module: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join(format!("{module}.rs"))];
    if let Ok(dir) = std::fs::read_dir(src.join(module)) {
        files.extend(dir.map(|e| e.unwrap().path()));
    }
    files
}

/// The crate's modules (or `lib` for the crate root's own items) that the
/// code outside `#[cfg(test)] mod tests` names as `crate::…`.
fn used(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
    let mut used = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = if let Some(list) = rest.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap()];
            list.split(',').map(|n| n.trim()).collect()
        } else {
            vec![rest]
        };
        for name in names {
            let end = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(name.len());
            let name = &name[..end];
            let is_module = name.starts_with(|c: char| c.is_ascii_lowercase())
                && (stage(name).is_some() || sources(name)[0].exists());
            used.push(if is_module { name } else { "lib" }.to_string());
        }
    }
    used
}

#[test]
fn no_stage_uses_a_later_stage_or_a_driver() {
    let mut problems = Vec::new();
    for (at, modules) in STAGES.iter().enumerate() {
        for module in *modules {
            for file in sources(module) {
                for name in used(&file) {
                    match stage(&name) {
                        Some(s) if s <= at => {}
                        _ => problems.push(format!("{} uses crate::{name}", file.display())),
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check reads what it should: a later stage's name, in braces too,
/// is found.
#[test]
fn the_check_finds_a_later_stage() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.rs");
    std::fs::write(
        &file,
        "use crate::{error::Error, render};\nfn f() { crate::run(); }\n#[cfg(test)]\nmod tests { use crate::preview; }\n",
    )
    .unwrap();
    assert_eq!(used(&file), ["error", "render", "lib"]);
}
