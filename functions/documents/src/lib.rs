//! An issued invoice or credit note as the documents the e-invoicing
//! reform accepts. Each is a pure function of the issued record: the same
//! invoice always gives the same bytes, so an archived original can be
//! checked against its record at any time.

pub mod cii;
pub mod letter;
pub mod model;
pub mod pdf;
pub mod ubl;
mod xml;
mod xmp;

use serde::{Deserialize, Serialize};

pub use model::Document;

/// A structured syntax the documents are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Syntax {
    /// UN/CEFACT Cross Industry Invoice D16B (Factur-X's XML).
    Cii,
    /// OASIS UBL 2.1.
    Ubl,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("writing the document: {0}")]
    Write(#[from] std::io::Error),
}

impl Document {
    pub fn write(&self, syntax: Syntax) -> Result<Vec<u8>, DocumentError> {
        Ok(match syntax {
            Syntax::Cii => cii::write(self)?,
            Syntax::Ubl => ubl::write(self)?,
        })
    }
}
