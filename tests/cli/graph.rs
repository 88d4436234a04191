//! Microsoft Graph's shapes in and out: `seats import graph` and `seats export graph` on the
//! example export in tests/graph-export (a hand-made tenant in Graph v1.0's JSON).

use crate::support::Env;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/graph-export")
}

const ADMIN: &str = "admin@fabrikam.com";

pub fn import(env: &Env, dir: &Path) -> String {
    let out = env
        .seats()
        .args([
            "import",
            "graph",
            dir.to_str().unwrap(),
            "--admin",
            ADMIN,
            "--name",
            "Fabrikam",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "import failed:\n{stderr}");
    stderr
}

/// Every item of a collection's files (`users-1.json`, `users-2.json`, ...) in `dir`.
fn collection(dir: &Path, name: &str) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let f = p.file_name().unwrap().to_str().unwrap();
            f == format!("{name}.json") || f.starts_with(&format!("{name}-"))
        })
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
            v["value"].as_array().unwrap().clone()
        })
        .collect()
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|x| x.to_string());
    v
}

/// What seats keeps of a user: all but when each license was last updated (the import's time).
fn user(u: &Value) -> Value {
    let licenses = |v: &Value| -> Vec<Value> {
        sorted(
            v.as_array()
                .map(|a| {
                    a.iter()
                        .map(|l| {
                            let mut l = l.clone();
                            l.as_object_mut().unwrap().remove("lastUpdatedDateTime");
                            let mut off: Vec<Value> =
                                l["disabledPlans"].as_array().unwrap().clone();
                            off.sort_by_key(|x| x.to_string());
                            l["disabledPlans"] = Value::Array(off);
                            l
                        })
                        .collect()
                })
                .unwrap_or_default(),
        )
    };
    json!({
        "id": u["id"], "userPrincipalName": u["userPrincipalName"], "displayName": u["displayName"],
        "department": u["department"], "usageLocation": u["usageLocation"],
        "accountEnabled": u["accountEnabled"],
        "assignedLicenses": licenses(&u["assignedLicenses"]),
        "licenseAssignmentStates": licenses(&u["licenseAssignmentStates"]),
    })
}

/// A subscription as seats keeps it: its term ends on a day of the tenant's calendar.
fn subscription(s: &Value) -> Value {
    json!({
        "id": s["id"], "skuId": s["skuId"], "status": s["status"], "isTrial": s["isTrial"],
        "totalLicenses": s["totalLicenses"], "createdDateTime": s["createdDateTime"],
        "nextLifecycleDay": s["nextLifecycleDateTime"].as_str().unwrap()[..10],
    })
}

fn sku(k: &Value) -> Value {
    let mut ids: Vec<Value> = k["subscriptionIds"].as_array().unwrap().clone();
    ids.sort_by_key(|x| x.to_string());
    let plans: Vec<Value> = sorted(
        k["servicePlans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!([p["servicePlanId"], p["servicePlanName"]]))
            .collect(),
    );
    json!({
        "id": k["id"], "skuId": k["skuId"], "skuPartNumber": k["skuPartNumber"],
        "consumedUnits": k["consumedUnits"], "prepaidUnits": k["prepaidUnits"],
        "subscriptionIds": ids, "servicePlans": plans,
    })
}

fn group(g: &Value) -> Value {
    json!({
        "id": g["id"], "displayName": g["displayName"], "description": g["description"],
        "groupTypes": g["groupTypes"], "membershipRule": g["membershipRule"],
        "assignedLicenses": g["assignedLicenses"],
    })
}

fn members(dir: &Path, group: &Value) -> Vec<Value> {
    sorted(
        collection(&dir.join("group-members"), group["id"].as_str().unwrap())
            .iter()
            .map(|m| json!([m["id"], m["userPrincipalName"]]))
            .collect(),
    )
}

/// Asserts two exports hold the same tenant, as far as seats keeps it.
fn same_tenant(a: &Path, b: &Path) {
    let each = |dir: &Path, name: &str, f: fn(&Value) -> Value| -> Vec<Value> {
        sorted(collection(dir, name).iter().map(f).collect())
    };
    for (name, f) in [
        ("users", user as fn(&Value) -> Value),
        ("subscriptions", subscription),
        ("subscribedSkus", sku),
        ("groups", group),
    ] {
        let (x, y) = (each(a, name, f), each(b, name, f));
        assert_eq!(x.len(), y.len(), "{name}");
        for (x, y) in x.iter().zip(&y) {
            assert_eq!(x, y, "{name} differ");
        }
    }
    for g in collection(a, "groups") {
        assert_eq!(
            members(a, &g),
            members(b, &g),
            "members of {}",
            g["displayName"]
        );
    }
}

#[test]
fn graph_import_then_export_is_a_round_trip() {
    let env = Env::new();
    let said = import(&env, &example());
    assert!(said.contains("Imported 41 users"), "{said}");
    // The export's consumedUnits agree with what the import assigned: no note says otherwise.
    assert!(!said.contains("note:"), "{said}");
    let first = env.dir.path().join("first");
    env.ok(&["export", "graph", first.to_str().unwrap()]);
    same_tenant(&example(), &first);

    // The group-based licenses came through the groups (GL1), as Graph showed them.
    let sales = env.json(&["users", "--group", "All Sales"]);
    assert_eq!(sales.as_array().unwrap().len(), 9);
    let pools = env.json(&["licenses"]);
    let ems = pools
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == "EMS")
        .unwrap();
    assert_eq!(ems["assigned"], 9);

    // And again, from seats' own export: the same files, byte for byte.
    let again = Env::new();
    import(&again, &first);
    let second = again.dir.path().join("second");
    again.ok(&["export", "graph", second.to_str().unwrap()]);
    for name in [
        "subscribedSkus.json",
        "subscriptions.json",
        "users-1.json",
        "groups.json",
    ] {
        assert_eq!(
            std::fs::read_to_string(first.join(name)).unwrap(),
            std::fs::read_to_string(second.join(name)).unwrap(),
            "{name}"
        );
    }
}

/// A copy of the example export to spoil.
fn copy_of_example(env: &Env) -> PathBuf {
    let to = env.dir.path().join("export");
    for entry in walk(&example()) {
        let rel = entry.strip_prefix(example()).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, dest).unwrap();
    }
    to
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn edit(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec(&v).unwrap()).unwrap();
}

fn refused_import(env: &Env, dir: &Path) -> String {
    let out = env
        .seats()
        .args(["import", "graph", dir.to_str().unwrap(), "--admin", ADMIN])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!env.db.exists(), "a refused import leaves no database");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn graph_import_of_a_bad_export_names_the_file_and_the_json_path_and_imports_nothing() {
    let env = Env::new();
    let dir = copy_of_example(&env);
    edit(&dir.join("users-2.json"), |v| {
        v["value"][3]["assignedLicenses"] = json!([{"skuId": 5, "disabledPlans": []}]);
    });
    let said = refused_import(&env, &dir);
    assert!(
        said.contains("users-2.json at value[3].assignedLicenses[0].skuId"),
        "{said}"
    );
    assert!(said.contains("expected a string"), "{said}");

    // Shape right, but a rule of the domain refuses it (G1: a license needs a usage location).
    let dir = copy_of_example(&env);
    let mut upn = String::new();
    edit(&dir.join("users-1.json"), |v| {
        let u = &mut v["value"][4];
        upn = u["userPrincipalName"].as_str().unwrap().to_string();
        u["usageLocation"] = Value::Null;
    });
    let said = refused_import(&env, &dir);
    assert!(
        said.contains(&format!("users-1.json: value[4] ({upn})")),
        "{said}"
    );
    assert!(said.contains("usage location"), "{said}");

    // A UPN twice: the domain refuses the second, named where it is (U1).
    let dir = copy_of_example(&env);
    let first: Value =
        serde_json::from_slice(&std::fs::read(dir.join("users-1.json")).unwrap()).unwrap();
    let taken = first["value"][3]["userPrincipalName"]
        .as_str()
        .unwrap()
        .to_uppercase();
    edit(&dir.join("users-2.json"), |v| {
        v["value"][2]["userPrincipalName"] = json!(taken)
    });
    let said = refused_import(&env, &dir);
    assert!(said.contains("users-2.json: value[2]"), "{said}");

    // A status Graph does not have, quoted bounded and printable.
    let dir = copy_of_example(&env);
    edit(&dir.join("subscriptions.json"), |v| {
        v["value"][0]["status"] = json!(format!("\u{1b}[2J{}", "x".repeat(500)));
    });
    let said = refused_import(&env, &dir);
    assert!(
        said.contains("subscriptions.json: value[0].status"),
        "{said}"
    );
    assert!(!said.contains('\u{1b}') && said.len() < 2000, "{said}");
    env.no_check_at_end();
}

#[test]
fn graph_import_reads_plain_arrays_and_a_collection_in_one_file() {
    let env = Env::new();
    let dir = copy_of_example(&env);
    let users: Vec<Value> = collection(&dir, "users");
    std::fs::remove_file(dir.join("users-1.json")).unwrap();
    std::fs::remove_file(dir.join("users-2.json")).unwrap();
    std::fs::write(dir.join("users.json"), serde_json::to_vec(&users).unwrap()).unwrap();
    let said = import(&env, &dir);
    assert!(said.contains("Imported 41 users"), "{said}");
}

/// The CLI's bulk commands write a plan too: `--what-if --plan FILE`, changing nothing.
#[test]
fn graph_plan_of_a_bulk_command_is_one_assign_license_per_user_it_changes() {
    let env = Env::new();
    import(&env, &example());
    let before = env.dump();
    let plan = env.dir.path().join("plan.jsonl");
    env.ok(&[
        "set-licenses",
        "--department",
        "Sales",
        "--add",
        "VISIOCLIENT",
        "--what-if",
        "--plan",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(env.dump(), before, "a what-if changes nothing");
    let text = std::fs::read_to_string(&plan).unwrap();
    let batches: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(batches.len(), 1);
    let requests = batches[0]["requests"].as_array().unwrap();
    let sales: Vec<Value> = collection(&example(), "users")
        .into_iter()
        .filter(|u| u["department"] == "Sales")
        .collect();
    assert_eq!(requests.len(), sales.len());
    for (r, u) in requests.iter().zip(&sales) {
        assert_eq!(r["method"], "POST");
        assert_eq!(
            r["url"],
            format!("/users/{}/assignLicense", u["id"].as_str().unwrap())
        );
        assert_eq!(
            r["body"],
            json!({"addLicenses": [{"skuId": "c5928f49-12ba-48f7-ada3-0d743a3601d5", "disabledPlans": []}], "removeLicenses": []})
        );
    }
}
