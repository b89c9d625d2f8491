//! Embeds every message catalogue under `locales/`: `locales/<code>/hichat.ftl`
//! becomes a language, so adding one is adding a file. English comes first:
//! it is the fallback for any message a catalogue lacks.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut found: Vec<(String, String)> = Vec::new();
    for entry in fs::read_dir(&dir).expect("locales/ exists").flatten() {
        let file = entry.path().join("hichat.ftl");
        if let (Ok(code), true) = (entry.file_name().into_string(), file.is_file()) {
            println!("cargo:rerun-if-changed={}", file.display());
            found.push((code, file.display().to_string()));
        }
    }
    found.sort_by_key(|(code, _)| (code != "en", code.clone()));
    assert!(found.first().is_some_and(|(c, _)| c == "en"), "locales/en/hichat.ftl is required");
    let mut out = String::from(
        "/// `(code, catalogue)` for every language, English first.\npub const CATALOGUES: &[(&str, &str)] = &[\n",
    );
    for (code, path) in found {
        out.push_str(&format!("    ({code:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n");
    let target = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("locales.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}
