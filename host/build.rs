//! Builds the domain component (guest/, target wasm32-wasip2) and puts it in OUT_DIR, so
//! `cargo build`, `cargo run` and `cargo test` need nothing else on a fresh clone.
//!
//! In the same cargo run it builds the policy plugins of tests/plugins (the example
//! finance-e5 and the hostile plugins of the tests) into OUT_DIR/plugins, named after their
//! folders; the tests find them through SEATS_TEST_PLUGINS.

use anyhow::{Context, Result, bail};
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() -> Result<()> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest
        .parent()
        .context("host/ has no parent")?
        .to_path_buf();
    for dir in [
        "guest/src",
        "guest/Cargo.toml",
        "wit",
        "Cargo.lock",
        "tests/plugins",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    ensure_target()?;

    // Its own target dir: the outer build holds the lock on the workspace's one.
    let target_dir = root.join("target").join("guest");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .args([
            "build",
            "--release",
            "-p",
            "guest",
            "--target",
            TARGET,
            "--target-dir",
        ])
        .arg(&target_dir);
    for (_, package) in PLUGINS {
        cmd.args(["-p", package]);
    }
    // What the outer build set for the host must not leak into the guest's build. The fuzz
    // build sets RUSTC_BOOTSTRAP: build scripts that probe for nightly features would change
    // the component, rebuild it here and miss the compiled-code cache (docs/ci.md).
    for var in [
        "RUSTC_BOOTSTRAP",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .context("run cargo to build the guest component")?;
    if !status.success() {
        bail!("building the guest component failed (see the errors above)");
    }
    let wasm = target_dir.join(TARGET).join("release").join("guest.wasm");
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    copy(&wasm, &out_dir.join("domain.wasm"))?;

    let plugins = out_dir.join("plugins");
    std::fs::create_dir_all(&plugins).with_context(|| format!("create {}", plugins.display()))?;
    for (folder, package) in PLUGINS {
        let built = target_dir
            .join(TARGET)
            .join("release")
            .join(format!("{}.wasm", package.replace('-', "_")));
        let to = plugins.join(format!("{folder}.wasm"));
        copy(&built, &to)?;
    }
    println!("cargo:rustc-env=SEATS_TEST_PLUGINS={}", plugins.display());
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

/// The plugins of tests/plugins: (folder, package).
const PLUGINS: &[(&str, &str)] = &[
    ("finance-e5", "finance-e5"),
    ("loop-forever", "plugin-loop-forever"),
    ("allocate", "plugin-allocate"),
    ("snoop", "plugin-snoop"),
    ("sleep", "plugin-sleep"),
    ("legacy-v0-1", "plugin-legacy-v0-1"),
    ("approve", "plugin-approve"),
    ("read-all", "plugin-read-all"),
    ("deny-page-3", "plugin-deny-page-3"),
    ("huge-reason", "plugin-huge-reason"),
];

/// Installs the wasm32-wasip2 target with rustup when it is missing, or says how.
fn ensure_target() -> Result<()> {
    let sysroot = Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let installed = sysroot
        .as_deref()
        .map(|s| Path::new(s).join("lib/rustlib").join(TARGET).exists())
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", TARGET]);
    if let Ok(toolchain) = env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    match rustup.status() {
        Ok(s) if s.success() => Ok(()),
        _ => bail!(
            "the Rust target {TARGET} is missing and rustup could not add it; run: rustup target add {TARGET}"
        ),
    }
}
