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
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, rows)?;
            writeln!(out)?;
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
            let objects = objects(rows)?;
            let Some(first) = objects.first() else {
                writeln!(out, "(none)")?;
                return Ok(());
            };
            // Nested objects (a refusal's data) are for JSON and CSV; a table shows the rest.
            let keys: Vec<&String> = first
                .keys()
                .filter(|k| columns.is_none_or(|c| c.contains(&k.as_str())))
                .filter(|k| {
                    !objects
                        .iter()
                        .any(|o| o.get(*k).is_some_and(Value::is_object))
                })
                .collect();
            let mut table = Table::new();
            table
                .load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Disabled);
            table.set_header(keys.iter().map(|k| k.replace('_', " ")));
            for o in &objects {
                table.add_row(keys.iter().map(|k| o.get(*k).map(cell).unwrap_or_default()));
            }
            writeln!(out, "{table}")?;
        }
    }
    Ok(())
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
