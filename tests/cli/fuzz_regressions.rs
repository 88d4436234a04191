//! Inputs the fuzzers of fuzz/ found a crash with, and their seeds, through the binary: a CSV
//! import and a script each end in success or a refusal (exit 0 or 1), never a crash (3).

use crate::support::*;
use std::path::PathBuf;

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut all = vec![];
    for dir in ["regressions", "seeds"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) {
            all.extend(
                entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| !p.ends_with(".gitkeep")),
            );
        }
    }
    all.sort();
    all
}

#[test]
fn fuzz_found_csv_inputs_are_imported_or_refused_never_a_crash() {
    let env = Env::new();
    env.init();
    let files = inputs("catalog_csv");
    assert!(!files.is_empty());
    for f in &files {
        for args in [&["catalog", "import"][..], &["catalog", "rules-import"][..]] {
            let out = env.seats().args(args).arg(f).output().unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{args:?} {}: {out:?}",
                f.display()
            );
        }
    }
    assert!(env.ok(&["check"]).contains("seats check: ok"));
}

#[test]
fn fuzz_found_scripts_end_within_their_limits_and_change_nothing_when_previewed() {
    let env = Env::new();
    env.ok(&["init", "--demo", "--users", "40"]);
    let before = env.dump();
    for f in inputs("script") {
        let out = env
            .seats()
            .args([
                "run",
                "--what-if",
                "--max-operations",
                "20000",
                "--timeout",
                "5",
            ])
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: {out:?}",
            f.display()
        );
    }
    assert_eq!(env.dump(), before, "--what-if changed the database");
}
