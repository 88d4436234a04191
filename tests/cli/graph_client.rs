//! Microsoft's own Graph client for JavaScript (`@microsoft/microsoft-graph-client`, pinned in
//! tests/graph-node/package-lock.json) drives `seats serve` through a scenario: SKUs, users
//! paged with a filter, assign and remove, CountViolation as the client's GraphError, 403 and
//! 401, `$batch` through the client's batching helpers, and its RetryHandler after a 429.
//!
//! Needs Node 20+ and npm: when tests/graph-node/node_modules is missing, `npm ci` installs the
//! pinned client first. Never skipped.

use crate::serve::{Server, fabrikam};
use std::path::{Path, PathBuf};
use std::process::Command;

fn client_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/graph-node")
}

fn npm_ci(dir: &Path) {
    let version = Command::new("node").arg("--version").output().unwrap_or_else(|e| {
        panic!("this test runs Microsoft's Graph client in Node 20 or later, and `node` could not be run: {e}")
    });
    assert!(version.status.success(), "node --version failed");
    if !dir
        .join("node_modules/@microsoft/microsoft-graph-client")
        .exists()
    {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .output()
            .expect("run npm ci in tests/graph-node (npm must be installed)");
        assert!(
            out.status.success(),
            "npm ci in {} failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn graph_client_of_microsoft_drives_seats_serve() {
    let dir = client_dir();
    npm_ci(&dir);
    let (env, admin, reader) = fabrikam();
    let server = Server::start(&env, &[]);
    // The same database, with one write per second per token: the second of two is 429.
    let throttled = Server::start(&env, &["--throttle", "1/1"]);
    let out = Command::new("node")
        .arg(dir.join("scenario.mjs"))
        .current_dir(&dir)
        .env("SEATS_GRAPH_URL", server.url())
        .env("SEATS_GRAPH_URL_THROTTLED", throttled.url())
        .env("SEATS_TOKEN", &admin)
        .env("SEATS_READER_TOKEN", &reader)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the Graph client's scenario failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

/// The loop a plan is for: made on one database with `--what-if --plan`, sent by Microsoft's
/// client through `seats serve` of a copy, it leaves the copy as running the change directly
/// leaves a third.
#[test]
fn graph_plan_sent_through_serve_by_microsofts_client_makes_the_change() {
    let dir = client_dir();
    npm_ci(&dir);
    let script = "let visio = users_where(#{ product: \"VISIOCLIENT\" });\n\
        let r = set_licenses(visio, #{ add: [], remove: [\"VISIOCLIENT\"], all_or_nothing: true });\n\
        let sales = users_where(#{ department: \"Sales\" });\n\
        let r = set_licenses(sales, #{ add: [\"VISIOCLIENT\"], remove: [], all_or_nothing: true });\n";

    let (planned, _, _) = fabrikam();
    let path = planned.dir.path().join("change.rhai");
    std::fs::write(&path, script).unwrap();
    let plan = planned.dir.path().join("plan.jsonl");
    let before = planned.dump();
    let said = planned.ok(&[
        "run",
        path.to_str().unwrap(),
        "--what-if",
        "--plan",
        plan.to_str().unwrap(),
    ]);
    assert!(said.contains("Plan: "), "{said}");
    assert_eq!(planned.dump(), before, "a what-if changes nothing");

    let (served, admin, _) = fabrikam();
    let server = Server::start(&served, &[]);
    let out = Command::new("node")
        .arg(dir.join("send-plan.mjs"))
        .arg(&plan)
        .current_dir(&dir)
        .env("SEATS_GRAPH_URL", server.url())
        .env("SEATS_TOKEN", &admin)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);

    let (direct, _, _) = fabrikam();
    let path = direct.dir.path().join("change.rhai");
    std::fs::write(&path, script).unwrap();
    direct.ok(&["run", path.to_str().unwrap()]);

    let export = |env: &crate::support::Env| {
        let to = env.dir.path().join("export");
        env.ok(&["export", "graph", to.to_str().unwrap()]);
        let read = |f: &str| std::fs::read_to_string(to.join(f)).unwrap();
        (read("subscribedSkus.json"), read("users-1.json"))
    };
    let (skus, users) = export(&served);
    assert_eq!((skus.clone(), users.clone()), export(&direct));
    assert_ne!(users, export(&planned).1, "the change changed something");
    println!("{stdout}");
}
