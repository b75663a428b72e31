//! The README and the manual in `docs/` cannot drift from the tree: every
//! path they name exists, every link between them lands on a file (and a
//! heading, when it names one), the code map lists every crate and every
//! module of the library, and the README stays a front door.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Where named paths may start; anything else in backticks is code.
const ROOTS: [&str; 11] = [
    "functions/",
    "tests/",
    "demo/",
    "cli/",
    "scripts/",
    "infra/",
    "config/",
    "templates/",
    "docs/",
    ".ci/",
    "BENCHMARKS.md",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn documents() -> Vec<PathBuf> {
    let mut docs = vec![root().join("README.md")];
    let mut pages: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    docs.extend(pages);
    docs
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The words inside `backticks` that look like a path of the repository.
fn named_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, span) in text.split('`').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        for word in span.split_whitespace() {
            let word = word.trim_end_matches([',', '.', ':', ')']);
            let literal = !word.contains(['{', '}', '<', '>', '*', '…', '|', '[']);
            if literal && ROOTS.iter().any(|r| word.starts_with(r)) {
                out.push(word.to_string());
            }
        }
    }
    out
}

/// `[text](target)` links that are not web addresses.
fn local_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("](") {
        rest = &rest[start + 2..];
        if let Some(end) = rest.find(')') {
            let target = &rest[..end];
            if !target.starts_with("http") && !target.starts_with("mailto:") {
                out.push(target.to_string());
            }
            rest = &rest[end..];
        }
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation dropped,
/// spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

#[test]
fn every_path_the_docs_name_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        for path in named_paths(&read(&doc)) {
            checked += 1;
            if !root().join(&path).exists() {
                missing.push(format!("{}: `{path}`", doc.display()));
            }
        }
    }
    assert!(checked > 50, "the docs name the code they describe ({checked} paths)");
    assert!(missing.is_empty(), "named but not in the tree:\n{}", missing.join("\n"));
}

#[test]
fn every_link_lands_on_a_file_and_its_heading() {
    let mut broken = Vec::new();
    for doc in documents() {
        let dir = doc.parent().expect("a folder").to_path_buf();
        for link in local_links(&read(&doc)) {
            let (file, heading) = link.split_once('#').unwrap_or((link.as_str(), ""));
            let target = if file.is_empty() { doc.clone() } else { dir.join(file) };
            if !target.exists() {
                broken.push(format!("{}: ({link})", doc.display()));
            } else if !heading.is_empty() && !anchors(&read(&target)).contains(heading) {
                broken.push(format!("{}: ({link}) has no such heading", doc.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_code_map_lists_every_crate_and_module() {
    let map = read(&root().join("docs/code-map.md"));
    let mut unlisted = Vec::new();
    let workspace = read(&root().join("Cargo.toml"));
    let members: Vec<&str> = workspace
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('"') && l.ends_with("\","))
        .map(|l| l.trim_matches(|c| c == '"' || c == ','))
        .collect();
    assert!(members.len() >= 10, "workspace members read: {members:?}");
    for member in members {
        let name = member.rsplit('/').next().unwrap_or(member);
        if !map.contains(&format!("{name}/")) {
            unlisted.push(format!("crate {member}"));
        }
    }
    let src = root().join("functions/relance/src");
    for entry in fs::read_dir(&src).expect("library sources").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().to_string();
        if name == "lib.rs" {
            continue;
        }
        let listed = if entry.path().is_dir() {
            format!("src/{name}/")
        } else {
            format!("src/{name}")
        };
        if !map.contains(&listed) {
            unlisted.push(listed);
        }
    }
    assert!(
        unlisted.is_empty(),
        "docs/code-map.md does not list:\n{}",
        unlisted.join("\n")
    );
    // …and lists nothing that is gone.
    let gone: Vec<&str> = map
        .split_whitespace()
        .filter(|w| w.starts_with("src/"))
        .filter(|w| !root().join("functions/relance").join(w).exists())
        .collect();
    assert!(
        gone.is_empty(),
        "docs/code-map.md lists what is not in the library: {gone:?}"
    );
}

#[test]
fn the_readme_is_a_front_door() {
    let readme = read(&root().join("README.md"));
    let lines = readme.lines().count();
    assert!(lines <= 160, "README.md has {lines} lines: move the manual to docs/");
    for command in ["bash scripts/demo.sh", "bash scripts/test.sh"] {
        assert!(readme.contains(command), "the README gives `{command}`");
    }
    for doc in documents().iter().skip(1) {
        let name = doc
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        assert!(
            readme.contains(&format!("docs/{name}")),
            "the README leads to docs/{name}"
        );
    }
}
