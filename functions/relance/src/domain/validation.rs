//! Field-level errors: bad input is answered with the field and the reason.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Collects every problem of a request so the caller can fix them at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }

    /// Runs a parse and records its error under `field`.
    pub fn check<T>(&mut self, field: impl Into<String>, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(reason) => {
                self.push(field, reason);
                None
            }
        }
    }

    /// The fields named so far, in order.
    pub fn fields(&self) -> Vec<String> {
        self.0.iter().map(|e| e.field.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            // Every field parsed, so `value` can be built; the Option only
            // exists because the parsed fields are held as Options above.
            value().ok_or_else(|| vec![FieldError::new("", "incomplete request")])
        } else {
            Err(self.0)
        }
    }
}

/// A single-line field (a name, an address line, a reference): free text
/// with no line break or tab, and none of the invisible characters that
/// make one name look like another or reorder what a reader sees
/// (zero-width spaces and joiners, bidirectional overrides and isolates,
/// the byte-order mark, the soft hyphen).
pub fn line(value: &str, max: usize) -> Result<String, String> {
    let text = text(value, max)?;
    if text.contains(['\n', '\r', '\t']) {
        return Err("must be on one line".into());
    }
    if let Some(c) = text.chars().find(|c| invisible(*c)) {
        return Err(format!(
            "must not contain the invisible character U+{:04X}",
            u32::from(c)
        ));
    }
    Ok(text)
}

/// Unicode format characters (category Cf) a person never types.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}')
}

/// Trims free text and enforces a length bound, so a name or a line
/// description can neither be empty nor fill an email.
pub fn text(value: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    if trimmed.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err("must not contain control characters".into());
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_line_field_refuses_breaks_and_invisible_characters() {
        assert_eq!(line("  Boulangerie Roux ", 60), Ok("Boulangerie Roux".into()));
        assert_eq!(line("Café Élysée · Lyon 2e", 60), Ok("Café Élysée · Lyon 2e".into()));
        for bad in [
            "Roux\nBcc: x@y.fr",
            "Roux\rX",
            "Roux\tSARL",
            "Ro\u{200B}ux",
            "Roux\u{202E}lrs",
            "\u{FEFF}Roux",
            "Ro\u{2066}ux",
            "Ro\u{00AD}ux",
        ] {
            assert!(line(bad, 60).is_err(), "{bad:?}");
        }
        assert!(text("Ligne 1\nLigne 2", 60).is_ok(), "free text keeps its lines");
    }
}
