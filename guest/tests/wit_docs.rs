//! Every item of the contract's WIT says what it is for: each interface, world, record, enum,
//! variant, flags, resource, type alias and function (the store's too) has a `///` line
//! directly above it. Attributes such as `@since(...)` directly above an item are part of it:
//! the `///` goes above them.
//!
//! Read from the `.wit` files under `wit/` (the top folder and its subfolders, such as
//! `policy`), except `frozen/`, a released contract that is never edited, and `deps/`, where
//! other packages' WIT would go.

use std::path::{Path, PathBuf};

/// The words that start an item declaration; a function is `name: func(...)`.
const KEYWORDS: [&str; 8] = [
    "interface",
    "world",
    "record",
    "enum",
    "variant",
    "flags",
    "resource",
    "type",
];

/// Folders under `wit/` that are not this project's contract to document.
const SKIP_DIRS: [&str; 2] = ["frozen", "deps"];

/// Whether `s` is a WIT identifier (kebab-case, optionally `%`-escaped).
fn is_name(s: &str) -> bool {
    let s = s.strip_prefix('%').unwrap_or(s);
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The item a line declares, if any, as "record user", "type money" or "get-user: func".
fn item(line: &str) -> Option<String> {
    let t = line.trim();
    if t.starts_with("//") {
        return None;
    }
    let mut words = t.split_whitespace();
    let first = words.next()?;
    if KEYWORDS.contains(&first) {
        let name = words.next()?.trim_end_matches(['{', ';']);
        return is_name(name).then(|| format!("{first} {name}"));
    }
    // A function, also one a world imports or exports inline (`export run: func()`).
    let t = t
        .strip_prefix("import ")
        .or_else(|| t.strip_prefix("export "))
        .unwrap_or(t);
    let (name, rest) = t.split_once(':')?;
    let rest = rest.trim_start();
    let is_func = rest
        .strip_prefix("func")
        .is_some_and(|r| r.starts_with('(') || r.starts_with(char::is_whitespace));
    (is_name(name.trim()) && is_func).then(|| format!("{}: func", name.trim()))
}

/// Whether the item on line `i` has a `///` line directly above it or above its attributes.
fn documented(lines: &[&str], i: usize) -> bool {
    let mut j = i;
    while j > 0 {
        let above = lines[j - 1].trim();
        if above.starts_with('@') {
            j -= 1;
            continue;
        }
        return above.starts_with("///");
    }
    false
}

/// The items of a WIT source without a doc comment, as (line number from 1, item).
fn undocumented(src: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = src.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| item(l).map(|it| (i, it)))
        .filter(|(i, _)| !documented(&lines, *i))
        .map(|(i, it)| (i + 1, it))
        .collect()
}

/// Every `.wit` file under `dir`, without the skipped folders, in path order.
fn wit_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p
                    .file_name()
                    .is_some_and(|n| SKIP_DIRS.contains(&n.to_string_lossy().as_ref()))
                {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "wit") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_wit_item_has_a_doc_comment() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let files = wit_files(&wit);
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&wit)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    for expected in ["types.wit", "store.wit", "world.wit", "policy/plugin.wit"] {
        assert!(
            names.iter().any(|n| n == expected),
            "wit/{expected} not read; read: {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.starts_with("frozen/")),
        "the frozen contract is not checked: {names:?}"
    );
    let mut items = 0;
    let mut missing = Vec::new();
    for (file, name) in files.iter().zip(&names) {
        let src = std::fs::read_to_string(file).unwrap();
        items += src.lines().filter_map(item).count();
        for (line, it) in undocumented(&src) {
            missing.push(format!("wit/{name}:{line}: {it}"));
        }
    }
    // The reader sees the contract: hundreds of items, not none.
    assert!(items > 200, "only {items} items found in {names:?}");
    assert!(
        missing.is_empty(),
        "{} of {items} WIT items have no `///` doc comment directly above them (or above their \
         `@` attributes):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_reader_finds_items_without_docs() {
    let src = r#"package a:b@0.1.0;

/// Documented.
interface i {
    record bare {
        x: u32,
    }

    /// Documented; the field comment inside is not an item.
    record ok {
        /// A field.
        %type: u32,
        when: s64,
    }

    @since(version = 0.2.0)
    enum no-doc { a, b }

    /// Above its attributes.
    @since(version = 0.2.0)
    @deprecated(version = 0.3.0)
    type t = u32;

    // A plain comment is no doc comment.
    f: func();
    /// Fine.
    %g: func(x: u32) -> u32;

    /// A blank line between is not directly above.

    variant v { a, b(u32) }
}

/// Documented.
world w {
    import i;
    import wasi:clocks/wall-clock@0.2.0;
    export h: func();
    /// Fine.
    export k: func();
}
"#;
    let found = undocumented(src);
    let expected: Vec<(usize, String)> = [
        (5, "record bare"),
        (17, "enum no-doc"),
        (25, "f: func"),
        (31, "variant v"),
        (38, "h: func"),
    ]
    .into_iter()
    .map(|(l, s)| (l, s.to_string()))
    .collect();
    assert_eq!(found, expected);
    assert_eq!(src.lines().filter_map(item).count(), 11);
    assert_eq!(
        item("    %g: func(x: u32) -> u32;").as_deref(),
        Some("%g: func")
    );
    assert_eq!(item("        at: timestamp,"), None);
    assert_eq!(item("    use types.{principal};"), None);
    assert_eq!(item("    /// record user {"), None);
}
