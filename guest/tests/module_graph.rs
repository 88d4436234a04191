//! The modules of the guest and of the host form no import cycle. In the guest, shared
//! building blocks (pools, plans, user lookup, views, the actor) sit in leaf modules that the
//! features use, never the reverse; in the host, the layers point one way: adapters (cli,
//! script, seed) over the service, over the runtime (component) and the gate (plugins), over
//! the storage (db).
//!
//! Read from the source: every `crate::a::b` path and `use crate::{...}` group outside test
//! code is an edge from the file's module to the module it names (`billing::ledger` for a
//! submodule, `super::x` inside `billing`). The component glue (`component.rs`) and test-only
//! files are left out: nothing imports them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Glue and test-only files: nothing imports them. `component` is the guest's glue only (the
/// host's `component` is a layer, checked), so it is skipped by path, not by name.
const SKIP: [&str; 6] = [
    "lib",
    "main",
    "model_test",
    "roles_test",
    "testkit",
    "users_licensed_test",
];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Module name of a source file: `billing/ledger.rs` is `billing::ledger`, `billing/mod.rs`
/// is `billing`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The source without comments and its `#[cfg(test)]` items (test code may reach anywhere).
fn without_tests(src: &str) -> String {
    let code = match src.find("#[cfg(test)]\nmod tests") {
        Some(i) => &src[..i],
        None => src,
    };
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Paths a `use` tree names, flattened: `crate::{a, b::{c, d}}` gives `a`, `b::c`, `b::d`.
fn flatten(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let joined = if head.is_empty() {
            prefix.to_string()
        } else if prefix.is_empty() {
            head.to_string()
        } else {
            format!("{prefix}::{head}")
        };
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    flatten(&joined, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        flatten(&joined, &inner[start..], out);
    } else if !tree.is_empty() {
        let name = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}::{name}")
        });
    }
}

/// The modules of `known` a path names: the longest known prefix (`billing::ledger::x` is
/// `billing::ledger`, `billing::x` is `billing`).
fn target(path: &str, known: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|p| known.contains(p))
}

fn graph(src: &Path, skip: &[&str]) -> Graph {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let modules: BTreeMap<String, String> = files
        .iter()
        .map(|f| {
            (
                module_of(f.strip_prefix(src).unwrap()),
                without_tests(&std::fs::read_to_string(f).unwrap()),
            )
        })
        .filter(|(m, _)| {
            let last = m.rsplit("::").next().unwrap_or(m);
            !SKIP.contains(&last) && last != "tests" && !skip.contains(&m.as_str())
        })
        .collect();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let mut g = Graph::new();
    for (module, text) in &modules {
        let parent = module.rsplit_once("::").map(|(p, _)| p.to_string());
        let mut paths = Vec::new();
        // `use crate::...;` and `use super::...;` trees.
        for stmt in text.split("use ").skip(1) {
            let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
            if let Some(rest) = stmt.strip_prefix("crate::") {
                flatten("", rest, &mut paths);
            } else if let (Some(rest), Some(parent)) = (stmt.strip_prefix("super::"), &parent) {
                flatten(parent, rest, &mut paths);
            }
        }
        // Paths written inline: `crate::a::b(...)`.
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            paths.push(rest[..end].trim_end_matches(':').to_string());
        }
        let edges = g.entry(module.clone()).or_default();
        for p in paths {
            if let Some(t) = target(&p, &known)
                && &t != module
                // A module's own submodules are part of it (`billing` declares `billing::x`).
                && !t.starts_with(&format!("{module}::"))
            {
                edges.insert(t);
            }
        }
    }
    g
}

/// A cycle through `start`, if any, as the modules on it.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut c = path[i..].to_vec();
            c.push(node.to_string());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(g, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(g, n, &mut Vec::new(), &mut done))
}

fn no_cycle(g: &Graph) {
    if let Some(c) = cycle(g) {
        let edges: Vec<String> = g
            .iter()
            .map(|(m, to)| {
                format!(
                    "{m} -> {}",
                    to.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        panic!(
            "import cycle: {}\n\nthe graph:\n{}",
            c.join(" -> "),
            edges.join("\n")
        );
    }
}

#[test]
fn the_guests_modules_import_no_cycle() {
    let g = graph(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &["component"],
    );
    assert!(g.len() > 15, "modules found: {:?}", g.keys());
    no_cycle(&g);
}

/// The host's top-level modules (its layers) and every module within them.
#[test]
fn the_hosts_modules_import_no_cycle() {
    let g = graph(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src"),
        &[],
    );
    assert!(g.len() > 30, "modules found: {:?}", g.keys());
    no_cycle(&g);
    // Between layers too: a cycle of submodules across two layers is one of the layers.
    let mut layers = Graph::new();
    for (m, to) in &g {
        let from = m.split("::").next().unwrap_or(m).to_string();
        let entry = layers.entry(from.clone()).or_default();
        for t in to {
            let t = t.split("::").next().unwrap_or(t).to_string();
            if t != from {
                entry.insert(t);
            }
        }
    }
    no_cycle(&layers);
}

#[test]
fn the_reader_sees_use_groups_and_inline_paths() {
    let mut out = Vec::new();
    flatten("", "{a, b::{c, d as e}, f::g}", &mut out);
    assert_eq!(out, vec!["a", "b::c", "b::d", "f::g"]);
    let g: Graph = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(cycle(&g).unwrap(), vec!["a", "b", "a"]);
}

/// Only the host's storage (`db`) runs SQL: the other layers ask it (`Db::step`,
/// `last_audit_id`, `integrity`, the `store` import), outside their tests.
#[test]
fn only_the_hosts_storage_runs_sql() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src");
    let mut stack = vec![src.clone()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p != src.join("db") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for needle in [".conn()", "execute_batch(", "query_row("] {
                    if code.contains(needle) {
                        found.push(format!("{}: {needle}", p.display()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL outside the storage: {found:#?}");
}

/// The adapters (the CLI, scripts and the shell, the seeders) and the presentation (views,
/// output) reach the domain only through the service's typed operations and its `model`: never
/// the runtime (`component`), the gate (`plugins`), the storage (`db`), the generated bindings
/// or wasmtime. And bindings are generated in one place per WIT world: the domain's in
/// `bindings`, each plugin world's in its own module of `plugins`.
#[test]
fn the_hosts_adapters_reach_only_the_service() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src");
    let g = graph(&src, &[]);
    let top = |m: &str| m.split("::").next().unwrap_or(m).to_string();
    let adapters = [
        "cli",
        "script",
        "seed",
        "views",
        "output",
        "dates",
        "progress",
        "catalog_csv",
    ];
    let below = ["component", "plugins", "db", "bindings"];
    let mut found: Vec<String> = g
        .iter()
        .filter(|(m, _)| adapters.contains(&top(m).as_str()))
        .flat_map(|(m, to)| {
            to.iter()
                .filter(|t| below.contains(&top(t).as_str()))
                .map(move |t| format!("{m} -> {t}"))
        })
        .collect();
    let mut generated = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap().to_path_buf();
            let text = without_tests(&std::fs::read_to_string(&p).unwrap());
            let module = module_of(&rel);
            if adapters.contains(&top(&module).as_str()) && text.contains("wasmtime::") {
                found.push(format!("{module} -> wasmtime"));
            }
            if text.contains("bindgen!(") {
                generated.push(module);
            }
        }
    }
    assert!(found.is_empty(), "adapters past the service: {found:#?}");
    generated.sort();
    assert_eq!(
        generated,
        ["bindings", "plugins::v0_1", "plugins::v0_2"],
        "bindings generated outside their modules"
    );
}
