//! Rows out as a table for people, or JSON or CSV for machines: one path for all three, from
//! the rows' serde form, so the formats cannot disagree on field names.

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

/// A cell's text for tables and CSV.: arrays of plans show their names, objects their JSON.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i.get("name") {
                Some(n) => cell(n),
                None => cell(i),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// A CSV cell that cannot act where it lands: a spreadsheet takes a cell that begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return as a formula, so such a cell (a display name
/// `=HYPERLINK(...)`) gets a leading `'`, which spreadsheets show as text. Numbers (`-2`)
/// are left as they are.
pub fn csv_safe(text: String) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text
    }
}

/// Text from outside (a file, a plugin, a request) as it may be shown: control characters
/// (a terminal's escapes, line breaks) as spaces, at most `max` characters.
pub fn bounded(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let count = clean.chars().count();
    if count <= max {
        return clean;
    }
    let cut: String = clean.chars().take(max).collect();
    format!("{cut}... ({} more characters)", count - max)
}

fn objects<T: Serialize>(rows: &[T]) -> Result<Vec<serde_json::Map<String, Value>>> {
    rows.iter()
        .map(|r| match serde_json::to_value(r)? {
            Value::Object(m) => Ok(m),
            other => Ok([("value".to_string(), other)].into_iter().collect()),
        })
        .collect()
}

/// Prints rows; `columns` limits the table (not JSON or CSV) to those fields when given.
pub fn print<T: Serialize>(rows: &[T], format: Format, columns: Option<&[&str]>) -> Result<()> {
    let out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let mut out = std::io::BufWriter::new(out);
            serde_json::to_writer_pretty(&mut out, rows)?;
            writeln!(out)?;
            out.flush()?;
        }
        Format::Csv => {
            let objects = objects(rows)?;
            let mut w = csv::Writer::from_writer(out);
            if let Some(first) = objects.first() {
                w.write_record(first.keys().map(|k| csv_safe(k.clone())))?;
            }
            for o in &objects {
                w.write_record(o.values().map(|v| csv_safe(cell(v))))?;
            }
            w.flush()?;
        }
        Format::Table => {
            drop(out);
            print_objects(&objects(rows)?, columns)?;
        }
    }
    Ok(())
}

/// A table of objects; `columns` limits it to those fields when given.
fn print_objects(
    objects: &[serde_json::Map<String, Value>],
    columns: Option<&[&str]>,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let Some(first) = objects.first() else {
        writeln!(out, "(none)")?;
        return Ok(());
    };
    // A refusal's data is for JSON and CSV; a table shows its message.
    let keys: Vec<&String> = first
        .keys()
        .filter(|k| columns.is_none_or(|c| c.contains(&k.as_str())))
        .filter(|k| k.as_str() != "refusal")
        .collect();
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(keys.iter().map(|k| k.replace('_', " ")));
    for o in objects {
        table.add_row(keys.iter().map(|k| o.get(*k).map(cell).unwrap_or_default()));
    }
    writeln!(out, "{table}")?;
    Ok(())
}

/// Rows a table shows at most: a listing bigger than this is for CSV or JSON, which stream.
pub const TABLE_ROWS: usize = 1000;

/// Prints rows as they are read, page by page, in flat memory: CSV rows and a JSON array
/// written as they come; a table of the first `TABLE_ROWS`, then a note saying how to get
/// everything. `push` says whether more rows are wanted (a full table wants none).
pub struct Stream<'c> {
    format: Format,
    columns: Option<&'c [&'c str]>,
    csv: Option<csv::Writer<std::io::Stdout>>,
    /// Rows written (CSV, JSON) or kept (table).
    count: usize,
    table: Vec<serde_json::Map<String, Value>>,
    more: bool,
}

impl<'c> Stream<'c> {
    pub fn new(format: Format, columns: Option<&'c [&'c str]>) -> Stream<'c> {
        Stream {
            format,
            columns,
            csv: None,
            count: 0,
            table: Vec::new(),
            more: false,
        }
    }

    /// Writes (or, for a table, keeps) a page of rows; false once a table is full.
    pub fn push<T: Serialize>(&mut self, rows: &[T]) -> Result<bool> {
        match self.format {
            Format::Json => self.push_json(rows),
            Format::Csv | Format::Table => self.push_objects(objects(rows)?),
        }
    }

    /// `push` for rows already made objects (their serde form, in its order): a row that
    /// holds JSON values moves them in rather than having them copied by `to_value`.
    pub fn push_objects(&mut self, objects: Vec<serde_json::Map<String, Value>>) -> Result<bool> {
        match self.format {
            Format::Csv => {
                let w = self
                    .csv
                    .get_or_insert_with(|| csv::Writer::from_writer(std::io::stdout()));
                for o in &objects {
                    if self.count == 0 {
                        w.write_record(o.keys().map(|k| csv_safe(k.clone())))?;
                    }
                    w.write_record(o.values().map(|v| csv_safe(cell(v))))?;
                    self.count += 1;
                }
                w.flush()?;
                Ok(true)
            }
            Format::Json => self.push_json(&objects),
            Format::Table => {
                let room = TABLE_ROWS.saturating_sub(self.table.len());
                self.more |= objects.len() > room;
                self.table.extend(objects.into_iter().take(room));
                Ok(self.table.len() < TABLE_ROWS)
            }
        }
    }

    fn push_json<T: Serialize>(&mut self, rows: &[T]) -> Result<bool> {
        // Rust's stdout writes at every newline; a page of pretty JSON is thousands.
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        for r in rows {
            let text = serde_json::to_string_pretty(r)?;
            out.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
            for (i, line) in text.lines().enumerate() {
                if i > 0 {
                    out.write_all(b"\n")?;
                }
                write!(out, "  {line}")?;
            }
            self.count += 1;
        }
        out.flush()?;
        Ok(true)
    }

    /// Ends the listing: closes the JSON array, prints the table and its note.
    pub fn finish(self, what: &str) -> Result<()> {
        let mut out = std::io::stdout().lock();
        match self.format {
            Format::Csv => Ok(()),
            Format::Json if self.count == 0 => Ok(writeln!(out, "[]")?),
            Format::Json => Ok(writeln!(out, "\n]")?),
            Format::Table => {
                drop(out);
                print_objects(&self.table, self.columns)?;
                if self.more {
                    eprintln!(
                        "The first {TABLE_ROWS} {what} are shown; `--output csv` or `--output json` \
                         lists them all, as they are read"
                    );
                }
                Ok(())
            }
        }
    }
}

/// Prints one object: as a two-column table, or JSON, or a one-row CSV.
pub fn print_one<T: Serialize>(row: &T, format: Format) -> Result<()> {
    match format {
        Format::Table => {
            let mut out = std::io::stdout().lock();
            let mut table = Table::new();
            table
                .load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic);
            if table.width().is_none() {
                table.set_width(120);
            }
            for (k, v) in objects(std::slice::from_ref(row))?.remove(0) {
                table.add_row(vec![k.replace('_', " "), cell(&v)]);
            }
            writeln!(out, "{table}")?;
            Ok(())
        }
        Format::Json => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, row)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Csv => print(std::slice::from_ref(row), format, None),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_safe;

    #[test]
    fn a_csv_cell_that_a_spreadsheet_would_run_is_written_as_text() {
        for (given, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+2", "'+1+2"),
            ("-cmd", "'-cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("-2", "-2"),
            ("43.20", "43.20"),
            ("Ana Berg", "Ana Berg"),
        ] {
            assert_eq!(csv_safe(given.to_string()), written, "{given:?}");
        }
    }
}
