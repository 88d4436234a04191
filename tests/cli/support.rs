//! A temporary database and a `seats` command bound to it.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct Env {
    pub dir: TempDir,
    pub db: PathBuf,
    cache: PathBuf,
    /// Whether `seats check` runs on the database when the test ends (see `Drop`).
    check_at_end: std::cell::Cell<bool>,
}

/// Every test ends with `seats check` on its database, when it made one: whatever the test
/// did, the invariants must hold (SQLite's integrity, foreign keys, the domain's rules).
impl Drop for Env {
    fn drop(&mut self) {
        if std::thread::panicking() || !self.check_at_end.get() || !self.db.exists() {
            return;
        }
        let out = self.seats().arg("check").output().unwrap();
        assert!(
            out.status.success(),
            "seats check after the test:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// One compiled-code cache for the whole run, so the component is compiled once.
fn shared_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("seats-test-cache")
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("seats.db");
        Env {
            dir,
            db,
            cache: shared_cache(),
            check_at_end: std::cell::Cell::new(true),
        }
    }

    /// For tests whose database is broken or not a seats database on purpose.
    pub fn no_check_at_end(&self) {
        self.check_at_end.set(false);
    }

    /// With a cache directory of its own, empty.
    pub fn with_fresh_cache() -> Env {
        let mut env = Env::new();
        env.cache = env.dir.path().join("cache");
        env
    }

    /// Points a plain process at this environment (for tests that spawn several at once).
    pub fn configure<'c>(
        &self,
        cmd: &'c mut std::process::Command,
    ) -> &'c mut std::process::Command {
        cmd.current_dir(self.dir.path())
            .env("SEATS_DB", &self.db)
            .env("SEATS_CACHE_DIR", &self.cache)
            .env("SEATS_NOW", "2026-11-23T12:00:00Z")
            .env_remove("SEATS_AS")
            .env_remove("SEATS_OUTPUT")
    }

    pub fn seats(&self) -> Command {
        let mut cmd = Command::cargo_bin("seats").unwrap();
        cmd.current_dir(self.dir.path())
            .env("SEATS_DB", &self.db)
            .env("SEATS_CACHE_DIR", &self.cache)
            // Every test runs on the same day, whatever the real date: 2026-11-23.
            .env("SEATS_NOW", "2026-11-23T12:00:00Z")
            .env_remove("SEATS_AS")
            .env_remove("SEATS_OUTPUT");
        cmd
    }

    /// Runs seats with these arguments; asserts success and returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.seats().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "seats {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs seats with these arguments; asserts it is refused with exit code 1 and returns stderr.
    pub fn refused(&self, args: &[&str]) -> String {
        let out = self.seats().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "seats {args:?}: expected a refusal, got {}:\n{stderr}",
            out.status
        );
        stderr
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Every row of every table, to check that a refusal changed nothing.
    pub fn dump(&self) -> String {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        let mut out = String::new();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(names.len() >= 10, "{names:?}");
        for name in names {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
            let cols = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    Ok((0..cols)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            out.push_str(&format!(
                "## {name} ({} rows)\n{}\n",
                rows.len(),
                rows.join("\n")
            ));
        }
        out
    }

    /// A new tenant with the shipped catalog and a card to pay with.
    pub fn init(&self) -> &Self {
        self.ok(&["init"]);
        self.ok(&[
            "billing",
            "add-card",
            "--number",
            "4242 4242 4242 4242",
            "--security-code",
            "123",
            "--expiry",
            "12/2030",
            "--name",
            "Ada Admin",
            "--address",
            "1 Main St, Copenhagen",
        ]);
        self
    }

    /// A tenant with the shipped catalog, a card and a few users, no subscriptions.
    pub fn tenant(&self) -> &Self {
        self.init();
        for upn in ["ana@contoso.com", "bo@contoso.com", "cy@contoso.com"] {
            self.ok(&[
                "users",
                "add",
                upn,
                "--name",
                upn,
                "--usage-location",
                "DK",
                "--department",
                "Sales",
            ]);
        }
        self
    }
}

/// A field of every object of a JSON array.
pub fn column(v: &serde_json::Value, field: &str) -> Vec<serde_json::Value> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o[field].clone())
        .collect()
}

/// The Licenses page row of one product.
pub fn pool(env: &Env, product: &str) -> serde_json::Value {
    env.json(&["licenses"])
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["product"] == product)
        .cloned()
        .unwrap_or_else(|| panic!("{product} is not on the Licenses page"))
}

/// `billing add-card` with a valid Mastercard: a user's own card when they act (`--as`).
pub const OWN_CARD: [&str; 12] = [
    "billing",
    "add-card",
    "--number",
    "5555 5555 5555 4444",
    "--security-code",
    "321",
    "--expiry",
    "01/2029",
    "--name",
    "Ana",
    "--address",
    "2 Side St",
];

/// A user's service data (L4, L7): workload, state and the day it is kept until.
pub fn service_data(env: &Env, upn: &str) -> Vec<(String, String, Option<String>)> {
    env.json(&["users", "show", upn])["service_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["workload"].as_str().unwrap().to_string(),
                x["state"].as_str().unwrap().to_string(),
                x["until"].as_str().map(String::from),
            )
        })
        .collect()
}
