//! A trap in the component (here: a storage failure injected half-way through a change) is
//! reported, and the whole operation is rolled back.

use crate::support::*;

#[test]
fn a_trap_half_way_rolls_the_whole_operation_back() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    // `assign` writes the assignment, then its audit entry: make the second write fail.
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER fail_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    drop(conn);
    let before = env.dump();
    let out = env
        .seats()
        .args(["assign", "ana@contoso.com", "--product", "SPE_E3"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("error[trap]")
            && err.contains("rolled back")
            && err.contains("injected failure"),
        "{err}"
    );
    assert_eq!(
        env.dump(),
        before,
        "the assignment written before the trap must be rolled back"
    );
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
}

#[test]
fn seats_check_reports_a_sound_database_and_names_a_broken_invariant() {
    let env = Env::new();
    // Broken on purpose below.
    env.no_check_at_end();
    env.ok(&["init", "--demo"]);
    let out = env.ok(&["check"]);
    assert!(out.contains("seats check: ok"), "{out}");
    // Break L8 behind the rules' back: a deleted user that still holds licenses.
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    conn.execute(
        "UPDATE users SET deleted_at = 1 WHERE id = (SELECT user_id FROM assignments LIMIT 1)",
        [],
    )
    .unwrap();
    drop(conn);
    let out = env.seats().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is deleted but holds"));
}
