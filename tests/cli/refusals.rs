//! A refused operation exits 1 with a clear message and changes no row of any table.

use crate::support::*;

fn refused_unchanged(env: &Env, args: &[&str], expect: &str) {
    let before = env.dump();
    let err = env.refused(args);
    assert!(
        err.contains(expect),
        "seats {args:?}: expected '{expect}' in:\n{err}"
    );
    assert_eq!(env.dump(), before, "seats {args:?} changed the database");
}

#[test]
fn s2_refusals_change_nothing() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "5"]);
    env.ok(&["buy", "SPE_E3", "--quantity", "8"]);
    for upn in ["ana@contoso.com", "bo@contoso.com", "cy@contoso.com"] {
        env.ok(&["assign", upn, "--product", "SPE_E3"]);
    }
    // 13 owned (5 + 8), 3 assigned. A total is 1 to 1,000,000.
    refused_unchanged(&env, &["set-quantity", "1", "0"], "1 to 1000000");
    env.ok(&["set-quantity", "2", "1"]);
    // Now 5 + 1 owned, 3 assigned: the 5 cannot drop to 1 (1 + 1 < 3).
    refused_unchanged(
        &env,
        &["set-quantity", "1", "1"],
        "Unassign 1 license(s) first",
    );
    refused_unchanged(
        &env,
        &["set-quantity", "1", "-4"],
        "not a valid number of licenses",
    );
    refused_unchanged(&env, &["set-quantity", "99", "4"], "no subscription 99");
}

#[test]
fn unknown_users_and_products_change_nothing() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "5"]);
    refused_unchanged(
        &env,
        &["assign", "ghost@contoso.com", "--product", "SPE_E3"],
        "no user 'ghost@contoso.com'",
    );
    refused_unchanged(
        &env,
        &["assign", "ana@contoso.com", "--product", "NOT_A_SKU"],
        "no product with part number 'NOT_A_SKU'",
    );
    refused_unchanged(
        &env,
        &["buy", "NOT_A_SKU", "--quantity", "5"],
        "no product with part number",
    );
    refused_unchanged(
        &env,
        &["buy", "SPE_E3", "--quantity", "9999999999"],
        "not a valid number of licenses",
    );
    refused_unchanged(
        &env,
        &["users", "add", "not-an-upn", "--name", "X"],
        "not a user principal name",
    );
    refused_unchanged(
        &env,
        &[
            "users",
            "add",
            "x@contoso.com",
            "--name",
            "X",
            "--usage-location",
            "ZZ",
        ],
        "ISO 3166-1",
    );
    refused_unchanged(
        &env,
        &["unassign", "ana@contoso.com", "--product", "SPE_E3"],
        "holds no license of SPE_E3",
    );
}

#[test]
fn r1_a_principal_without_the_role_is_refused_naming_one_that_would_allow_it() {
    let env = Env::new();
    env.tenant();
    env.ok(&["users", "add", "billing@contoso.com", "--name", "Billing"]);
    env.ok(&["roles", "grant", "billing@contoso.com", "billing-admin"]);
    env.ok(&[
        "--as",
        "billing@contoso.com",
        "buy",
        "SPE_E3",
        "--quantity",
        "5",
    ]);
    refused_unchanged(
        &env,
        &[
            "--as",
            "billing@contoso.com",
            "assign",
            "ana@contoso.com",
            "--product",
            "SPE_E3",
        ],
        "License administrator",
    );
    refused_unchanged(
        &env,
        &["--as", "ana@contoso.com", "licenses"],
        "no admin role",
    );
    refused_unchanged(
        &env,
        &["--as", "nobody@contoso.com", "licenses"],
        "not a user of this tenant",
    );
}

/// DOMAIN.md's table, walked through the binary: (role, assign, remove, buy, delete a user).
#[test]
fn r1_r2_every_role_and_operation_of_the_table() {
    let table = [
        ("global-admin", true, true, true, true),
        ("billing-admin", false, false, true, false),
        ("user-admin", true, true, false, true),
        ("license-admin", true, true, false, false),
        ("service-admin", false, false, false, false),
        ("password-admin", false, false, false, false),
    ];
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "50"]);
    for (i, (role, assign, remove, buy, delete)) in table.into_iter().enumerate() {
        let actor = format!("{role}@contoso.com");
        let (target, holder, leaver) = (
            format!("t{i}@contoso.com"),
            format!("h{i}@contoso.com"),
            format!("l{i}@contoso.com"),
        );
        for upn in [&actor, &target, &holder, &leaver] {
            env.ok(&["users", "add", upn, "--name", upn, "--usage-location", "DK"]);
        }
        env.ok(&["roles", "grant", &actor, role]);
        env.ok(&["assign", &holder, "-p", "SPE_E3"]);
        let cases: [(&[&str], bool); 4] = [
            (&["assign", &target, "-p", "SPE_E3"], assign),
            (&["unassign", &holder, "-p", "SPE_E3"], remove),
            (&["set-quantity", "1", &(51 + i).to_string()], buy),
            (&["users", "delete", &leaver], delete),
        ];
        for (args, allowed) in cases {
            let mut all = vec!["--as", actor.as_str()];
            all.extend_from_slice(args);
            if allowed {
                env.ok(&all);
            } else {
                let err = env.refused(&all);
                assert!(
                    err.contains("error[forbidden]") && err.contains("administrator"),
                    "{role} {args:?}: {err}"
                );
            }
        }
    }
}
