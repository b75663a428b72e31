//! The Tera renderer. Templates are embedded in the binary and parsed once
//! per process, in sets: a function parses the ones it renders at start-up
//! and any other the first time it needs it. Tera autoescapes names ending in `.html`: every HTML
//! template is named `*.html` (never `*.html.tera`), text parts `*.txt`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use include_dir::{Dir, include_dir};
use serde::Serialize;
use tera::{Context, Tera};

use crate::domain::Locale;

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../templates");

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template set is invalid: {0}")]
    Load(String),
    #[error("template {name} failed: {reason}")]
    Render { name: String, reason: String },
}

/// The three parts of an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

pub struct Renderer {
    /// Every template's source, by name, as embedded in the binary.
    sources: BTreeMap<String, &'static str>,
    /// Parsed sets: one per email kind and language, one per page, each
    /// with the layouts, words and parts it uses. Parsing all 70-odd
    /// templates takes ~20 ms, most of a cold start, and a function renders
    /// a few of them: each function parses its own sets at start-up
    /// (`preload`), and any other on first use, once.
    sets: RwLock<HashMap<String, Arc<Tera>>>,
    /// The page words per language, parsed once.
    words_fr: serde_json::Value,
    words_en: serde_json::Value,
}

fn collect(dir: &'static Dir<'static>, out: &mut BTreeMap<String, &'static str>) {
    for file in dir.files() {
        // Page words (TOML) are data, not templates.
        if file.path().extension().is_some_and(|e| e == "toml") {
            continue;
        }
        if let (Some(path), Some(text)) = (file.path().to_str(), file.contents_utf8()) {
            out.insert(path.replace('\\', "/"), text);
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// The templates a template names (`extends`, `import`, `include`): Tera
/// needs them in the same set.
fn references(source: &str) -> impl Iterator<Item = &str> {
    source.split("{%").skip(1).filter_map(|tag| {
        let tag = tag.trim_start_matches('-').trim_start();
        let rest = ["extends", "import", "include"]
            .iter()
            .find_map(|k| tag.strip_prefix(k))?
            .trim_start()
            .strip_prefix('"')?;
        rest.split('"').next()
    })
}

/// Tera reports the cause of a failure in its source chain.
fn describe(err: &tera::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What a function renders, to parse at start-up.
#[derive(Debug, Clone, Copy)]
pub enum Set<'a> {
    /// An email kind (`reminder`), in both languages.
    Email(&'a str),
    /// A customer page (`invoice`).
    Page(&'a str),
    /// A page of the finance console (`todo`).
    Console(&'a str),
}

/// What each function renders in its own work, parsed at its start-up.
/// Anything else (a leftover message the outbox sweep picks up) is parsed
/// on first use.
pub mod startup {
    use super::Set;

    /// The invoice email is the archive's (it carries the PDF).
    pub const ISSUE_INVOICE: &[Set<'static>] = &[Set::Email("thanks")];
    /// The emails that carry an issued document, and the books' copy.
    pub const SEND_DOCUMENTS: &[Set<'static>] = &[
        Set::Email("invoice"),
        Set::Email("credit"),
        Set::Email("correction"),
        Set::Email("book_copy"),
    ];
    pub const DISPATCH_SURVEY: &[Set<'static>] = &[Set::Email("survey")];
    /// The pass's reminders and hand-offs, and the morning's escalations.
    pub const SEND_REMINDERS: &[Set<'static>] = &[
        Set::Email("reminder"),
        Set::Email("finance_alert"),
        Set::Email("escalation"),
    ];
    /// The pages, and the alert to finance when a customer asks for help
    /// or answers a survey badly.
    pub const CUSTOMER_LINKS: &[Set<'static>] = &[
        Set::Page("invoice"),
        Set::Page("portal"),
        Set::Page("help"),
        Set::Page("survey"),
        Set::Page("unsubscribe"),
        Set::Page("message"),
        Set::Email("customer_alert"),
    ];
}

impl Renderer {
    /// Reads the embedded sources; parses nothing yet.
    pub fn new() -> Result<Self, RenderError> {
        let mut sources = BTreeMap::new();
        collect(&TEMPLATES, &mut sources);
        Ok(Self {
            sources,
            sets: RwLock::new(HashMap::new()),
            words_fr: page_words(Locale::Fr)?,
            words_en: page_words(Locale::En)?,
        })
    }

    /// A renderer with these sets parsed, as a function builds it at
    /// start-up: a broken template fails the start, not a customer's email.
    pub fn with(sets: &[Set<'_>]) -> Result<Self, RenderError> {
        let renderer = Self::new()?;
        for set in sets {
            match set {
                Set::Email(name) => {
                    for locale in [Locale::Fr, Locale::En] {
                        renderer.email_set(name, locale)?;
                    }
                }
                Set::Page(name) => {
                    renderer.page_set(name)?;
                }
                Set::Console(name) => {
                    renderer.console_set(name)?;
                }
            }
        }
        Ok(renderer)
    }

    /// Every email kind and page there is (for tests and the CLI).
    pub fn all_sets(&self) -> Vec<Set<'_>> {
        let mut sets = Vec::new();
        for name in self.sources.keys() {
            if let Some(kind) = name
                .strip_prefix("email/fr/")
                .and_then(|n| n.strip_suffix(".subject.txt"))
            {
                sets.push(Set::Email(kind));
            } else if let Some(page) = name
                .strip_prefix("page/")
                .and_then(|n| n.strip_suffix(".html"))
                .filter(|p| *p != "layout")
            {
                sets.push(Set::Page(page));
            } else if let Some(page) = name
                .strip_prefix("console/")
                .and_then(|n| n.strip_suffix(".html"))
                .filter(|p| *p != "layout")
            {
                sets.push(Set::Console(page));
            }
        }
        sets
    }

    /// The names of every template embedded.
    pub fn template_names(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    fn email_set(&self, name: &str, locale: Locale) -> Result<Arc<Tera>, RenderError> {
        let base = format!("email/{}/{name}", locale.code());
        let roots = [
            format!("{base}.subject.txt"),
            format!("{base}.html"),
            format!("{base}.txt"),
        ];
        self.set(&base, &roots)
    }

    fn page_set(&self, name: &str) -> Result<Arc<Tera>, RenderError> {
        let root = format!("page/{name}.html");
        self.set(&root, std::slice::from_ref(&root))
    }

    fn console_set(&self, name: &str) -> Result<Arc<Tera>, RenderError> {
        let root = format!("console/{name}.html");
        self.set(&root, std::slice::from_ref(&root))
    }

    /// Renders `console/{name}.html` with the console's words of `locale`
    /// as `t` and the language as `lang`.
    pub fn console(&self, name: &str, locale: Locale, context: &impl Serialize) -> Result<String, RenderError> {
        let name = format!("console/{name}.html");
        let mut value = serde_json::to_value(context).map_err(|e| RenderError::Render {
            name: name.clone(),
            reason: e.to_string(),
        })?;
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("t".into(), console_words(locale)?);
            map.insert("lang".into(), locale.code().into());
        }
        let tera = self.console_set(name.trim_start_matches("console/").trim_end_matches(".html"))?;
        let context = Self::context(&name, &value)?;
        self.render(&tera, &name, &context)
    }

    /// The parsed set for `key`, built from `roots` and everything they
    /// reference the first time it is asked for.
    fn set(&self, key: &str, roots: &[String]) -> Result<Arc<Tera>, RenderError> {
        if let Some(set) = self.sets.read().ok().and_then(|sets| sets.get(key).cloned()) {
            return Ok(set);
        }
        let mut wanted: Vec<String> = roots.to_vec();
        let mut files: BTreeMap<&str, &'static str> = BTreeMap::new();
        while let Some(name) = wanted.pop() {
            if files.contains_key(name.as_str()) {
                continue;
            }
            let (stored, source) = self
                .sources
                .get_key_value(&name)
                .ok_or_else(|| RenderError::Load(format!("no template named {name}")))?;
            wanted.extend(references(source).map(str::to_string));
            files.insert(stored.as_str(), source);
        }
        let mut tera = Tera::default();
        tera.add_raw_templates(files)
            .map_err(|e| RenderError::Load(describe(&e)))?;
        // Escaping is on for `.html` by default; say it explicitly so a
        // future change of Tera's default cannot turn it off silently.
        tera.autoescape_on(vec![".html"]);
        let tera = Arc::new(tera);
        if let Ok(mut sets) = self.sets.write() {
            sets.insert(key.to_string(), tera.clone());
        }
        Ok(tera)
    }

    fn render(&self, tera: &Tera, name: &str, context: &Context) -> Result<String, RenderError> {
        tera.render(name, context).map_err(|e| RenderError::Render {
            name: name.into(),
            reason: describe(&e),
        })
    }

    fn context(name: &str, context: &impl Serialize) -> Result<Context, RenderError> {
        Context::from_serialize(context).map_err(|e| RenderError::Render {
            name: name.into(),
            reason: describe(&e),
        })
    }

    /// Renders `email/{locale}/{name}.subject.txt`, `.html` and `.txt`.
    pub fn email(&self, name: &str, locale: Locale, context: &impl Serialize) -> Result<RenderedEmail, RenderError> {
        let tera = self.email_set(name, locale)?;
        let base = format!("email/{}/{name}", locale.code());
        let context = Self::context(&base, context)?;
        let subject = self.render(&tera, &format!("{base}.subject.txt"), &context)?;
        Ok(RenderedEmail {
            // A subject is one line, whatever the template's layout. Only
            // ASCII whitespace folds: the no-break spaces that keep "48,00 €"
            // together stay.
            subject: subject.split_ascii_whitespace().collect::<Vec<_>>().join(" "),
            html: self.render(&tera, &format!("{base}.html"), &context)?,
            text: tidy_text(&self.render(&tera, &format!("{base}.txt"), &context)?),
        })
    }
}

/// The words of the customer pages, one TOML table per language: the page
/// templates are shared, only the words differ.
fn page_words(locale: Locale) -> Result<serde_json::Value, RenderError> {
    let text = match locale {
        Locale::Fr => include_str!("../../../templates/page/fr.toml"),
        Locale::En => include_str!("../../../templates/page/en.toml"),
    };
    toml::from_str(text).map_err(|e| RenderError::Load(format!("page words ({}): {e}", locale.code())))
}

/// The console's words, one TOML table per language, parsed once.
fn console_words(locale: Locale) -> Result<serde_json::Value, RenderError> {
    static WORDS: std::sync::LazyLock<Result<(serde_json::Value, serde_json::Value), String>> =
        std::sync::LazyLock::new(|| {
            let fr = toml::from_str(include_str!("../../../templates/console/fr.toml"))
                .map_err(|e: toml::de::Error| format!("console words (fr): {e}"))?;
            let en = toml::from_str(include_str!("../../../templates/console/en.toml"))
                .map_err(|e: toml::de::Error| format!("console words (en): {e}"))?;
            Ok((fr, en))
        });
    match &*WORDS {
        Ok((fr, en)) => Ok(match locale {
            Locale::Fr => fr.clone(),
            Locale::En => en.clone(),
        }),
        Err(e) => Err(RenderError::Load(e.clone())),
    }
}

/// One of the pages' words, for what a handler builds itself (an image's
/// accessible name): the key's text, or the key when it is missing.
pub fn page_word(locale: Locale, key: &str) -> String {
    page_words(locale)
        .ok()
        .and_then(|words| words.get(key).and_then(|w| w.as_str()).map(str::to_string))
        .unwrap_or_else(|| key.to_string())
}

/// One of the console's words, for what a handler builds itself (a
/// chart's accessible name): the key's text, or the key when it is missing.
pub fn console_word(locale: Locale, key: &str) -> String {
    console_words(locale)
        .ok()
        .and_then(|words| words.get(key).and_then(|w| w.as_str()).map(str::to_string))
        .unwrap_or_else(|| key.to_string())
}

impl Renderer {
    /// Renders `page/{name}.html` with the page words of `locale` as `t`
    /// and the language as `lang`.
    pub fn page(&self, name: &str, locale: Locale, context: &impl Serialize) -> Result<String, RenderError> {
        let name = format!("page/{name}.html");
        let mut value = serde_json::to_value(context).map_err(|e| RenderError::Render {
            name: name.clone(),
            reason: e.to_string(),
        })?;
        if let serde_json::Value::Object(map) = &mut value {
            let words = match locale {
                Locale::Fr => &self.words_fr,
                Locale::En => &self.words_en,
            };
            map.insert("t".into(), words.clone());
            map.insert("lang".into(), locale.code().into());
        }
        let tera = self.page_set(name.trim_start_matches("page/").trim_end_matches(".html"))?;
        let context = Self::context(&name, &value)?;
        Ok(without_inline_styles(&self.render(&tera, &name, &context)?))
    }
}

/// The invoice document is shared with the emails, where inline styles are
/// the only ones that survive. Pages have their own stylesheet and a CSP
/// that forbids inline styles, so they are removed rather than blocked.
/// Attribute values are escaped by Tera, so a value never holds a `"`.
fn without_inline_styles(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(" style=\"") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 8..];
        match after.find('"') {
            Some(end) => rest = &after[end + 1..],
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Drops the blank-line runs that template conditionals leave behind.
fn tidy_text(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::{Renderer, references};

    #[test]
    fn references_are_read_from_extends_import_and_include() {
        let source = r#"{% extends "email/layout.html" %}{%- import "email/fr/words.txt" as words -%}{% if x %}{% include "email/fr/parties.html" %}{% endif %}{{ "include" }}"#;
        let found: Vec<&str> = references(source).collect();
        assert_eq!(
            found,
            ["email/layout.html", "email/fr/words.txt", "email/fr/parties.html"]
        );
    }

    #[test]
    fn every_set_parses_on_its_own_and_together_they_hold_every_template() {
        let renderer = Renderer::new().expect("sources");
        let sets = renderer.all_sets();
        assert!(sets.len() > 10, "{sets:?}");
        Renderer::with(&sets).expect("every set parses with what it references");
        let mut covered = std::collections::BTreeSet::new();
        if let Ok(parsed) = renderer.sets.read() {
            assert!(parsed.is_empty(), "new() parses nothing");
        }
        let all = Renderer::with(&sets).expect("sets");
        if let Ok(parsed) = all.sets.read() {
            for tera in parsed.values() {
                covered.extend(tera.get_template_names().map(str::to_string));
            }
        }
        let names: std::collections::BTreeSet<String> = renderer.template_names().map(str::to_string).collect();
        assert_eq!(covered, names, "no template is left out of every set");
    }

    #[test]
    fn inline_styles_are_removed_from_pages() {
        let html = r#"<p style="margin:0">a</p><td style="x:1;">b</td><a href="/x">c</a>"#;
        assert_eq!(
            super::without_inline_styles(html),
            r#"<p>a</p><td>b</td><a href="/x">c</a>"#
        );
    }
}
