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

/// `; did you mean `X`?` when one of `candidates` is likely what the misspelt `word` meant (see
/// [`closest`]), else nothing: a message appends it after naming the word.
pub fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    closest(word, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}

/// The candidate that differs from `word` only in case, else the nearest within two edits (the
/// first of equals). Two edits catch the usual slips without guessing wildly on short words.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let lower = word.to_lowercase();
    let scored = candidates.into_iter().filter(|c| *c != word).map(|c| {
        let d = if c.to_lowercase() == lower { 0 } else { edit_distance(word, c) };
        (d, c)
    });
    scored.filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, c)| c)
}

/// Insertions, deletions, substitutions and swaps of two neighbours (so `strnig` is one edit from
/// `string`, and `int23` nearer `int32` than `int16`), counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Three rows of the usual table: the one before the previous is what a swap reaches back to.
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut prev, row);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("strnig", "string"), 1);
        assert_eq!(edit_distance("int23", "int32"), 1);
        assert_eq!(edit_distance("int23", "int16"), 2);
        assert_eq!(edit_distance("", "any"), 3);
        assert_eq!(edit_distance("表单文件", "表单"), 2);
    }

    #[test]
    fn closest_prefers_case_then_the_fewest_edits() {
        let names = ["int8", "int16", "int32", "int64", "Item", "time.Time"];
        assert_eq!(closest("int23", names), Some("int32"));
        assert_eq!(closest("TIME.TIME", names), Some("time.Time"));
        assert_eq!(closest("decimal", names), None);
        assert_eq!(did_you_mean("item", names), "; did you mean `Item`?");
        assert_eq!(did_you_mean("x", names), "");
    }
}
