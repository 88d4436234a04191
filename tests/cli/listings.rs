//! Every listing in flat memory: the users, the audit log, `seats check` and a script's export
//! of a selection read and write a page at a time, so their peak memory does not grow with the
//! tenant. Measured on generated tenants of two sizes with a page cache both fill, so what is
//! compared is seats' own memory; BENCHMARKS.md has the figures at 100k and 1M.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// Peak resident memory (MB) of one run of seats with these arguments, its output discarded:
/// what seats reports with `-v` (its own high-water mark). Not the rusage of the child: a
/// child spawned from this large, multi-threaded test process starts out counted at the
/// parent's size, so wait4's ru_maxrss shows the test harness, not seats.
fn peak_mb(env: &Env, db: &Path, args: &[&str]) -> f64 {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("seats"));
    env.configure(&mut cmd)
        .env("SEATS_DB", db)
        // A small page cache, full at both sizes: what is left is seats' own memory.
        .env("SEATS_PAGE_CACHE_MB", "8")
        .arg("-v")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "seats {args:?} failed: {stderr}");
    let mb = stderr
        .lines()
        .filter_map(|l| l.split_once("peak memory ")?.1.strip_suffix(" MB"))
        .next_back()
        .unwrap_or_else(|| panic!("seats -v {args:?} says no peak memory: {stderr}"));
    mb.parse().unwrap()
}

#[test]
fn every_listing_runs_in_flat_memory_whatever_the_size_of_the_tenant() {
    let env = Env::new();
    env.no_check_at_end();
    let script = env.dir.path().join("export.rhai");
    std::fs::write(
        &script,
        "let n = export_csv(users_where(#{}), ARGS[0]);\nlet m = each_user(users_where(#{}), |u| ());\nif n != m { throw `${n} != ${m}`; }\n",
    )
    .unwrap();
    let out = env.dir.path().join("all.csv");
    let (script, out) = (script.to_str().unwrap(), out.to_str().unwrap());
    let listings: [&[&str]; 7] = [
        &["users", "--output", "csv"],
        &["users", "--output", "json"],
        &["users"],
        &["audit", "--all", "--output", "csv"],
        &["audit", "--all", "--output", "json"],
        &["check"],
        &["run", script, out],
    ];
    let mut peaks = Vec::new();
    for users in [100_000u32, 200_000] {
        let db = env.dir.path().join(format!("t{users}.db"));
        let n = users.to_string();
        let db_text = db.to_str().unwrap();
        env.ok(&["--db", db_text, "init", "--generate", &n]);
        let row: Vec<f64> = listings.iter().map(|a| peak_mb(&env, &db, a)).collect();
        // What the script wrote is every active user.
        let lines = std::fs::read_to_string(out).unwrap().lines().count();
        assert!(
            lines as u32 > users * 9 / 10,
            "{lines} lines for {users} users"
        );
        peaks.push(row);
    }
    let mut grown = Vec::new();
    for (i, args) in listings.iter().enumerate() {
        let (small, large) = (peaks[0][i], peaks[1][i]);
        let line = format!("seats {args:?}: {small:.0} MB at 100k users, {large:.0} MB at 200k");
        eprintln!("{line}");
        if large >= small + 12.0 || large >= 256.0 {
            grown.push(line);
        }
    }
    assert!(
        grown.is_empty(),
        "these grow with the tenant:\n{}",
        grown.join("\n")
    );
}
