//! A database an older seats made opens in this one: migrated once, checked, and read the
//! same. Made with `tests/fixtures/make-fixture.sh`, each with its listings recorded beside it
//! by the seats that wrote it: `schema-10.db` by commit 95ff55a (disabled plans as child rows,
//! the audit log as text), `schema-11.db` by commit 9dd6ab6 (assignments keyed by their
//! product's GUID).

use crate::support::Env;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

#[test]
fn a_schema_10_database_migrates_passes_check_and_lists_the_same() {
    migrates_passes_check_and_lists_the_same("schema-10");
}

#[test]
fn a_schema_11_database_migrates_passes_check_and_lists_the_same() {
    migrates_passes_check_and_lists_the_same("schema-11");
}

fn migrates_passes_check_and_lists_the_same(name: &str) {
    let env = Env::new();
    std::fs::copy(fixture(&format!("{name}.db")), &env.db).unwrap();
    let check = env.ok(&["check"]);
    assert!(check.starts_with("seats check: ok"), "{check}");
    let now = ["--now", "2026-12-20"];
    for (args, recorded) in [
        (&["licenses"][..], "licenses"),
        (&["audit", "--all"], "audit"),
        (
            &[
                "audit",
                "--all",
                "--target",
                "user:victor.diaz182@contoso.com",
            ],
            "audit-purged",
        ),
        (&["users", "show", "victor.quist1@contoso.com"], "victor"),
        (&["groups", "errors"], "errors"),
    ] {
        let mut all = args.to_vec();
        all.extend(now);
        all.extend(["--output", "json"]);
        let expected =
            std::fs::read_to_string(fixture(&format!("{name}.{recorded}.json"))).unwrap();
        assert_eq!(
            env.ok(&all),
            expected,
            "seats {args:?} after {name}'s migration"
        );
    }
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let (version, old_tables, sku_keyed, named_users, declared): (i64, i64, i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_schema WHERE name IN ('disabled_plans', 'audit_10',
                         'new_products', 'new_assignments', 'new_service_data', 'new_audit',
                         'target_users')),
                    (SELECT count(*) FROM pragma_table_info('assignments') WHERE name = 'sku_id'),
                    (SELECT count(*) FROM audit_targets t JOIN users u
                         ON t.name = 'user:' || u.upn COLLATE BINARY),
                    (SELECT count(*) FROM pragma_foreign_key_list('assignments') WHERE \"table\" != 'users')
                        + (SELECT count(*) FROM pragma_foreign_key_list('audit') WHERE \"table\" != 'users')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    // Entries about a user who holds the name they were written with name the user by id;
    // assignments and entries declare only their references to users (schema 14).
    assert_eq!(
        (version, old_tables, sku_keyed, named_users, declared),
        (14, 0, 0, 0, 0)
    );
    // Switched-off plans came across into their assignment's row.
    let disabled: String = conn
        .query_row(
            "SELECT a.disabled FROM assignments a JOIN users u ON u.id = a.user_id
             WHERE u.upn = 'victor.quist1@contoso.com' AND a.disabled IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(disabled.matches(',').count(), 1, "two plans: {disabled}");
    drop(conn);

    // And it goes on: a change after the migration is written and read in the new layout.
    env.ok(&[
        "set-plans",
        "nina.berg@contoso.com",
        "--product",
        "SPE_E5",
        "--disabled-plans",
        "SWAY",
    ]);
    let user = env.json(&["users", "show", "nina.berg@contoso.com"]);
    assert_eq!(
        user["licenses"][0]["disabled_plans"],
        serde_json::json!(["SWAY"])
    );
    let history = env.json(&["audit", "--target", "user:nina.berg@contoso.com"]);
    let last = history.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "license.plans", "{history}");
    assert_eq!(last["after"], serde_json::json!(["SPE_E5 without SWAY"]));
}
