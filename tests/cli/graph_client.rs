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
