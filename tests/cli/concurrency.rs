//! Several seats processes writing to one database at once: no lost update, no pool ever
//! over-assigned, every process done or refused with a clear reason.

use crate::support::*;

#[test]
fn concurrent_writers_never_over_assign_a_pool() {
    let env = Env::new();
    env.init();
    env.ok(&["buy", "SPE_E3", "--quantity", "20"]);
    let processes = 6;
    let per_process = 5;
    let mut users = Vec::new();
    for p in 0..processes {
        let batch: Vec<String> = (0..per_process)
            .map(|i| format!("p{p}u{i}@contoso.com"))
            .collect();
        for u in &batch {
            env.ok(&["users", "add", u, "--name", u, "--usage-location", "DK"]);
        }
        users.push(batch);
    }
    let children: Vec<_> = users
        .iter()
        .map(|batch| {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("seats"));
            let cmd = env.configure(&mut cmd);
            cmd.args(["assign", "-p", "SPE_E3"]).args(batch);
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => ok += 1,
            Some(1) => assert!(
                err.contains("insufficient-licenses") || err.contains("busy"),
                "{err}"
            ),
            other => panic!("a writer failed ({other:?}): {err}"),
        }
    }
    println!("{processes} processes, {ok} fully applied");
    let e3 = pool(&env, "SPE_E3");
    assert_eq!(
        e3["assigned"], 20,
        "exactly the pool, no more, no lost update"
    );
    let holders = env
        .json(&["users", "--product", "SPE_E3"])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(holders, 20);
    assert!(env.ok(&["check"]).contains("ok"));
}
