//! Errors a run can end with, each mapped to a documented exit code.

use std::fmt;
use std::path::PathBuf;

/// How many data errors one run collects before it stops reading, so that a
/// statistician can fix a file in one pass without drowning in messages.
pub const MAX_DATA_ERRORS: usize = 50;

/// One problem in an input file, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// The file, as the user named it (relative to where `review` ran).
    pub file: PathBuf,
    /// 1-based line of the record, when the problem is in one record.
    pub line: Option<u64>,
    /// The column's header name, when the problem is in one field.
    pub column: Option<String>,
    /// 1-based character position in the line, for text files (stories,
    /// `publication.toml`) where a problem sits at one place in a line.
    pub position: Option<u64>,
    /// What was found and what was expected.
    pub message: String,
    /// Whether `line` counts the rows of a file that has no lines (Parquet):
    /// shown as `file: row N`.
    pub is_row: bool,
}

impl DataError {
    /// A problem with a whole file (missing, unreadable, empty).
    pub fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DataError {
            file: file.into(),
            line: None,
            column: None,
            position: None,
            message: message.into(),
            is_row: false,
        }
    }

    /// A problem at one line, optionally in one column.
    pub fn at(
        file: impl Into<PathBuf>,
        line: u64,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        DataError {
            file: file.into(),
            line: Some(line),
            column: column.map(str::to_string),
            position: None,
            message: message.into(),
            is_row: false,
        }
    }

    /// A problem at a 1-based row of a file without lines (Parquet),
    /// optionally in one column: `file: row N`.
    pub fn at_row(
        file: impl Into<PathBuf>,
        row: u64,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        DataError {
            is_row: true,
            ..DataError::at(file, row, column, message)
        }
    }

    /// A problem at a character position of a text file: `file:line:col`.
    pub fn at_char(
        file: impl Into<PathBuf>,
        line: u64,
        position: u64,
        message: impl Into<String>,
    ) -> Self {
        DataError {
            file: file.into(),
            line: Some(line),
            column: None,
            position: Some(position),
            message: message.into(),
            is_row: false,
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(row), true) = (self.line, self.is_row) {
            write!(f, ": row {row}")?;
        } else if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(position) = self.position {
                write!(f, ":{position}")?;
            }
        }
        if let Some(column) = &self.column {
            write!(f, ": column `{column}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can stop a run. [`Error::exit_code`] gives the process
/// exit status documented in the README and `--help`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input data is missing, malformed or does not cover the period.
    #[error("{}", format_data_errors(.0))]
    Data(Vec<DataError>),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// The template failed to compile, or the document needs a glyph that no
    /// embedded font has.
    #[error("{0}")]
    Template(String),
    /// `review verify`: the PDF is not what its attached data makes.
    #[error("{0}")]
    Verify(String),
    /// An output file could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Output {
        /// The file or folder that could not be written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// The process exit status for this error: 1 data, 2 usage, 3 template,
    /// 4 output, 5 verification failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Data(_) => 1,
            Error::Usage(_) => 2,
            Error::Template(_) => 3,
            Error::Output { .. } => 4,
            Error::Verify(_) => 5,
        }
    }
}

impl From<DataError> for Error {
    fn from(err: DataError) -> Self {
        Error::Data(vec![err])
    }
}

fn format_data_errors(errors: &[DataError]) -> String {
    let mut out = String::new();
    for (i, err) in errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&err.to_string());
    }
    if errors.len() >= MAX_DATA_ERRORS {
        out.push_str(&format!("\n(stopped after {MAX_DATA_ERRORS} errors"));
        // A whole column in another form (a spreadsheet's dates, grouped
        // numbers) breaks the rule on every row: say so once.
        let first = &errors[0];
        if let Some(column) = &first.column
            && errors
                .iter()
                .all(|e| e.file == first.file && e.column == first.column)
        {
            out.push_str(&format!(
                ", every one in column `{column}` of {}: the column may be written in another form throughout",
                first.file.display()
            ));
        }
        out.push(')');
    }
    out
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_on_one_column_says_so_once() {
        let at = |line: u64, column: &str| {
            DataError::at(
                "data/industry_monthly.csv",
                line,
                Some(column),
                "found `2024/1/1`",
            )
        };
        let same: Vec<DataError> = (2..2 + MAX_DATA_ERRORS as u64)
            .map(|l| at(l, "month"))
            .collect();
        assert!(format_data_errors(&same).ends_with(
            "(stopped after 50 errors, every one in column `month` of data/industry_monthly.csv: the column may be written in another form throughout)"
        ));
        let mut mixed = same;
        mixed[7] = at(9, "output_value");
        assert!(format_data_errors(&mixed).ends_with("\n(stopped after 50 errors)"));
        assert!(!format_data_errors(&mixed[..3]).contains("stopped"));
    }
}
