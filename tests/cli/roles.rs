//! The role table (R1, R2) as the binary prints it, and as docs/roles.md shows it.

use crate::support::*;

/// docs/roles.md's table, from `seats roles table --output json`.
fn markdown(table: &serde_json::Value) -> String {
    let mut out = String::from(
        "| operation | global | billing | user | license | service | password | users without a role | covers |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in table.as_array().unwrap() {
        let roles: Vec<&str> = r["roles"].as_str().unwrap().split(", ").collect();
        let cells: Vec<&str> = [
            "global", "billing", "user", "license", "service", "password",
        ]
        .iter()
        .map(|role| {
            if roles.contains(&format!("{role}-admin").as_str()) {
                "yes"
            } else {
                "no"
            }
        })
        .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r["operation"].as_str().unwrap(),
            cells.join(" | "),
            r["users_without_a_role"].as_str().unwrap(),
            r["covers"].as_str().unwrap()
        ));
    }
    out
}

#[test]
fn r1_r2_the_role_table_in_docs_is_the_components() {
    let env = Env::new();
    env.init();
    let table = env.json(&["roles", "table"]);
    assert_eq!(table.as_array().unwrap().len(), 16, "{table}");
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/roles.md")).unwrap();
    let expected = markdown(&table);
    assert!(
        docs.contains(&expected),
        "docs/roles.md does not show the role table the component has; put this in:\n\n{expected}"
    );
}
