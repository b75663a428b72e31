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

/// Runs one of `tests/validate/`'s scripts with the validators' python
/// on `args` then `files`, and reads its one JSON verdict per file.
fn verdicts(script: &str, args: &[&Path], files: &[PathBuf]) -> Vec<Value> {
    let python = root().join("target/validators/bin/python");
    assert!(
        python.exists(),
        "the validators are not installed: run scripts/validators.sh (scripts/test.sh does)"
    );
    let run = Command::new(python)
        .arg(root().join("tests/validate").join(script))
        .args(args)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running {script}: {e}"));
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

/// One verdict per file: `{"file", "syntax", "fatal": [..], "warnings":
/// [..], "schema": [..]}`. Panics with a clear message when the checkers
/// or the official artefacts are missing.
pub fn en16931(files: &[PathBuf]) -> Vec<Value> {
    let artefacts = root().join("../shared/conformance/en16931");
    assert!(
        artefacts.join("cii/xslt").is_dir(),
        "the EN 16931 artefacts are not at {}",
        artefacts.display()
    );
    verdicts("en16931.py", &[&artefacts], files)
}

/// One verdict per Factur-X PDF, read back by the `factur-x` library:
/// `{"file", "embedded", "level", "xsd", "xml_sha256", "xmp", "af",
/// "problems": [..]}`.
pub fn facturx(files: &[PathBuf]) -> Vec<Value> {
    verdicts("read_facturx.py", &[], files)
}

/// The text of a PDF as poppler's `pdftotext -layout` reads it.
pub fn pdf_text(pdf: &Path) -> String {
    let run = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils; scripts/validators.sh installs it): {e}"));
    assert!(
        run.status.success(),
        "pdftotext {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).to_string()
}

/// Renders a PDF's pages as PNG beside it (`NAME-1.png`…), for people to
/// look at; returns how many pages were drawn.
pub fn pdf_pictures(pdf: &Path) -> usize {
    let stem = pdf.with_extension("");
    let run = Command::new("pdftoppm")
        .args(["-png", "-r", "80"])
        .arg(pdf)
        .arg(&stem)
        .output()
        .unwrap_or_else(|e| panic!("pdftoppm (poppler-utils): {e}"));
    assert!(
        run.status.success(),
        "pdftoppm {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    let prefix = format!("{}-", stem.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    std::fs::read_dir(pdf.parent().unwrap_or(Path::new(".")))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    name.starts_with(&prefix) && name.ends_with(".png")
                })
                .count()
        })
        .unwrap_or(0)
}

/// Whether a verdict holds a fatal error or a schema error.
pub fn failed(verdict: &Value) -> bool {
    let any = |key: &str| verdict[key].as_array().is_some_and(|a| !a.is_empty());
    any("fatal") || any("schema")
}

/// The QR codes on a PDF's first page, read back by zxing-cpp from the
/// page drawn at 150 dpi (`NAME-qr-1.png` beside it), top to bottom.
pub fn pdf_qr_codes(pdf: &Path) -> Vec<String> {
    let stem = format!("{}-qr", pdf.with_extension("").display());
    let run = Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg(&stem)
        .output()
        .unwrap_or_else(|e| panic!("pdftoppm (poppler-utils): {e}"));
    assert!(run.status.success(), "pdftoppm {}", pdf.display());
    // pdftoppm names the page by the document's page count's digits.
    let png = [format!("{stem}-1.png"), format!("{stem}-01.png")]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no page drawn from {}", pdf.display()));
    qr_codes(&png)
}

/// The QR codes in a picture, read back by zxing-cpp, top to bottom.
pub fn qr_codes(png: &Path) -> Vec<String> {
    let verdict = verdicts("read_qr.py", &[], &[png.to_path_buf()]);
    verdict[0]["codes"]
        .as_array()
        .map(|codes| codes.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
