//! Bank statements in: the two formats French banks export — ISO 20022
//! camt.053 (`camt.rs`) and CFONB 120 (`cfonb.rs`) — read into relance's
//! statement, and the finance API's bank routes (`routes.rs`).

pub mod amount;
pub mod camt;
pub mod cfonb;
pub mod error;

use std::io::BufRead;

pub use error::FileError;
use relance::domain::bank::Statement;

/// Reads a statement file, whichever of the two formats it is: an XML
/// document is read as camt.053, 120-character records as CFONB 120;
/// anything else is refused.
pub fn read(mut input: impl BufRead) -> Result<Vec<Statement>, FileError> {
    let start = input
        .fill_buf()
        .map_err(|e| FileError::new("the file", e.to_string()))?;
    // Skip a byte-order mark and blank space to see what the file is.
    let head: Vec<u8> = start
        .iter()
        .copied()
        .skip_while(|b| b.is_ascii_whitespace() || *b >= 0xEF)
        .take(2)
        .collect();
    match head.as_slice() {
        [b'<', _] => camt::read(input),
        [b'0', b'1'] => cfonb::read(input),
        [] => Err(FileError::new("the file", "is empty")),
        _ => Err(FileError::new(
            "the file",
            "is neither a camt.053 statement (XML) nor a CFONB 120 statement (120-character records starting with 01)",
        )),
    }
}
