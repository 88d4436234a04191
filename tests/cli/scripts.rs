//! The scripting host: every sample script of scripts/ on the demo tenant, and the guarantees
//! of `seats run` (--what-if, --atomic, limits, the file sandbox, errors with positions).

use crate::support::*;
use std::path::PathBuf;

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn demo() -> Env {
    let env = Env::new();
    env.ok(&["init", "--demo"]);
    env
}

fn count(env: &Env, args: &[&str]) -> usize {
    env.json(args).as_array().unwrap().len()
}

fn script(env: &Env, name: &str, text: &str) -> String {
    let p = env.dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn replace_product_licenses_what_if_changes_nothing_and_the_real_run_makes_exactly_those_changes() {
    let env = demo();
    let e3 = pool(&env, "SPE_E3")["assigned"].as_u64().unwrap();
    let e5 = pool(&env, "SPE_E5")["assigned"].as_u64().unwrap();
    env.ok(&["buy", "SPE_E5", "--quantity", &e3.to_string()]);
    let bi_before = pool(&env, "POWER_BI_PRO")["assigned"].clone();
    let before = env.dump();
    let preview = env.ok(&[
        "run",
        &sample("replace-product-licenses.rhai"),
        "SPE_E3",
        "SPE_E5",
        "--what-if",
    ]);
    assert_eq!(env.dump(), before, "--what-if changed the database");
    assert!(preview.contains(&format!("Changes ({e3})")), "{preview}");
    assert!(
        preview.contains(&format!("SPE_E3: assigned {e3} -> 0")),
        "{preview}"
    );
    let previewed: std::collections::BTreeSet<String> = preview
        .lines()
        .filter(|l| l.contains("license.set"))
        .map(|l| l.trim().to_string())
        .collect();
    assert_eq!(previewed.len() as u64, e3);

    env.ok(&[
        "run",
        &sample("replace-product-licenses.rhai"),
        "SPE_E3",
        "SPE_E5",
    ]);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
    assert_eq!(pool(&env, "SPE_E5")["assigned"].as_u64().unwrap(), e5 + e3);
    assert_eq!(
        pool(&env, "POWER_BI_PRO")["assigned"],
        bi_before,
        "other licenses are kept"
    );
    let done: std::collections::BTreeSet<String> = env
        .json(&["audit", "--action", "license.set", "--last", "100000"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let list = |v: &serde_json::Value| {
                format!(
                    "[{}]",
                    v.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!(
                "{}  license.set  {} -> {}",
                e["target"].as_str().unwrap(),
                list(&e["before"]),
                list(&e["after"])
            )
        })
        .collect();
    assert_eq!(
        done, previewed,
        "the real run made other changes than the preview showed"
    );
}

#[test]
fn replace_product_licenses_with_too_few_licenses_changes_no_one() {
    let env = demo();
    let before = env.dump();
    let out = env
        .seats()
        .args([
            "run",
            &sample("replace-product-licenses.rhai"),
            "SPE_E3",
            "SPE_E5",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("insufficient-licenses"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was changed"));
    assert_eq!(env.dump(), before);
}

#[test]
fn remove_all_licenses_for_a_department_and_for_a_csv_list() {
    let env = demo();
    let sales = count(&env, &["users", "--department", "Sales"]);
    assert!(count(&env, &["users", "--department", "Sales", "--unlicensed"]) < sales);
    env.ok(&["run", &sample("remove-all-licenses.rhai"), "Sales"]);
    assert_eq!(
        count(&env, &["users", "--department", "Sales", "--unlicensed"]),
        sales
    );

    let finance = env.json(&["users", "--department", "Finance", "--product", "SPE_E5"]);
    let csv = env.dir.path().join("leavers.csv");
    let mut text = String::from("UserPrincipalName\n");
    for u in finance.as_array().unwrap() {
        text.push_str(&format!("{}\n", u["upn"].as_str().unwrap()));
    }
    std::fs::write(&csv, text).unwrap();
    env.ok(&[
        "run",
        &sample("remove-all-licenses.rhai"),
        csv.to_str().unwrap(),
    ]);
    assert_eq!(
        count(
            &env,
            &["users", "--department", "Finance", "--product", "SPE_E5"]
        ),
        0
    );
}

#[test]
fn assign_from_csv_assigns_each_row() {
    let env = demo();
    for upn in ["new1@contoso.com", "new2@contoso.com", "new3@contoso.com"] {
        env.ok(&["users", "add", upn, "--name", upn, "--usage-location", "DK"]);
    }
    let csv = env.dir.path().join("hires.csv");
    std::fs::write(
        &csv,
        "upn,product,disabled_plans\nnew1@contoso.com,SPE_F1,\nnew2@contoso.com,SPE_F1,\nnew3@contoso.com,VISIOCLIENT,\n",
    )
    .unwrap();
    let out = env.ok(&[
        "run",
        &sample("assign-from-csv.rhai"),
        csv.to_str().unwrap(),
    ]);
    assert!(out.contains("3 of 3 assignments done"), "{out}");
    let holders = column(&env.json(&["users", "--product", "SPE_F1"]), "upn");
    assert!(
        holders.contains(&"new1@contoso.com".into())
            && holders.contains(&"new2@contoso.com".into())
    );
    assert!(
        column(&env.json(&["users", "--product", "VISIOCLIENT"]), "upn")
            .contains(&"new3@contoso.com".into())
    );
}

#[test]
fn reclaim_unused_licenses_from_disabled_users() {
    let env = demo();
    let disabled = count(&env, &["users", "--enabled", "false"]);
    assert!(
        disabled > 0 && count(&env, &["users", "--enabled", "false", "--unlicensed"]) < disabled
    );
    env.ok(&["run", &sample("reclaim-unused-licenses.rhai")]);
    assert_eq!(
        count(&env, &["users", "--enabled", "false", "--unlicensed"]),
        disabled
    );
}

#[test]
fn resolve_conflicts_frees_licenses_of_disabled_users() {
    let env = demo();
    env.ok(&["recurring", "2", "off"]);
    env.ok(&["--now", "2027-01-05", "process"]);
    let need = pool(&env, "SPE_E3")["users_needing_license"]
        .as_u64()
        .unwrap();
    assert!(need > 0);
    let idle = count(
        &env,
        &["users", "--product", "SPE_E3", "--enabled", "false"],
    ) as u64;
    assert!(idle > 0);
    let out = env.ok(&["run", &sample("resolve-conflicts.rhai")]);
    assert!(out.contains("freed"), "{out}");
    assert_eq!(
        pool(&env, "SPE_E3")["users_needing_license"]
            .as_u64()
            .unwrap(),
        need - idle.min(need)
    );
}

#[test]
fn license_cost_report_writes_monthly_cost_per_department() {
    let env = demo();
    let out = env.dir.path().join("cost.csv");
    env.ok(&[
        "run",
        &sample("license-cost-report.rhai"),
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("department,licenses,monthly_cost"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().any(|r| r[0] == "Engineering"));
    let licensed: u64 = rows.iter().map(|r| r[1].parse::<u64>().unwrap()).sum();
    let assigned: u64 = env
        .json(&["licenses"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["assigned"].as_u64().unwrap())
        .sum();
    assert_eq!(licensed, assigned, "every priced license is counted once");
    assert!(
        rows.iter()
            .all(|r| r[2].split('.').nth(1).is_some_and(|d| d.len() == 2)),
        "money to the cent"
    );
}

#[test]
fn an_atomic_script_that_fails_half_way_changes_nothing_and_names_line_and_column() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
    let path = script(
        &env,
        "half.rhai",
        "add_licenses([\"ana@contoso.com\"], \"SPE_E3\");\nlet x = 1;\nset_quantity(1, 0);\n",
    );
    let before = env.dump();
    let out = env
        .seats()
        .args(["run", &path, "--atomic"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("half.rhai:3:1") && err.contains("error[invalid]"),
        "{err}"
    );
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(env.dump(), before);
    // Without --atomic the first call stays done.
    env.seats().args(["run", &path]).output().unwrap();
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 1);
}

#[test]
fn scripts_catch_domain_errors_by_kind() {
    let env = Env::new();
    env.tenant();
    let path = script(
        &env,
        "catch.rhai",
        r#"
        try { set_user_license("ana@contoso.com", #{ add: ["SPE_E3"] }); }
        catch (e) {
            if e.kind == "insufficient-licenses" {
                print(`no licenses left: ${e.product} for ${e.upn}, ${e.available} of ${e.total} free (${e.code})`);
            } else { throw e; }
        }
        try { get_user("nobody@contoso.com"); }
        catch (e) { print(`not found: ${e.what} ${e.key}`); }
        "#,
    );
    let out = env.ok(&["run", &path]);
    // The refusal's data, not only its words (WIT 0.2.0).
    assert!(
        out.contains("no licenses left: SPE_E3 for ana@contoso.com, 0 of 0 free (count-violation)"),
        "{out}"
    );
    assert!(out.contains("not found: user nobody@contoso.com"), "{out}");
}

#[test]
fn a_runaway_script_stops_at_its_limit() {
    let env = Env::new();
    env.tenant();
    let path = script(&env, "loop.rhai", "while true {}\n");
    let out = env
        .seats()
        .args(["run", &path, "--max-operations", "100000"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("more than 100000 operations (--max-operations)"),
        "{err}"
    );
    let out = env
        .seats()
        .args(["run", &path, "--timeout", "1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("longer than 1 s (--timeout)"));
}

#[test]
fn a_script_cannot_read_files_outside_its_folder_and_arguments() {
    let env = Env::new();
    env.tenant();
    let path = script(
        &env,
        "peek.rhai",
        "let rows = import_csv(\"/etc/passwd\");\nprint(rows.len());\n",
    );
    let out = env.seats().args(["run", &path]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("error[forbidden]") && err.contains("outside the script's folder"),
        "{err}"
    );
    // A module import cannot reach files either.
    let path = script(&env, "imp.rhai", "import \"/etc/passwd\" as p;\n");
    assert_eq!(
        env.seats()
            .args(["run", &path])
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn the_shell_evaluates_cmdlets_line_by_line() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    let out = env
        .seats()
        .arg("shell")
        .write_stdin("get_licenses().len()\nadd_licenses([\"ana@contoso.com\"], \"SPE_E3\")[0].result\nnot_a_cmdlet()\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\n1\n") && stdout.contains("ok"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not_a_cmdlet"));
    assert_eq!(
        pool(&env, "SPE_E3")["assigned"],
        1,
        "each line is its own transaction, committed"
    );
}

#[test]
fn true_up_licenses_previews_the_money_and_the_real_run_charges_exactly_that() {
    let env = demo();
    let before = env.dump();
    let preview = env.ok(&["run", &sample("true-up-licenses.rhai"), "5", "--what-if"]);
    assert_eq!(env.dump(), before, "--what-if changed the database");
    let money = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("Money:"))
            .unwrap_or_else(|| panic!("{out}"))
            .to_string()
    };
    let previewed = money(&preview);
    assert!(previewed.contains("ledger line(s)"), "{previewed}");
    let pending = env.json(&["billing", "pending"]).as_array().unwrap().len();
    env.ok(&["run", &sample("true-up-licenses.rhai"), "5"]);
    for p in env.json(&["licenses"]).as_array().unwrap() {
        let product = p["product"].as_str().unwrap();
        if ["SPE_E3", "SPE_E5", "SPE_F1", "POWER_BI_PRO", "VISIOCLIENT"].contains(&product) {
            assert!(p["available"].as_i64().unwrap() >= 5, "{p}");
        }
    }
    let lines = env.json(&["billing", "pending"]);
    let new: rust_decimal::Decimal = lines.as_array().unwrap()[pending..]
        .iter()
        .map(|l| {
            l["amount"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert!(
        previewed.contains(&format!(" {new} ")),
        "{previewed} vs {new}"
    );
}

#[test]
fn billing_cmdlets_read_invoices_pending_charges_and_payment_methods() {
    let env = demo();
    env.ok(&["process", "--now", "2026-12-01"]);
    let path = script(
        &env,
        "billing.rhai",
        r#"
        let invoices = get_invoices(#{ last: 6 });
        let one = get_invoice(invoices[0].id);
        let sum = parse_decimal("0");
        for l in one.items { sum += parse_decimal(l.amount); }
        print(`invoices=${invoices.len()} total=${one.total} lines=${sum}`);
        print(`methods=${get_payment_methods().len()} pending=${get_pending_charges().len()}`);
        let s = new_subscription("SPE_E5", 2, #{ billing: "monthly" });
        print(`charged=${s.charged_now}`);
        try { cancel_subscription(s.id, "bored") } catch (e) { print(`refused=${e.kind}`) }
        let c = cancel_subscription(s.id, "no-longer-needed");
        print(`refund=${c.charged_now} status=${c.status}`);
        "#,
    );
    let out = env.ok(&["run", &path, "--now", "2026-12-01"]);
    assert!(out.contains("invoices=1"), "{out}");
    let total = out
        .split("total=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        out.contains(&format!("lines={total}")),
        "an invoice is the sum of its lines: {out}"
    );
    assert!(out.contains("methods=1 pending=0"), "{out}");
    assert!(out.contains("charged=136.80"), "{out}");
    assert!(out.contains("refused=invalid"), "{out}");
    assert!(out.contains("refund=-136.80 status=cancelled"), "{out}");
}

#[test]
fn s7_new_users_creates_every_user_with_their_licenses_or_none() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "2"]);
    let path = script(
        &env,
        "hire.rhai",
        r#"
        let people = [
            #{ upn: "dan@contoso.com", display_name: "Dan", usage_location: "DK", licenses: "SPE_E3" },
            #{ upn: "eve@contoso.com", display_name: "Eve", usage_location: "DK",
               licenses: [#{ product: "SPE_E3", disabled_plans: ["MCOSTANDARD"] }] },
            #{ upn: "fay@contoso.com", display_name: "Fay", usage_location: "DK" },
        ];
        let hired = new_users(people);
        print(`hired ${hired.len()}`);
        try {
            new_users([#{ upn: "gus@contoso.com", display_name: "Gus", usage_location: "DK", licenses: "SPE_E3" }]);
        } catch (e) { print(`refused: ${e.kind}: ${e.message}`); }
        "#,
    );
    let out = env.ok(&["run", &path]);
    assert!(out.contains("hired 3"), "{out}");
    assert!(
        out.contains("refused: insufficient-licenses") && out.contains("gus@contoso.com"),
        "{out}"
    );
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 2);
    let eve = env.json(&["users", "show", "eve@contoso.com"]);
    assert_eq!(eve["licenses"][0]["product"], "SPE_E3", "{eve}");
    assert!(
        eve["licenses"][0]["disabled_plans"]
            .to_string()
            .contains("MCOSTANDARD"),
        "{eve}"
    );
    let refused = env.refused(&["users", "show", "gus@contoso.com"]);
    assert!(refused.contains("no user"), "{refused}");
}

#[test]
fn migrate_department_to_group_moves_direct_e3_holders_to_the_groups_e5_and_never_both() {
    let env = demo();
    let sales = env.json(&["users", "--department", "Sales"]);
    let n = sales.as_array().unwrap().len();
    env.ok(&["buy", "SPE_E5", "--quantity", &n.to_string()]);
    let before = env.dump();
    env.ok(&[
        "run",
        &sample("migrate-department-to-group.rhai"),
        "Sales",
        "SPE_E3",
        "SPE_E5",
        "--what-if",
    ]);
    assert_eq!(env.dump(), before, "--what-if changed the database");
    let out = env.ok(&[
        "run",
        &sample("migrate-department-to-group.rhai"),
        "Sales",
        "SPE_E3",
        "SPE_E5",
        "--atomic",
    ]);
    assert!(out.contains("0 in error"), "{out}");
    // Every Sales user holds E5 from the group, and none holds E3 any more.
    let holding = |p: &str| {
        env.json(&["users", "--department", "Sales", "--product", p])
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(holding("SPE_E3"), 0, "{out}");
    let members = env.json(&["users", "--group", "Sales SPE_E5", "--product", "SPE_E5"]);
    assert!(!members.as_array().unwrap().is_empty());
    assert_eq!(members.as_array().unwrap().len(), holding("SPE_E5"));
}
