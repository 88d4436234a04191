//! Crash safety: a large bulk change through the real binary, killed with SIGKILL at a random
//! moment, leaves the database either wholly before or wholly after the change.
//! `SEATS_CRASH_TRIALS` (default 50) and `SEATS_CRASH_SEED` replay or extend a run.

use crate::support::*;
use std::time::Duration;

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// `SEATS_CRASH_SEED`, or one from the clock (printed, to replay a run).
fn seed() -> u64 {
    std::env::var("SEATS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

/// Runs seats with `args` on the environment and kills it (SIGKILL) after `millis`.
fn kill_within(env: &Env, args: &[&str], millis: u64) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("seats"));
    env.configure(&mut cmd)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(millis));
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
}

#[test]
fn a_bulk_change_killed_at_any_moment_is_all_or_nothing() {
    let trials: u32 = std::env::var("SEATS_CRASH_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(50);
    let seed = seed();
    println!("crash trials: {trials}, seed: {seed} (replay with SEATS_CRASH_SEED={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);

    let template = Env::new();
    template.ok(&["init", "--demo", "--users", "3000"]);
    let holders = template.dir.path().join("e3.csv");
    std::fs::write(
        &holders,
        template.ok(&["users", "--product", "SPE_E3", "--output", "csv"]),
    )
    .unwrap();
    let e3 = pool(&template, "SPE_E3")["assigned"].as_i64().unwrap();
    template.ok(&["buy", "SPE_E5", "--quantity", &e3.to_string()]);
    let e5 = pool(&template, "SPE_E5")["assigned"].as_i64().unwrap();
    {
        let conn = rusqlite::Connection::open(&template.db).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    // How long the whole change takes, to kill within it.
    let timed = Env::new();
    std::fs::copy(&template.db, &timed.db).unwrap();
    let started = std::time::Instant::now();
    timed.ok(&[
        "assign",
        "--replace",
        "-p",
        "SPE_E5",
        "--from",
        holders.to_str().unwrap(),
    ]);
    let full = started.elapsed().as_millis() as u64;

    let (mut before, mut after) = (0, 0);
    for trial in 0..trials {
        let env = Env::new();
        std::fs::copy(&template.db, &env.db).unwrap();
        let args = [
            "assign",
            "--replace",
            "-p",
            "SPE_E5",
            "--from",
            holders.to_str().unwrap(),
        ];
        kill_within(&env, &args, rng.u64(0..=full + full / 4));

        let conn = rusqlite::Connection::open(&env.db).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "trial {trial} (seed {seed})");
        let held_e3 = count(
            &conn,
            "SELECT count(*) FROM assignments a JOIN products p ON p.id = a.product
             WHERE p.sku_id = '05e9a617-0261-4cee-bb44-138d3ef5d965'",
        );
        let held_e5 = count(
            &conn,
            "SELECT count(*) FROM assignments a JOIN products p ON p.id = a.product
             WHERE p.sku_id = '06ebc4ee-1bb5-47dd-8120-11324bc54e06'",
        );
        let audited = count(
            &conn,
            "SELECT count(*) FROM audit WHERE action = (SELECT id FROM audit_words WHERE name = 'license.replace')",
        );
        drop(conn);
        if held_e3 == e3 && held_e5 == e5 && audited == 0 {
            before += 1;
        } else if held_e3 == 0 && held_e5 == e5 + e3 && audited == e3 {
            after += 1;
        } else {
            panic!(
                "trial {trial} (seed {seed}): half-applied: E3 {held_e3}, E5 {held_e5}, audit {audited}"
            );
        }
        assert!(
            env.ok(&["check"]).contains("ok"),
            "trial {trial} (seed {seed})"
        );
    }
    println!(
        "crash trials: {trials} ({before} killed before the commit, {after} after), change of {e3} users takes {full} ms"
    );
}

/// GL8: a group's license change over thousands of members, killed at a random moment, is
/// all or nothing as well: every member has the product from the group, or none does.
#[test]
fn a_group_license_change_killed_at_any_moment_is_all_or_nothing() {
    const AAD_P2: &str = "84a661c4-e949-4bd2-a560-ed7766fcaf2b";
    let trials: u32 = std::env::var("SEATS_CRASH_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .map_or(20, |t: u32| t.div_ceil(2));
    let seed = seed();
    println!("group crash trials: {trials}, seed: {seed} (replay with SEATS_CRASH_SEED={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);
    let template = Env::new();
    template.ok(&["init", "--demo", "--users", "3000"]);
    template.ok(&[
        "groups",
        "create",
        "Everyone",
        "--rule",
        "user.kind -eq \"user\"",
    ]);
    let members = template.json(&["groups", "show", "Everyone"])["members"]
        .as_i64()
        .unwrap();
    assert!(members > 2500, "{members}");
    template.ok(&["buy", "AAD_PREMIUM_P2", "--quantity", &members.to_string()]);
    {
        let conn = rusqlite::Connection::open(&template.db).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let change = ["groups", "license", "Everyone", "--add", "AAD_PREMIUM_P2"];
    let timed = Env::new();
    std::fs::copy(&template.db, &timed.db).unwrap();
    let started = std::time::Instant::now();
    timed.ok(&change);
    let full = started.elapsed().as_millis() as u64;

    let (mut before, mut after) = (0, 0);
    for trial in 0..trials {
        let env = Env::new();
        std::fs::copy(&template.db, &env.db).unwrap();
        kill_within(&env, &change, rng.u64(0..=full + full / 4));
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        let held = count(
            &conn,
            &format!(
                "SELECT count(*) FROM assignments a JOIN products p ON p.id = a.product
                 WHERE p.sku_id = '{AAD_P2}' AND a.groups = '1'"
            ),
        );
        let given = count(
            &conn,
            "SELECT count(*) FROM group_licenses WHERE group_id = 1",
        );
        let audited = count(
            &conn,
            "SELECT count(*) FROM audit WHERE action = (SELECT id FROM audit_words WHERE name = 'license.group')",
        );
        drop(conn);
        match (held, given, audited) {
            (0, 0, 0) => before += 1,
            (h, 1, a) if h == members && a == members => after += 1,
            _ => panic!(
                "trial {trial} (seed {seed}): half-applied: {held} held, group gives {given}, {audited} audited"
            ),
        }
        assert!(
            env.ok(&["check"]).contains("ok"),
            "trial {trial} (seed {seed})"
        );
    }
    println!(
        "group crash trials: {trials} ({before} killed before the commit, {after} after), a group of {members} takes {full} ms"
    );
}
