//! Group-based licensing through the binary (GL1-GL10): `seats groups`, `seats users --group`,
//! a license's sources in `seats users show`, the waiting line on a purchase. Each test ends
//! with `seats check`, which knows the groups' invariants.

use crate::support::*;

/// ana, bo and cy of Sales; a static group Staff of ana and bo; `e3` licenses of E3.
fn staff(e3: &str) -> Env {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", e3]);
    env.ok(&["groups", "create", "Staff"]);
    env.ok(&[
        "groups",
        "add-members",
        "Staff",
        "ana@contoso.com",
        "bo@contoso.com",
    ]);
    env
}

fn licenses(env: &Env, upn: &str) -> Vec<(String, String)> {
    let v = env.json(&["users", "show", upn]);
    v["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["product"].as_str().unwrap().to_string(),
                l["source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(p: &str, s: &str) -> (String, String) {
    (p.to_string(), s.to_string())
}

#[test]
fn gl1_gl3_members_inherit_the_groups_product_and_say_where_it_comes_from() {
    let env = staff("5");
    let out = env.json(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    assert_eq!(
        (out["changed"].as_u64(), out["members_in_error"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(
        licenses(&env, "ana@contoso.com"),
        [pair("SPE_E3", "group Staff")]
    );
    assert!(licenses(&env, "cy@contoso.com").is_empty());
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    assert_eq!(
        licenses(&env, "ana@contoso.com"),
        [pair("SPE_E3", "direct, group Staff")]
    );
    let members = env.json(&["users", "--group", "Staff"]);
    assert_eq!(column(&members, "upn").len(), 2);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 2);
}

#[test]
fn gl1_a_dynamic_group_follows_the_rule_and_a_bad_rule_points_at_the_column() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E5", "--quantity", "5"]);
    let err = env.refused(&[
        "groups",
        "create",
        "S",
        "--rule",
        "user.department -like \"S*\"",
    ]);
    assert!(err.contains("column 17"), "{err}");
    env.ok(&[
        "groups",
        "create",
        "Sales",
        "--rule",
        "user.department -eq \"Sales\"",
    ]);
    env.ok(&["groups", "license", "Sales", "--add", "SPE_E5"]);
    assert_eq!(pool(&env, "SPE_E5")["assigned"], 3);
    // Moving out of Sales leaves the group, with its license, in the same command (GL8).
    env.ok(&["users", "set", "cy@contoso.com", "--department", "HR"]);
    assert!(licenses(&env, "cy@contoso.com").is_empty());
    assert_eq!(pool(&env, "SPE_E5")["assigned"], 2);
}

#[test]
fn gl4_gl8_members_in_error_wait_and_get_a_license_when_one_is_bought() {
    let env = staff("1");
    let err = env.refused(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    assert!(err.contains("1 member(s) of Staff are in error"), "{err}");
    let errors = env.json(&["groups", "errors", "Staff"]);
    assert_eq!(errors.as_array().unwrap().len(), 1);
    assert_eq!(errors[0]["code"], "count-violation");
    let waiting = errors[0]["upn"].as_str().unwrap().to_string();
    assert!(licenses(&env, &waiting).is_empty());
    // Buying one more serves the line in the purchase itself, and says so.
    let out = env
        .seats()
        .args(["buy", "SPE_E3", "--quantity", "1"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "1 member(s) waiting for a license got one from their group: {waiting}"
        )),
        "{said}"
    );
    assert_eq!(licenses(&env, &waiting), [pair("SPE_E3", "group Staff")]);
    assert_eq!(env.json(&["groups", "errors"]).as_array().unwrap().len(), 0);
}

#[test]
fn gl5_an_inherited_license_is_refused_on_the_user_naming_the_group() {
    let env = staff("5");
    env.ok(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    let before = env.dump();
    let err = env.refused(&["unassign", "bo@contoso.com", "-p", "SPE_E3"]);
    assert!(err.contains("group(s) Staff"), "{err}");
    assert_eq!(env.dump(), before, "a refusal changes nothing");
    env.ok(&["groups", "remove-members", "Staff", "bo@contoso.com"]);
    assert!(licenses(&env, "bo@contoso.com").is_empty());
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 1);
}

#[test]
fn gl6_a_group_with_products_cannot_be_deleted() {
    let env = staff("5");
    env.ok(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    let err = env.refused(&["groups", "delete", "Staff"]);
    assert!(err.contains("--remove SPE_E3"), "{err}");
    env.ok(&["groups", "license", "Staff", "--remove", "SPE_E3"]);
    env.ok(&["groups", "delete", "Staff"]);
    assert_eq!(env.json(&["groups", "list"]).as_array().unwrap().len(), 0);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
}

#[test]
fn gl7_reprocess_gives_the_products_once_the_member_can_have_them() {
    let env = Env::new();
    env.init();
    env.ok(&["tenant", "set-default-usage-location", ""]);
    env.ok(&["users", "add", "dee@contoso.com", "--name", "Dee"]);
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    env.ok(&["groups", "create", "Staff"]);
    env.ok(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    env.refused(&["groups", "add-members", "Staff", "dee@contoso.com"]);
    let errors = env.json(&["groups", "errors", "Staff"]);
    assert_eq!(errors[0]["code"], "prohibited-in-usage-location-violation");
    env.ok(&["users", "set", "dee@contoso.com", "--usage-location", "DK"]);
    let out = env.json(&["groups", "reprocess", "Staff"]);
    assert_eq!(out["changed"], 1);
    assert_eq!(
        licenses(&env, "dee@contoso.com"),
        [pair("SPE_E3", "group Staff")]
    );
}

#[test]
fn gl9_what_if_shows_who_gains_what_and_changes_nothing() {
    let env = staff("5");
    let before = env.dump();
    let out = env.ok(&["groups", "license", "Staff", "--add", "SPE_E3", "--what-if"]);
    assert!(
        out.contains("user:ana@contoso.com  license.group  [] -> [SPE_E3]"),
        "{out}"
    );
    assert!(out.contains("SPE_E3: assigned 0 -> 2"), "{out}");
    assert!(out.contains("Data: no user's data would start"), "{out}");
    assert_eq!(env.dump(), before);

    // Taking E3 away again: each member's mailbox would be retained 30 days, their OneDrive
    // until they are deleted, Teams stops.
    env.ok(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    let before = env.dump();
    let out = env.ok(&[
        "groups",
        "license",
        "Staff",
        "--remove",
        "SPE_E3",
        "--what-if",
    ]);
    assert!(
        out.contains("Data that would start its retention or stop (2 user(s)):"),
        "{out}"
    );
    assert!(
        out.contains("ana@contoso.com  mailbox  retained until ") && out.contains(", then purged"),
        "{out}"
    );
    assert!(
        out.contains("ana@contoso.com  onedrive  retained until the user is deleted"),
        "{out}"
    );
    assert!(out.contains("ana@contoso.com  teams  removed"), "{out}");
    assert_eq!(env.dump(), before);
}

#[test]
fn gl10_switching_the_groups_product_is_one_change() {
    let env = staff("2");
    env.ok(&["buy", "SPE_E5", "--quantity", "2"]);
    env.ok(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    env.ok(&[
        "groups", "license", "Staff", "--add", "SPE_E5", "--remove", "SPE_E3",
    ]);
    assert_eq!(
        licenses(&env, "ana@contoso.com"),
        [pair("SPE_E5", "group Staff")]
    );
    let audit = env.json(&["audit", "--all", "--action", "license.group"]);
    let last: Vec<_> = audit.as_array().unwrap().iter().rev().take(2).collect();
    for e in last {
        assert_eq!(
            (e["before"].clone(), e["after"].clone()),
            (serde_json::json!(["SPE_E3"]), serde_json::json!(["SPE_E5"]))
        );
    }
}

#[test]
fn gl_a_plugin_sees_a_group_change_as_one_change_with_every_members_licenses() {
    let env = staff("5");
    env.ok(&["buy", "SPE_E5", "--quantity", "5"]);
    let finance = crate::plugin_pages::plugin("finance-e5");
    let before = env.dump();
    // Staff are of Sales: the Finance-only E5 policy refuses the whole group change.
    let err = env.refused(&[
        "--plugin", &finance, "groups", "license", "Staff", "--add", "SPE_E5",
    ]);
    assert!(err.contains("denied"), "{err}");
    assert!(
        err.contains("ana@contoso.com") || err.contains("bo@contoso.com"),
        "{err}"
    );
    assert_eq!(env.dump(), before, "nothing of it was written");
    // E3 is not its concern: the same kind of change goes through.
    env.ok(&[
        "--plugin", &finance, "groups", "license", "Staff", "--add", "SPE_E3",
    ]);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 2);
}

#[test]
fn gl3_a_user_in_error_says_which_group_and_why_and_can_be_listed() {
    let env = staff("1");
    env.refused(&["groups", "license", "Staff", "--add", "SPE_E3"]);
    let in_error = env.json(&["users", "--in-error"]);
    assert_eq!(in_error.as_array().unwrap().len(), 1, "{in_error}");
    let upn = in_error[0]["upn"].as_str().unwrap().to_string();
    let show = env.json(&["users", "show", &upn]);
    assert_eq!(show["license_errors"][0]["group"], "Staff", "{show}");
    assert_eq!(show["license_errors"][0]["code"], "count-violation");
    let table = env.ok(&["users", "show", &upn]);
    assert!(table.contains("count-violation"), "{table}");
}

#[test]
fn gl2_two_groups_and_a_direct_assignment_take_one_seat_with_the_plans_any_of_them_has_on() {
    let env = staff("5");
    env.ok(&["groups", "create", "Callers"]);
    env.ok(&["groups", "add-members", "Callers", "ana@contoso.com"]);
    env.ok(&[
        "groups",
        "license",
        "Staff",
        "--add",
        "SPE_E3:MCOSTANDARD,SHAREPOINTENTERPRISE",
    ]);
    env.ok(&[
        "groups",
        "license",
        "Callers",
        "--add",
        "SPE_E3:SHAREPOINTENTERPRISE",
    ]);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 2, "ana holds one seat");
    let ana = env.json(&["users", "show", "ana@contoso.com"]);
    let license = &ana["licenses"][0];
    assert_eq!(license["source"], "group Staff, group Callers", "{ana}");
    // Teams calling is on (Callers has it on); SharePoint is off in both.
    let off: Vec<&str> = license["disabled_plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(off.iter().any(|p| p.contains("SHAREPOINT")), "{off:?}");
    assert!(!off.iter().any(|p| p.contains("MCOSTANDARD")), "{off:?}");
}
