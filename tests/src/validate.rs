//! The independent checkers of relance's documents, run as they are
//! installed by `scripts/validators.sh`: the official EN 16931 rules
//! (saxonche) and the CII schema (lxml), through
//! `tests/validate/en16931.py`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where checked documents are left to be read: `target/documents/`.
pub fn out_dir() -> PathBuf {
    let dir = root().join("target/documents");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// One verdict per file: `{"file", "syntax", "fatal": [..], "warnings":
/// [..], "schema": [..]}`. Panics with a clear message when the checkers
/// or the official artefacts are missing.
pub fn en16931(files: &[PathBuf]) -> Vec<Value> {
    let python = root().join("target/validators/bin/python");
    assert!(
        python.exists(),
        "the validators are not installed: run scripts/validators.sh (scripts/test.sh does)"
    );
    let artefacts = root().join("../shared/conformance/en16931");
    assert!(
        artefacts.join("cii/xslt").is_dir(),
        "the EN 16931 artefacts are not at {}",
        artefacts.display()
    );
    let run = Command::new(python)
        .arg(root().join("tests/validate/en16931.py"))
        .arg(&artefacts)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running the checker: {e}"));
    let report = String::from_utf8_lossy(&run.stdout);
    let verdicts: Vec<Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(
        verdicts.len(),
        files.len(),
        "one verdict per file\n{report}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    verdicts
}

/// Whether a verdict holds a fatal error or a schema error.
pub fn failed(verdict: &Value) -> bool {
    let any = |key: &str| verdict[key].as_array().is_some_and(|a| !a.is_empty());
    any("fatal") || any("schema")
}
