//! The Tera renderer. Templates are embedded in the binary and parsed once
//! per cold start. Tera autoescapes names ending in `.html`: every HTML
//! template is named `*.html` (never `*.html.tera`), text parts `*.txt`.

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
    tera: Tera,
    /// The page words per language, parsed once.
    words_fr: serde_json::Value,
    words_en: serde_json::Value,
}

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<(String, &'a str)>) {
    for file in dir.files() {
        // Page words (TOML) are data, not templates.
        if file.path().extension().is_some_and(|e| e == "toml") {
            continue;
        }
        if let (Some(path), Some(text)) = (file.path().to_str(), file.contents_utf8()) {
            out.push((path.replace('\\', "/"), text));
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
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

impl Renderer {
    pub fn new() -> Result<Self, RenderError> {
        let mut files = Vec::new();
        collect(&TEMPLATES, &mut files);
        let mut tera = Tera::default();
        tera.add_raw_templates(files)
            .map_err(|e| RenderError::Load(describe(&e)))?;
        // Escaping is on for `.html` by default; say it explicitly so a
        // future change of Tera's default cannot turn it off silently.
        tera.autoescape_on(vec![".html"]);
        Ok(Self {
            tera,
            words_fr: page_words(Locale::Fr)?,
            words_en: page_words(Locale::En)?,
        })
    }

    pub fn template_names(&self) -> impl Iterator<Item = &str> {
        self.tera.get_template_names()
    }

    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, RenderError> {
        let context = Context::from_serialize(context).map_err(|e| RenderError::Render {
            name: name.into(),
            reason: describe(&e),
        })?;
        self.tera.render(name, &context).map_err(|e| RenderError::Render {
            name: name.into(),
            reason: describe(&e),
        })
    }

    /// Renders `email/{locale}/{name}.subject.txt`, `.html` and `.txt`.
    pub fn email(&self, name: &str, locale: Locale, context: &impl Serialize) -> Result<RenderedEmail, RenderError> {
        let base = format!("email/{}/{name}", locale.code());
        let subject = self.render(&format!("{base}.subject.txt"), context)?;
        Ok(RenderedEmail {
            // A subject is one line, whatever the template's layout. Only
            // ASCII whitespace folds: the no-break spaces that keep "48,00 €"
            // together stay.
            subject: subject.split_ascii_whitespace().collect::<Vec<_>>().join(" "),
            html: self.render(&format!("{base}.html"), context)?,
            text: tidy_text(&self.render(&format!("{base}.txt"), context)?),
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
        Ok(without_inline_styles(&self.render(&name, &value)?))
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
    #[test]
    fn inline_styles_are_removed_from_pages() {
        let html = r#"<p style="margin:0">a</p><td style="x:1;">b</td><a href="/x">c</a>"#;
        assert_eq!(
            super::without_inline_styles(html),
            r#"<p>a</p><td>b</td><a href="/x">c</a>"#
        );
    }
}
