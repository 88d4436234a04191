//! CSV and JSON in and out of scripts, and tables on screen. A script reads and writes files
//! only in its own folder and at paths given on the command line.

use super::convert::*;
use rhai::{Array, Dynamic, Engine, Map};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where a script may read and write.
#[derive(Clone, Debug)]
pub struct Sandbox {
    roots: Vec<PathBuf>,
}

impl Sandbox {
    /// The script's folder, and each argument that names an existing path (or a file in an
    /// existing folder, to write).
    pub fn new(script_dir: Option<&Path>, args: &[String]) -> Sandbox {
        let mut roots = Vec::new();
        if let Some(dir) = script_dir.and_then(|d| d.canonicalize().ok()) {
            roots.push(dir);
        }
        for a in args {
            if let Some(p) = resolve(Path::new(a)) {
                roots.push(p);
            }
        }
        Sandbox { roots }
    }

    /// The path, when it is inside an allowed place; else a clear refusal.
    pub fn check(&self, path: &str) -> Fallible<PathBuf> {
        let p = resolve(Path::new(path))
            .ok_or_else(|| thrown("not-found", format!("{path}: no such file or folder")))?;
        if self.roots.iter().any(|r| p.starts_with(r)) {
            Ok(p)
        } else {
            Err(thrown(
                "forbidden",
                format!(
                    "{path} is outside the script's folder and the paths given on the command line; \
                     pass it as an argument to let the script use it"
                ),
            ))
        }
    }
}

/// The canonical path of an existing file or folder, or of a new file in an existing folder.
fn resolve(p: &Path) -> Option<PathBuf> {
    if let Ok(c) = p.canonicalize() {
        return Some(c);
    }
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(parent.join(p.file_name()?))
}

fn import_csv(sandbox: &Sandbox, path: &str) -> Fallible<Dynamic> {
    let p = sandbox.check(path)?;
    let text =
        std::fs::read_to_string(&p).map_err(|e| thrown("invalid", format!("{path}: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| thrown("invalid", format!("{path}: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut out = Array::new();
    for record in reader.records() {
        let r = record.map_err(|e| thrown("invalid", format!("{path}: {e}")))?;
        let row: Map = headers
            .iter()
            .zip(r.iter())
            .map(|(h, v)| (h.as_str().into(), v.trim().into()))
            .collect();
        out.push(row.into());
    }
    Ok(out.into())
}

fn cell(v: &Dynamic) -> String {
    if v.is_array() {
        v.clone()
            .into_array()
            .unwrap_or_default()
            .iter()
            .map(cell)
            .collect::<Vec<_>>()
            .join(" ")
    } else if v.is_unit() {
        String::new()
    } else {
        v.to_string()
    }
}

/// The column names of a list of maps: the usual identifying fields first, then the rest.
fn columns(rows: &[Map]) -> Vec<String> {
    const FIRST: [&str; 7] = [
        "id",
        "upn",
        "product",
        "department",
        "result",
        "before",
        "after",
    ];
    let mut cols: Vec<String> = FIRST
        .iter()
        .filter(|f| rows.iter().any(|m| m.contains_key(**f)))
        .map(|f| f.to_string())
        .collect();
    for m in rows {
        for k in m.keys() {
            if !cols.iter().any(|c| c == k.as_str()) {
                cols.push(k.to_string());
            }
        }
    }
    cols
}

fn maps(objects: Array) -> Fallible<Vec<Map>> {
    objects
        .into_iter()
        .map(|o| {
            o.try_cast::<Map>()
                .ok_or_else(|| thrown("invalid", "expected an array of objects (maps)"))
        })
        .collect()
}

fn export_csv(sandbox: &Sandbox, objects: Array, path: &str) -> Fallible<i64> {
    let p = sandbox.check(path)?;
    let rows = maps(objects)?;
    let cols = columns(&rows);
    let mut w =
        csv::Writer::from_path(&p).map_err(|e| thrown("invalid", format!("{path}: {e}")))?;
    let fail = |e: csv::Error| thrown("failure", format!("{path}: {e}"));
    w.write_record(cols.iter().map(|c| crate::output::csv_safe(c.clone())))
        .map_err(fail)?;
    for r in &rows {
        w.write_record(
            cols.iter()
                .map(|c| crate::output::csv_safe(r.get(c.as_str()).map(cell).unwrap_or_default())),
        )
        .map_err(fail)?;
    }
    w.flush()
        .map_err(|e| thrown("failure", format!("{path}: {e}")))?;
    Ok(rows.len() as i64)
}

fn print_table(objects: Array) -> Fallible<()> {
    let rows = maps(objects)?;
    if rows.is_empty() {
        println!("(none)");
        return Ok(());
    }
    // A refusal's data is for `to_json` and `export_csv`; a table shows its message.
    let cols: Vec<String> = columns(&rows)
        .into_iter()
        .filter(|c| c != "refusal")
        .collect();
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(cols.iter().map(|c| c.replace('_', " ")));
    for r in &rows {
        table.add_row(
            cols.iter()
                .map(|c| r.get(c.as_str()).map(cell).unwrap_or_default()),
        );
    }
    println!("{table}");
    Ok(())
}

pub fn to_json(v: Dynamic) -> Fallible<String> {
    let value: serde_json::Value = rhai::serde::from_dynamic(&v)?;
    serde_json::to_string_pretty(&value).map_err(|e| thrown("invalid", e.to_string()))
}

/// `export_csv(users_where(...), path)`: every user the selection holds, read and written a
/// page at a time (any number of users in flat memory); returns how many.
fn export_selection(
    sandbox: &Sandbox,
    session: &super::cmdlets::Shared,
    selection: &super::cmdlets::UserSelection,
    path: &str,
) -> Fallible<i64> {
    let p = sandbox.check(path)?;
    let mut w =
        csv::Writer::from_path(&p).map_err(|e| thrown("invalid", format!("{path}: {e}")))?;
    let mut count = 0i64;
    session
        .borrow_mut()
        .user_pages(&selection.0, |page| {
            for u in page {
                let row = serde_json::to_value(crate::views::UserRow::from(u))?;
                let serde_json::Value::Object(map) = row else {
                    continue;
                };
                if count == 0 {
                    w.write_record(map.keys().map(|k| crate::output::csv_safe(k.clone())))?;
                }
                w.write_record(
                    map.values()
                        .map(|v| crate::output::csv_safe(crate::output::cell(v))),
                )?;
                count += 1;
            }
            Ok(true)
        })
        .map_err(super::convert::from_call)?;
    w.flush()
        .map_err(|e| thrown("failure", format!("{path}: {e}")))?;
    Ok(count)
}

pub fn register(engine: &mut Engine, sandbox: Sandbox, session: &super::cmdlets::Shared) {
    let sandbox = Rc::new(sandbox);
    let (s, c) = (sandbox.clone(), session.clone());
    engine.register_fn(
        "export_csv",
        move |selection: super::cmdlets::UserSelection, path: &str| {
            export_selection(&s, &c, &selection, path)
        },
    );
    let s = sandbox.clone();
    engine.register_fn("import_csv", move |path: &str| import_csv(&s, path));
    let s = sandbox.clone();
    engine.register_fn("export_csv", move |objects: Array, path: &str| {
        export_csv(&s, objects, path)
    });
    engine.register_fn("print_table", print_table);
    engine.register_fn("to_json", to_json);
}
