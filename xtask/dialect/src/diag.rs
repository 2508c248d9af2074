//! Problems found in an input file, each tied to the line it is on, reported all at once.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub message: String,
}

/// Every problem found in one file. Printed as `FILE:LINE: message`, one per line, in line order.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub file: String,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: impl Into<String>) -> Self {
        Diagnostics { file: file.into(), items: Vec::new() }
    }

    pub fn error(&mut self, line: usize, message: impl Into<String>) {
        self.items.push(Diagnostic { line, message: message.into() });
    }

    /// `Ok(value)` when nothing was reported, else the sorted diagnostics.
    pub fn finish<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.items.is_empty() {
            Ok(value)
        } else {
            // Stable sort: problems on one line keep the order they were found in.
            self.items.sort_by_key(|d| d.line);
            self.items.dedup();
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{}:{}: {}", self.file, d.line, d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
