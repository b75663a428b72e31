//! Why a statement file is refused: where in the file, and what is wrong.

/// A statement refused as a whole: nothing from it is recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {reason}")]
pub struct FileError {
    /// "line 12", "Stmt/Ntry[3]/Amt", "the file".
    pub at: String,
    pub reason: String,
}

impl FileError {
    pub fn new(at: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            at: at.into(),
            reason: reason.into(),
        }
    }
}
