//! `industry_monthly.csv`, the one large input: every row is checked against
//! the contract and, in the same pass, kept as typed columns
//! ([`EnterpriseRows`]), which is what the aggregate stage reads. The file is
//! parsed once.
//!
//! Two readers share the rules and give the same columns:
//!
//! - the **fast path** reads the file in blocks and parses each block's
//!   parts on every core. It takes only files it can split at line ends
//!   without changing what the `csv` crate reads (no `"` anywhere, no lone
//!   `\r`) and only rows that pass every check; at the first thing out of
//!   the ordinary it gives up, having told nothing;
//! - the **careful path** reads the file record by record with the `csv`
//!   crate and reports every problem with file, line and column. It runs
//!   when the fast path gives up, so every message comes from one place.

use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use super::{
    CsvInput, EnterpriseMonths, Errors, Industry, MonthSet, OPTIONAL_FLOWS, Region, contract,
};
use crate::error::DataError;
use crate::period::{month_key, parse_month};

/// The enterprise-month rows, validated and typed, in file order: the frame
/// the aggregate stage reads instead of the file.
///
/// Columns: `enterprise` (UInt32, each identifier numbered), `month` (Int32,
/// `year * 100 + month`), `region` and `industry` (UInt32, the index into
/// `Dataset::counties` and `Dataset::industries`), `output_value` and
/// `value_added` (Float64, 万元 as read), and `sales_value` / `export_value`
/// (Float64, null where empty) when the file has them. About 32 bytes a row.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseRows(DataFrame);

impl EnterpriseRows {
    /// The rows as a Polars frame.
    pub fn frame(&self) -> &DataFrame {
        &self.0
    }

    /// Builds the frame from Polars columns of the same names and types
    /// (the Parquet reader does).
    pub(super) fn from_frame(frame: DataFrame) -> EnterpriseRows {
        EnterpriseRows(frame)
    }
}

/// `year * 100 + month`, the frame's month.
pub fn month_number(year: i32, month: u8) -> i32 {
    year * 100 + i32::from(month)
}

/// Typed columns as they are read.
#[derive(Default)]
struct Columns {
    enterprise: Vec<u32>,
    month: Vec<i32>,
    region: Vec<u32>,
    industry: Vec<u32>,
    output: Vec<f64>,
    value_added: Vec<f64>,
    optional: Vec<Vec<Option<f64>>>,
}

impl Columns {
    fn with_capacity(rows: usize, optional: usize) -> Columns {
        Columns {
            enterprise: Vec::with_capacity(rows),
            month: Vec::with_capacity(rows),
            region: Vec::with_capacity(rows),
            industry: Vec::with_capacity(rows),
            output: Vec::with_capacity(rows),
            value_added: Vec::with_capacity(rows),
            optional: vec![Vec::with_capacity(rows); optional],
        }
    }

    fn push(&mut self, row: &Row) {
        self.enterprise.push(row.enterprise);
        self.month.push(row.month);
        self.region.push(row.region);
        self.industry.push(row.industry);
        self.output.push(row.output);
        self.value_added.push(row.value_added);
        for (column, value) in self.optional.iter_mut().zip(&row.optional) {
            column.push(*value);
        }
    }

    fn reserve(&mut self, rows: usize) {
        self.enterprise.reserve(rows);
        self.month.reserve(rows);
        self.region.reserve(rows);
        self.industry.reserve(rows);
        self.output.reserve(rows);
        self.value_added.reserve(rows);
        for column in &mut self.optional {
            column.reserve(rows);
        }
    }

    /// Appends the rows of `other` whose month of the year is in `keep`.
    fn append_months(&mut self, other: Columns, (first, last): (u8, u8)) {
        if (first, last) == (1, 12) {
            return self.append(other);
        }
        let kept = |i: &usize| (first..=last).contains(&((other.month[*i] % 100) as u8));
        for i in (0..other.month.len()).filter(kept) {
            self.push(&other.row(i));
        }
    }

    /// Row `i`.
    fn row(&self, i: usize) -> Row {
        let mut optional = [None; OPTIONAL_FLOWS.len()];
        for (value, column) in optional.iter_mut().zip(&self.optional) {
            *value = column[i];
        }
        Row {
            enterprise: self.enterprise[i],
            month: self.month[i],
            region: self.region[i],
            industry: self.industry[i],
            output: self.output[i],
            value_added: self.value_added[i],
            optional,
        }
    }

    fn append(&mut self, mut other: Columns) {
        self.enterprise.append(&mut other.enterprise);
        self.month.append(&mut other.month);
        self.region.append(&mut other.region);
        self.industry.append(&mut other.industry);
        self.output.append(&mut other.output);
        self.value_added.append(&mut other.value_added);
        for (column, mut more) in self.optional.iter_mut().zip(other.optional) {
            column.append(&mut more);
        }
    }

    fn into_rows(self, optional: &[&'static str]) -> EnterpriseRows {
        let mut columns = vec![
            UInt32Chunked::from_vec("enterprise".into(), self.enterprise).into_column(),
            Int32Chunked::from_vec("month".into(), self.month).into_column(),
            UInt32Chunked::from_vec("region".into(), self.region).into_column(),
            UInt32Chunked::from_vec("industry".into(), self.industry).into_column(),
            Float64Chunked::from_vec("output_value".into(), self.output).into_column(),
            Float64Chunked::from_vec("value_added".into(), self.value_added).into_column(),
        ];
        for (name, values) in optional.iter().zip(self.optional) {
            columns.push(
                Float64Chunked::from_iter_options((*name).into(), values.into_iter()).into_column(),
            );
        }
        EnterpriseRows(DataFrame::new_infer_height(columns).expect("columns of equal length"))
    }
}

/// Text keys (enterprise identifiers, codes) and their numbers, in order of
/// first sight: one hash map of the identifiers as they are, whatever their
/// length or alphabet (a 10-character made-up id, an 18-character
/// 统一社会信用代码, Chinese text).
///
/// Files list the enterprises month after month in much the same order, so
/// a lookup first tries the numbers a [`Guess`] expects
/// ([`Keys::get_after`]): a comparison with the names of those numbers,
/// instead of a hash and a probe at a random place of the table.
#[derive(Default)]
pub(super) struct Keys {
    /// Each identifier's number; the map and `names` share each string.
    numbers: PlHashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

/// Where the next rows' enterprises are likely to be in the numbering.
///
/// Each month lists the enterprises in much the same order as the month
/// before, so the next row's number is most often the one after the previous
/// row's. Two things break the run: an enterprise that left (the next number
/// is one or two further on) and one that joined later, which was numbered
/// at the end and now sits in between (the row after it goes back to the
/// old run). So two cursors are kept, each tried at its number and the two
/// after: at ten million rows this leaves a hash probe, a cache miss in a
/// table of the enterprises, for one row in 50 instead of one in 16.
#[derive(Default, Clone, Copy)]
pub(super) struct Guess {
    next: [u32; 2],
    /// The cursor that found the last number.
    last: usize,
}

impl Guess {
    /// The number of `id` if it is where a cursor points or just after.
    fn find(&mut self, names: &[Arc<str>], id: &str) -> Option<u32> {
        for cursor in [self.last, 1 - self.last] {
            let at = self.next[cursor] as usize;
            if let Some(ahead) = names
                .get(at..)
                .and_then(|s| s.iter().take(3).position(|name| **name == *id))
            {
                let n = (at + ahead) as u32;
                self.next[cursor] = n.wrapping_add(1);
                self.last = cursor;
                return Some(n);
            }
        }
        None
    }

    /// The number found elsewhere: the cursor not used last moves there.
    fn missed(&mut self, n: u32) {
        self.last = 1 - self.last;
        self.next[self.last] = n.wrapping_add(1);
    }
}

impl Keys {
    /// Keys numbered in the order given (codes unique in their file).
    fn numbered<'a>(keys: impl IntoIterator<Item = &'a str>) -> Keys {
        let mut numbered = Keys::default();
        for key in keys {
            numbered.number(key);
        }
        numbered
    }

    fn get(&self, id: &str) -> Option<u32> {
        self.numbers.get(id).copied()
    }

    /// [`Keys::get`], trying the numbers `guess` expects first.
    fn get_after(&self, id: &str, guess: &mut Guess) -> Option<u32> {
        if let Some(n) = guess.find(&self.names, id) {
            return Some(n);
        }
        let found = self.get(id);
        if let Some(n) = found {
            guess.missed(n);
        }
        found
    }

    /// The identifier's number, given on its first sight.
    pub(super) fn number(&mut self, id: &str) -> u32 {
        if let Some(n) = self.get(id) {
            return n;
        }
        let next = self.names.len() as u32;
        let name: Arc<str> = id.into();
        self.numbers.insert(name.clone(), next);
        self.names.push(name);
        next
    }
}

/// A code of `0-9 A-Z a-z -` of up to 10 characters packed into an integer,
/// 6 bits a character (codes 1 to 63, so the packing is one-to-one), for
/// [`Codes`]' slot table; `None` for any other code.
fn pack_code(code: &str) -> Option<u64> {
    let bytes = code.as_bytes();
    if bytes.len() > 10 {
        return None;
    }
    let mut packed = 0u64;
    for &b in bytes {
        let code = match b {
            b'0'..=b'9' => b - b'0' + 1,
            b'A'..=b'Z' => b - b'A' + 11,
            b'a'..=b'z' => b - b'a' + 37,
            b'-' => 63,
            _ => return None,
        };
        packed = packed << 6 | u64::from(code);
    }
    Some(packed)
}

/// The codes of a reference table (regions, divisions), looked up twice a
/// row: a handful of short keys, each in its own slot of a table indexed by
/// a multiplicative hash and sized so that no two share one, so a lookup is
/// one multiplication and one comparison. Keys that do not pack small, and
/// tables that find no such size, go to [`Keys`].
pub(super) struct Codes {
    keys: Keys,
    /// (packed key, number); `u64::MAX` marks an empty slot (a small key
    /// has at most 60 bits).
    slots: Vec<(u64, u32)>,
    shift: u32,
}

impl Codes {
    fn new<'a>(codes: impl IntoIterator<Item = &'a str>) -> Codes {
        let keys = Keys::numbered(codes);
        let small: Vec<(u64, u32)> = keys
            .names
            .iter()
            .enumerate()
            .filter_map(|(n, code)| Some((pack_code(code)?, n as u32)))
            .collect();
        let fewest = (2 * small.len())
            .next_power_of_two()
            .trailing_zeros()
            .max(1);
        for bits in fewest..=16 {
            let shift = 64 - bits;
            let mut slots = vec![(u64::MAX, u32::MAX); 1 << bits];
            let apart = small.iter().all(|&(key, number)| {
                let slot = &mut slots[Self::slot(key, shift)];
                let free = slot.0 == u64::MAX;
                *slot = (key, number);
                free
            });
            if apart {
                return Codes { keys, slots, shift };
            }
        }
        Codes {
            keys,
            slots: Vec::new(),
            shift: 0,
        }
    }

    fn slot(key: u64, shift: u32) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
    }

    fn get(&self, id: &str) -> Option<u32> {
        match pack_code(id) {
            Some(key) if !self.slots.is_empty() => {
                let (found, number) = self.slots[Self::slot(key, self.shift)];
                (found == key).then_some(number)
            }
            _ => self.keys.get(id),
        }
    }
}

/// One good row, typed.
struct Row {
    enterprise: u32,
    month: i32,
    region: u32,
    industry: u32,
    output: f64,
    value_added: f64,
    /// The optional flows the file has, in the order of `Layout::optional`
    /// (an array: no allocation a row).
    optional: [Option<f64>; OPTIONAL_FLOWS.len()],
}

/// Where the contract's columns are in the file, the codes they may hold,
/// and the contract's kinds of their numbers.
struct Layout {
    width: usize,
    month: usize,
    id: usize,
    region: usize,
    industry: usize,
    output: usize,
    value_added: usize,
    /// The optional flow columns the file has, with their position and
    /// kind.
    optional: Vec<(&'static str, usize, contract::Kind)>,
    /// The kinds of `output` and `value_added`.
    numbers: [contract::Kind; 2],
    regions: Codes,
    industries: Codes,
    /// The months of the year whose rows are kept (every row is checked).
    keep: (u8, u8),
}

/// Validates the enterprise-month file and reads its rows. Returns the
/// months it covers, which optional flow columns it has, and the rows of
/// the months of the year in `keep` (every year's).
pub(super) fn read(
    path: &Path,
    counties: &[Region],
    industries: &[Industry],
    keep: (u8, u8),
    errors: &mut Errors,
) -> Option<(MonthSet, Vec<&'static str>, EnterpriseRows)> {
    read_in(path, counties, industries, keep, errors, Some(fast::BLOCK))
}

/// [`read`], trying the fast path with blocks of `block` bytes first, or
/// only the careful path (`None`).
fn read_in(
    path: &Path,
    counties: &[Region],
    industries: &[Industry],
    keep: (u8, u8),
    errors: &mut Errors,
    block: Option<usize>,
) -> Option<(MonthSet, Vec<&'static str>, EnterpriseRows)> {
    let input = CsvInput::open(path, &contract::ENTERPRISES, errors)?;
    let position = |name: &str| input.header.iter().position(|h| h.trim() == name);
    let kind = |name: &str| contract::ENTERPRISES.column(name).kind;
    let layout = Layout {
        width: input.header.len(),
        month: input.index["month"],
        id: input.index["enterprise_id"],
        region: input.index["region_code"],
        industry: input.index["industry_code"],
        output: input.index["output_value"],
        value_added: input.index["value_added"],
        optional: OPTIONAL_FLOWS
            .into_iter()
            .filter_map(|c| Some((c, position(c)?, kind(c))))
            .collect(),
        numbers: ["output_value", "value_added"].map(kind),
        regions: Codes::new(counties.iter().map(|r| r.code.as_str())),
        industries: Codes::new(industries.iter().map(|d| d.code.as_str())),
        keep,
    };
    let optional: Vec<&'static str> = layout.optional.iter().map(|(c, ..)| *c).collect();
    let start = input.reader.position().byte();
    let fast =
        block.and_then(|block| fast::read(path, &input.source, start, &layout, counties, block));
    if let Some((months, columns, warnings)) = fast {
        errors.warnings.extend(warnings);
        return Some((months, optional.clone(), columns.into_rows(&optional)));
    }
    careful(input, &layout, counties, errors)
        .map(|(months, columns)| (months, optional.clone(), columns.into_rows(&optional)))
}

/// Reads record by record with the `csv` crate, reporting every problem.
fn careful(
    input: CsvInput,
    layout: &Layout,
    counties: &[Region],
    errors: &mut Errors,
) -> Option<(MonthSet, Columns)> {
    let path = input.path.clone();
    let mut months = MonthSet::new();
    let mut seen = EnterpriseMonths::default();
    let mut columns = Columns::with_capacity(0, layout.optional.len());
    let mut rows = 0u64;
    // (enterprise, year) -> region of its first row that year, to warn once
    // about an enterprise that moves.
    let mut homes: PlHashMap<(u32, i32), (u32, bool)> = PlHashMap::default();
    input.for_each(errors, |rec, errors| {
        rows += 1;
        let region = layout
            .regions
            .get(contract::county_of(rec.get("region_code")));
        if let (Some((year, _)), id, Some(region)) = (
            parse_month(rec.get("month")),
            rec.get("enterprise_id"),
            region,
        ) {
            let home = homes
                .entry((seen.number(id), year))
                .or_insert((region, false));
            if home.0 != region && !home.1 {
                home.1 = true;
                errors.warnings.push(moves(
                    rec.path, rec.line, id, counties, home.0, region, year,
                ));
            }
        }
        let month = rec.month(errors);
        let id = rec.text("enterprise_id", errors);
        rec.listed("region_code", region.is_some(), errors);
        let industry = layout
            .industries
            .get(contract::division_of(rec.get("industry_code")));
        rec.listed("industry_code", industry.is_some(), errors);
        let output = rec.number("output_value", errors);
        let value_added = rec.number("value_added", errors);
        let mut optional = [None; OPTIONAL_FLOWS.len()];
        for (value, &(column, ..)) in optional.iter_mut().zip(&layout.optional) {
            *value = match rec.optional(column) {
                Some(_) => rec.number(column, errors),
                None => None,
            };
        }
        let (Some(month), Some(id)) = (month, id) else {
            return;
        };
        months.insert(month);
        if let Some(first) = seen.insert(&id, month, rec.line) {
            errors.push(rec.error(
                "enterprise_id",
                contract::two_rows(
                    &id,
                    &month_key(month.0, month.1),
                    &format!("lines {first} and {}", rec.line),
                ),
            ));
        }
        if let (Some(region), Some(industry), Some(output), Some(value_added), true) = (
            region,
            industry,
            output,
            value_added,
            (layout.keep.0..=layout.keep.1).contains(&month.1),
        ) {
            columns.push(&Row {
                enterprise: seen.number(&id),
                month: month_number(month.0, month.1),
                region,
                industry,
                output,
                value_added,
                optional,
            });
        }
    });
    if rows == 0 && !errors.full() {
        errors.push(DataError::file(&path, "has a header but no rows"));
    }
    Some((months, columns))
}

/// The warning for an enterprise that changes region within a year.
fn moves(
    path: &Path,
    line: u64,
    id: &str,
    counties: &[Region],
    from: u32,
    to: u32,
    year: i32,
) -> String {
    format!(
        "{}:{line}: enterprise {id} moves from region {} to {} in {year}; it counts in the region of its latest month",
        path.display(),
        counties[from as usize].code,
        counties[to as usize].code,
    )
}

/// The fast path: blocks of the file, split at line ends, parsed in
/// parallel, merged in file order.
mod fast {
    use std::io::{Read, Seek, SeekFrom};
    use std::path::Path;

    use rayon::prelude::*;

    use super::{
        Columns, Guess, Keys, Layout, MonthSet, OPTIONAL_FLOWS, Region, Row, month_number, moves,
    };
    use crate::load::text::Source;
    use crate::period::parse_month;

    /// Bytes read at a time (the last line is carried to the next block).
    pub(super) const BLOCK: usize = 32 << 20;
    /// Marks an enterprise number local to a part, not yet numbered.
    const NEW: u32 = 1 << 31;

    /// What the fast path read from `source` (messages name `path`):
    /// months, columns, warnings; `None` when it gave up and the careful
    /// path must read the file.
    pub(super) fn read(
        path: &Path,
        source: &Source,
        start: u64,
        layout: &Layout,
        counties: &[Region],
        block: usize,
    ) -> Option<(MonthSet, Columns, Vec<String>)> {
        let mut file = source.reader().ok()?;
        let size = source.len().ok()?;
        let mut head = vec![0; usize::try_from(start).ok()?];
        file.read_exact(&mut head).ok()?;
        let mut merged = Merged {
            path,
            counties,
            years: Vec::new(),
            months: MonthSet::new(),
            warnings: Vec::new(),
            columns: Columns::with_capacity(0, layout.optional.len()),
            line: 1 + newlines(&head),
            last_month: 0,
            keep: layout.keep,
        };
        let mut ids = Keys::default();
        file.seek(SeekFrom::Start(start)).ok()?;
        let mut buffer: Vec<u8> = Vec::new();
        let mut first = true;
        let mut left = size.saturating_sub(start);
        // Parts parsed and numbered, merged while the next block parses.
        let mut waiting: Vec<(Part, Vec<u32>)> = Vec::new();
        loop {
            let carried = buffer.len();
            // No more than the file holds (a small file needs no 32 MB).
            let want = block.min(
                usize::try_from(left)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1),
            );
            // Appended without zero-filling the room first.
            let read = (&mut file)
                .take(want as u64)
                .read_to_end(&mut buffer)
                .ok()?;
            debug_assert_eq!(buffer.len(), carried + read);
            left = left.saturating_sub(read as u64);
            let eof = read < want;
            let end = if eof {
                buffer.len()
            } else {
                buffer.iter().rposition(|&b| b == b'\n')? + 1
            };
            // Merging is one thread's work: it runs beside this block's
            // parse, which is cut finer than the threads so that they share
            // the parse and the merge evenly. Identifiers the waiting parts
            // numbered are known to this parse; those only they have seen
            // are new to it, and merge numbers them alike.
            let pieces = split(&buffer[..end], 4 * rayon::current_num_threads());
            let (parsed, merged_all) = rayon::join(
                || {
                    pieces
                        .par_iter()
                        .map(|piece| parse(piece, layout, &ids))
                        .collect::<Option<Vec<Part>>>()
                },
                || {
                    waiting
                        .drain(..)
                        .try_for_each(|(part, numbers)| merged.merge(part, &numbers, &ids))
                },
            );
            merged_all?;
            let parsed = parsed?;
            if first {
                // Room for the whole file at this block's bytes per row.
                let rows: usize = parsed.iter().map(|p| p.lines.len()).sum();
                let expected = (size - start) as f64 / end.max(1) as f64 * rows as f64;
                merged.columns.reserve(expected as usize + rows / 50 + 16);
                first = false;
            }
            for part in parsed {
                let numbers = number_new(&mut ids, &part)?;
                waiting.push((part, numbers));
            }
            buffer.drain(..end);
            if eof {
                break;
            }
        }
        for (part, numbers) in waiting {
            merged.merge(part, &numbers, &ids)?;
        }
        (!merged.columns.month.is_empty()).then_some((
            merged.months,
            merged.columns,
            merged.warnings,
        ))
    }

    fn newlines(bytes: &[u8]) -> u64 {
        bytes.iter().filter(|&&b| b == b'\n').count() as u64
    }

    /// `block` in up to `n` parts of whole lines.
    fn split(block: &[u8], n: usize) -> Vec<&[u8]> {
        let mut parts = Vec::with_capacity(n);
        let mut rest = block;
        for i in (1..n.max(1)).rev() {
            let target = rest.len() / (i + 1);
            match rest[target..].iter().position(|&b| b == b'\n') {
                Some(p) => {
                    let (part, tail) = rest.split_at(target + p + 1);
                    parts.push(part);
                    rest = tail;
                }
                None => break,
            }
        }
        parts.push(rest);
        parts
    }

    /// One part of a block, parsed.
    struct Part {
        columns: Columns,
        /// Identifiers not numbered before this block, numbered in the part.
        new_ids: Keys,
        /// Each row's line within the part (1-based).
        lines: Vec<u32>,
        /// Line ends in the part.
        newlines: u64,
    }

    /// Parses a part; `None` if the part has anything the careful path must
    /// look at: a quote or a lone carriage return (which could make lines and
    /// records differ), bytes that are not UTF-8, or a row that breaks a rule.
    fn parse(part: &[u8], layout: &Layout, ids: &Keys) -> Option<Part> {
        if memchr::memchr(b'"', part).is_some()
            || memchr::memchr_iter(b'\r', part).any(|i| part.get(i + 1) != Some(&b'\n'))
        {
            return None;
        }
        let text = simdutf8::basic::from_utf8(part).ok()?;
        let rows = part.len() / 48;
        let mut out = Part {
            columns: Columns::with_capacity(rows, layout.optional.len()),
            new_ids: Keys::default(),
            lines: Vec::with_capacity(rows),
            newlines: 0,
        };
        let mut fields: Vec<&str> = Vec::with_capacity(layout.width);
        let mut guess = Guess::default();
        // Without quotes a record is a line and a field is what lies between
        // commas, exactly as the `csv` crate reads it; it skips empty lines.
        // One scan finds every comma and line end of the part.
        let unterminated = !part.is_empty() && !part.ends_with(b"\n");
        let ends = Separators::new(part).chain(unterminated.then_some(part.len()));
        let mut line = 0u32;
        let mut from = 0;
        for end in ends {
            fields.push(&text[from..end]);
            from = end + 1;
            if part.get(end) == Some(&b',') {
                continue;
            }
            line += 1;
            if let Some(last) = fields.last_mut() {
                *last = last.strip_suffix('\r').unwrap_or(last);
            }
            if fields.len() > 1 || !fields[0].is_empty() {
                out.row(&fields, line, layout, ids, &mut guess)?;
            }
            fields.clear();
        }
        // Every line read ended in `\n` but an unterminated last one.
        out.newlines = u64::from(line) - u64::from(unterminated);
        Some(out)
    }

    impl Part {
        /// Checks and keeps one record, the part's `line`; `None` if it
        /// breaks a rule.
        fn row(
            &mut self,
            fields: &[&str],
            line: u32,
            layout: &Layout,
            ids: &Keys,
            guess: &mut Guess,
        ) -> Option<()> {
            if fields.len() != layout.width {
                return None;
            }
            let field = |i: usize| Some(trim(fields[i]));
            let (year, month) = parse_month(field(layout.month)?)?;
            let id = field(layout.id)?;
            if id.is_empty() {
                return None;
            }
            let enterprise = match ids.get_after(id, guess) {
                Some(n) => n,
                None => NEW | self.new_ids.number(id),
            };
            // (A township's or village's code, as a class above.)
            let code = field(layout.region)?;
            let region = layout
                .regions
                .get(code)
                .or_else(|| layout.regions.get(super::contract::county_of(code)))?;
            // (A class, 1311, is looked up as its division only when it is
            // not a division: nothing for the usual file to pay.)
            let code = field(layout.industry)?;
            let industry = layout
                .industries
                .get(code)
                .or_else(|| layout.industries.get(super::contract::division_of(code)))?;
            let [output_kind, value_added_kind] = layout.numbers;
            let output = output_kind.number(field(layout.output)?)?;
            let value_added = value_added_kind.number(field(layout.value_added)?)?;
            let mut optional = [None; OPTIONAL_FLOWS.len()];
            for (value, &(_, i, kind)) in optional.iter_mut().zip(&layout.optional) {
                let raw = field(i)?;
                if !raw.is_empty() {
                    *value = Some(kind.number(raw)?);
                }
            }
            self.columns.push(&Row {
                enterprise,
                month: month_number(year, month),
                region,
                industry,
                output,
                value_added,
                optional,
            });
            self.lines.push(line);
            Some(())
        }
    }

    /// The positions of the commas and line ends of a part, in order.
    ///
    /// They come every seven bytes or so, too close together for
    /// `memchr2`, which sets up a vector search at each call: this reads
    /// eight bytes at a time as a `u64` and marks the matching bytes with
    /// the exact zero-byte test (no carries between bytes), then takes the
    /// marks lowest first.
    pub(super) struct Separators<'a> {
        bytes: &'a [u8],
        /// Where the word of `marks` starts, and where the next one does.
        word: usize,
        next: usize,
        /// Bit 7 of each matching byte of the word not yet taken.
        marks: u64,
    }

    impl<'a> Separators<'a> {
        pub(super) fn new(bytes: &'a [u8]) -> Separators<'a> {
            Separators {
                bytes,
                word: 0,
                next: 0,
                marks: 0,
            }
        }

        fn marks(word: u64) -> u64 {
            const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
            const EACH: u64 = 0x0101_0101_0101_0101;
            // Bit 7 of each byte that is zero, and of no other.
            let zeros = |v: u64| !(((v & LOW) + LOW) | v | LOW);
            zeros(word ^ (EACH * u64::from(b','))) | zeros(word ^ (EACH * u64::from(b'\n')))
        }
    }

    impl Iterator for Separators<'_> {
        type Item = usize;

        fn next(&mut self) -> Option<usize> {
            while self.marks == 0 {
                let rest = self.bytes.get(self.next..).filter(|r| !r.is_empty())?;
                let word = match rest.first_chunk::<8>() {
                    Some(chunk) => u64::from_le_bytes(*chunk),
                    None => {
                        let mut chunk = [0; 8];
                        chunk[..rest.len()].copy_from_slice(rest);
                        u64::from_le_bytes(chunk)
                    }
                };
                self.word = self.next;
                self.next += 8;
                self.marks = Self::marks(word);
            }
            let at = self.word + (self.marks.trailing_zeros() / 8) as usize;
            self.marks &= self.marks - 1;
            Some(at)
        }
    }

    /// `str::trim`, without its look at Unicode when the field starts and
    /// ends in ASCII that is not white space (nearly every field).
    pub(super) fn trim(field: &str) -> &str {
        let plain = |b: Option<&u8>| {
            b.is_none_or(|&b| b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0b)
        };
        let bytes = field.as_bytes();
        if plain(bytes.first()) && plain(bytes.last()) {
            field
        } else {
            field.trim()
        }
    }

    /// An enterprise's year so far: the months it has rows for (bit per
    /// month), the region of its first row, whether a move was told.
    #[derive(Clone, Copy)]
    struct Home {
        months: u16,
        region: u32,
        warned: bool,
    }

    /// The parts merged so far, in file order.
    struct Merged<'a> {
        path: &'a Path,
        counties: &'a [Region],
        /// Per year, each enterprise's [`Home`], by number.
        years: Vec<(i32, Vec<Home>)>,
        months: MonthSet,
        warnings: Vec<String>,
        columns: Columns,
        /// The line the next part starts on.
        line: u64,
        /// The month of the row before, already in `months`.
        last_month: i32,
        /// The months of the year whose rows are kept.
        keep: (u8, u8),
    }

    /// Numbers a part's new identifiers in `ids`, in the part's order:
    /// the numbers its rows marked `NEW | i` stand for. `None` when they
    /// run into the `NEW` bit.
    fn number_new(ids: &mut Keys, part: &Part) -> Option<Vec<u32>> {
        let numbers = part.new_ids.names.iter().map(|id| ids.number(id)).collect();
        (ids.names.len() < NEW as usize).then_some(numbers)
    }

    impl Merged<'_> {
        /// Checks the part's rows against the rows before (a second row for
        /// an enterprise-month gives up: the careful path names both lines)
        /// and warns of moves, then appends. `numbers`: its new
        /// identifiers' numbers in `ids` ([`number_new`]).
        fn merge(&mut self, mut part: Part, numbers: &[u32], ids: &Keys) -> Option<()> {
            let mut at = 0;
            for i in 0..part.columns.month.len() {
                let enterprise = &mut part.columns.enterprise[i];
                if *enterprise & NEW != 0 {
                    *enterprise = numbers[(*enterprise & !NEW) as usize];
                }
                let enterprise = *enterprise as usize;
                let number = part.columns.month[i];
                let (year, month) = (number / 100, (number % 100) as u8);
                if self.years.get(at).is_none_or(|(y, _)| *y != year) {
                    at = match self.years.iter().position(|(y, _)| *y == year) {
                        Some(at) => at,
                        None => {
                            self.years.push((year, Vec::new()));
                            self.years.len() - 1
                        }
                    };
                }
                let homes = &mut self.years[at].1;
                if homes.len() <= enterprise {
                    homes.resize(
                        ids.names.len().max(enterprise + 1),
                        Home {
                            months: 0,
                            region: u32::MAX,
                            warned: false,
                        },
                    );
                }
                let home = &mut homes[enterprise];
                let bit = 1u16 << month;
                if home.months & bit != 0 {
                    return None;
                }
                if number != self.last_month {
                    self.months.insert((year, month));
                    self.last_month = number;
                }
                home.months |= bit;
                let region = part.columns.region[i];
                if home.region == u32::MAX {
                    home.region = region;
                } else if home.region != region && !home.warned {
                    home.warned = true;
                    let line = self.line + u64::from(part.lines[i]) - 1;
                    self.warnings.push(moves(
                        self.path,
                        line,
                        &ids.names[enterprise],
                        self.counties,
                        home.region,
                        region,
                        year,
                    ));
                }
            }
            self.line += part.newlines;
            self.columns.append_months(part.columns, self.keep);
            Some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> Vec<Region> {
        ["222401", "222402", "222403"]
            .iter()
            .map(|c| Region {
                code: c.to_string(),
                name: c.to_string(),
                short_name: c.to_string(),
            })
            .collect()
    }

    fn divisions() -> Vec<Industry> {
        ["13", "27", "44"]
            .iter()
            .map(|c| Industry {
                code: c.to_string(),
                name: c.to_string(),
                short_name: None,
            })
            .collect()
    }

    type Read = (MonthSet, Vec<&'static str>, EnterpriseRows, Vec<String>);

    fn read_text(text: &[u8], block: Option<usize>) -> std::result::Result<Read, Vec<String>> {
        read_kept(text, block, (1, 12))
    }

    fn read_kept(
        text: &[u8],
        block: Option<usize>,
        keep: (u8, u8),
    ) -> std::result::Result<Read, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("industry_monthly.csv");
        std::fs::write(&path, text).unwrap();
        let mut errors = Errors::default();
        let read = read_in(&path, &regions(), &divisions(), keep, &mut errors, block);
        if !errors.list.is_empty() {
            return Err(errors.list.iter().map(ToString::to_string).collect());
        }
        let (months, optional, rows) = read.expect("read");
        let warnings = errors
            .warnings
            .iter()
            .map(|w| w.replace(&dir.path().display().to_string(), "DIR"))
            .collect();
        Ok((months, optional, rows, warnings))
    }

    /// Rows over two years with everything the fast path must get right:
    /// spaces around fields, empty optional values, an enterprise that
    /// moves, identifiers of every kind of key, a blank line, CRLF.
    fn sample(crlf: bool) -> Vec<u8> {
        let ids = [
            "2224050001",
            "E000000001",
            "91222401MA0Y3C5X7K",
            "a-very-long-identifier-of-thirty-chars",
            "延吉001",
            "1",
            "01",
        ];
        let mut text = String::from(
            "month,enterprise_id,enterprise_name,region_code,industry_code,output_value,value_added,sales_value\n",
        );
        for year in [2023, 2024] {
            for month in 1..=6 {
                for (i, id) in ids.iter().enumerate() {
                    let region = if i == 2 && year == 2024 && month > 3 {
                        "222401"
                    } else {
                        ["222401", "222402", "222403"][i % 3]
                    };
                    let sales = if i == 4 {
                        String::new()
                    } else {
                        format!("{}.5", i)
                    };
                    text.push_str(&format!(
                        "{year}-{month:02}, {id} ,名{i},{region},{},{}.25,{}.1,{sales}\n",
                        ["13", "27", "44"][i % 3],
                        100 * (i + 1) + month,
                        10 * (i + 1)
                    ));
                }
                if month == 3 {
                    text.push('\n');
                }
            }
        }
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        text.into_bytes()
    }

    fn assert_same(a: &Read, b: &Read) {
        assert_eq!(a.0, b.0, "months");
        assert_eq!(a.1, b.1, "optional columns");
        assert!(
            a.2.frame().equals_missing(b.2.frame()),
            "{:?}\n{:?}",
            a.2.frame(),
            b.2.frame()
        );
        assert_eq!(a.3, b.3, "warnings");
    }

    #[test]
    fn fast_and_careful_paths_read_the_same_rows() {
        for crlf in [false, true] {
            let text = sample(crlf);
            let careful = read_text(&text, None).unwrap();
            assert_eq!(careful.2.frame().height(), 84);
            assert_eq!(careful.3.len(), 1, "{:?}", careful.3);
            assert!(
                careful.3[0].contains("moves from region 222403 to 222401 in 2024"),
                "{}",
                careful.3[0]
            );
            assert!(
                careful.3[0].starts_with("DIR/industry_monthly.csv:"),
                "{}",
                careful.3[0]
            );
            // Blocks from one line to the whole file: carries, parts, merges.
            for block in [64, 100, 333, 4096, 1 << 20] {
                let fast = read_text(&text, Some(block)).unwrap();
                assert_same(&careful, &fast);
            }
        }
    }

    #[test]
    fn only_the_kept_months_rows_are_kept_and_every_row_is_checked() {
        let text = sample(false);
        let all = read_text(&text, None).unwrap();
        let careful = read_kept(&text, None, (4, 6)).unwrap();
        assert_eq!(careful.0, all.0, "every month is still recorded");
        assert_eq!(careful.3, all.3, "the mover in May is still told");
        let months = careful
            .2
            .frame()
            .column("month")
            .unwrap()
            .i32()
            .unwrap()
            .clone();
        assert_eq!(careful.2.frame().height(), 42);
        assert!(
            months
                .into_no_null_iter()
                .all(|m| (4..=6).contains(&(m % 100)))
        );
        for block in [64, 333, 1 << 20] {
            assert_same(&careful, &read_kept(&text, Some(block), (4, 6)).unwrap());
        }
        // A bad row in a month not kept is still an error.
        let mut bad = text.clone();
        bad.extend_from_slice(b"2024-01,X9,x,999999,13,1,1,\n");
        let message = read_kept(&bad, Some(100), (4, 6)).unwrap_err().join("\n");
        assert!(message.contains("found `999999`"), "{message}");
    }

    #[test]
    fn a_quote_or_a_bad_row_leaves_it_to_the_careful_path() {
        // A quoted name can hold a comma and a line end: the careful path reads it.
        let mut text = sample(false);
        text.extend_from_slice("2024-07,X1,\"名,\n称\",222401,13,1,1,\n".as_bytes());
        let careful = read_text(&text, None).unwrap();
        assert_eq!(careful.2.frame().height(), 85);
        assert_same(&careful, &read_text(&text, Some(100)).unwrap());
        // A second row for an enterprise-month, rows apart in different
        // blocks: the careful path names both lines.
        let mut text = sample(false);
        text.extend_from_slice(b"2023-01,1,x,222401,13,1,1,\n");
        let message = read_text(&text, Some(100)).unwrap_err().join("\n");
        assert!(
            message.contains("enterprise 1 has two rows for 2023-01 (lines 7 and 88)"),
            "{message}"
        );
    }

    /// The word-at-a-time scan finds exactly the commas and line ends, at
    /// every length and alignment, next to bytes that differ from them by
    /// one bit and to bytes above 0x7f.
    #[test]
    fn separators_are_every_comma_and_line_end() {
        let alphabet = b",\n\r-.0aZ\x00\x7f\x80\xac\xff\x0b\x2c\x8a";
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..80 {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        alphabet[(x % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let expected: Vec<usize> = (0..len)
                    .filter(|&i| bytes[i] == b',' || bytes[i] == b'\n')
                    .collect();
                let found: Vec<usize> = fast::Separators::new(&bytes).collect();
                assert_eq!(found, expected, "{bytes:?}");
            }
        }
    }

    /// The shortcut trims what `str::trim` trims.
    #[test]
    fn fields_are_trimmed_as_str_trim_trims() {
        for field in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\t",
            "\x0ba\x0c",
            "\r",
            "\u{3000}12\u{3000}",
            "\u{a0}x",
            "延边",
            " 延边 ",
            "1 2",
            "\u{85}",
        ] {
            assert_eq!(fast::trim(field), field.trim(), "{field:?}");
        }
    }

    #[test]
    fn keys_are_one_to_one() {
        let keys = [
            "",
            "0",
            "00",
            "1",
            "01",
            "A",
            "0A",
            "a",
            "-",
            "9999999999",
            "99999999999",
            "zzzzzzzzzzzzzzzzzzzzz",
            "zzzzzzzzzzzzzzzzzzzzzz",
            "长白",
        ];
        let mut numbered = Keys::default();
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(numbered.number(key), i as u32, "{key}");
        }
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(numbered.get(key), Some(i as u32), "{key}");
            assert_eq!(&*numbered.names[i], *key);
            // A guess right or wrong gives the key's own number.
            for next in [
                [0, 0],
                [i as u32, 99],
                [99, i as u32 + 1],
                [i as u32 + 1, 0],
            ] {
                for last in [0, 1] {
                    let mut guess = Guess { next, last };
                    assert_eq!(numbered.get_after(key, &mut guess), Some(i as u32), "{key}");
                }
            }
        }
        assert_eq!(numbered.get("02"), None);
    }

    /// A reference table's codes each find their own number, through the
    /// slots or the map, and nothing else finds one: codes one digit away,
    /// short ones, long and non-ASCII ones (which go to the map).
    #[test]
    fn codes_find_their_own_number_and_nothing_else() {
        for count in [1, 2, 3, 8, 40, 500, 3000] {
            let mut codes: Vec<String> =
                (0..count).map(|i| format!("{}", 220_000 + 7 * i)).collect();
            codes.push("中".repeat(3));
            codes.push("Z".repeat(30));
            let table = Codes::new(codes.iter().map(String::as_str));
            // Tables of a prefecture's size get slots; large ones may find
            // no size without a shared slot and use the map alone.
            assert!(count > 40 || !table.slots.is_empty(), "{count} codes");
            for (i, code) in codes.iter().enumerate() {
                assert_eq!(table.get(code), Some(i as u32), "{code}");
            }
            for absent in (0..count).map(|i| format!("{}", 220_001 + 7 * i)) {
                assert_eq!(table.get(&absent), None, "{absent}");
            }
            for absent in ["", "0", "2200", "中", "Z"] {
                assert_eq!(table.get(absent), None, "{absent}");
            }
        }
    }
}
