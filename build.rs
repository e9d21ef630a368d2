//! Embeds the fonts: writes `embedded_fonts.rs` (included by `src/render.rs`)
//! with each face's bytes and its SHA-256, so that a run records the hashes
//! in the manifest without hashing 31 MB every time.

use std::fmt::Write;

use sha2::{Digest, Sha256};

/// The embedded faces, in the order Typst's font book gets them.
const FONTS: [&str; 3] = [
    "NotoSerifSC-Regular.otf",
    "NotoSansSC-Regular.otf",
    "NotoSansSC-Bold.otf",
];

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it");
    let mut code = String::from(
        "/// The faces embedded in the binary: (file name, bytes, SHA-256 computed at build time).\n\
         const EMBEDDED: [(&str, &[u8], &str); 3] = [\n",
    );
    for name in FONTS {
        let path = format!("{dir}/fonts/{name}");
        println!("cargo:rerun-if-changed={path}");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let hash = Sha256::digest(&bytes)
            .iter()
            .fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            });
        let _ = writeln!(code, "    ({name:?}, include_bytes!({path:?}), {hash:?}),");
    }
    code.push_str("];\n");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets it"))
        .join("embedded_fonts.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
