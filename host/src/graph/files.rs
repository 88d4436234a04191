//! An export's files: each collection in one file (`users.json`) or in pages as `@odata.nextLink`
//! paging produces them (`users-1.json`, `users-2.json`, ...), each either a collection
//! response (`{"value": [...]}`) or a plain array. A mistake names the file and the JSON path.

use super::shapes::Collection;
use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Largest file read: a page of 999 users is about 1 MB; a whole collection in one file of a
/// very large tenant stays well under this.
pub const MAX_FILE: u64 = 1 << 30;

/// One item of a collection and where it was read.
pub struct Item<T> {
    pub value: T,
    pub file: String,
    pub index: usize,
}

impl<T> Item<T> {
    /// Where the item is, for messages: `users-2.json: value[3]`.
    pub fn at(&self) -> String {
        format!("{}: value[{}]", self.file, self.index)
    }
}

/// The files of collection `name` in `dir`, in page order; none when the collection is absent.
pub fn pages(dir: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let mut found: Vec<(u64, PathBuf)> = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".json") else {
            continue;
        };
        let page = if stem == name {
            Some(0)
        } else {
            stem.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|n| n.parse::<u64>().ok())
        };
        if let Some(page) = page {
            found.push((page, path));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// Every item of collection `name` in `dir`, page after page.
pub fn read<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Vec<Item<T>>> {
    let mut items = Vec::new();
    for path in pages(dir, name)? {
        let file = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (index, value) in read_file::<T>(&path, &file)?.into_iter().enumerate() {
            items.push(Item {
                value,
                file: file.clone(),
                index,
            });
        }
    }
    Ok(items)
}

/// The items of one file: a collection response or an array.
pub fn read_file<T: DeserializeOwned>(path: &Path, shown: &str) -> Result<Vec<T>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {shown}"))?
        .len();
    if size > MAX_FILE {
        bail!(
            "{shown} is {size} bytes, more than the {MAX_FILE} a file may hold: export the \
             collection in pages (users-1.json, users-2.json, ...)"
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {shown}"))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let items = match first {
        Some(b'[') => serde_path_to_error::deserialize::<_, Vec<T>>(&mut de)
            .map_err(|e| bad(shown, e.path().to_string(), e.inner()))?,
        Some(b'{') => {
            serde_path_to_error::deserialize::<_, Collection<T>>(&mut de)
                .map_err(|e| bad(shown, e.path().to_string(), e.inner()))?
                .value
        }
        _ => {
            bail!("{shown}: expected Graph's JSON, a collection ({{\"value\": [...]}}) or an array")
        }
    };
    de.end().map_err(|e| bad(shown, ".".into(), &e))?;
    Ok(items)
}

fn bad(file: &str, path: String, e: &serde_json::Error) -> anyhow::Error {
    let path = if path == "." {
        String::new()
    } else {
        format!(" at {path}")
    };
    // serde's message quotes the file's text: bounded and printable.
    let e = crate::output::bounded(&e.to_string(), 300);
    anyhow::anyhow!("{file}{path}: {e}")
}
