//! Policy plugins (wit/policy/plugin.wit): the example plugin tests/plugins/finance-e5 denies exactly
//! what its policy names, through the CLI and through scripts; hostile plugins
//! (tests/plugins/{loop-forever,allocate,snoop,sleep}) are stopped with a clear message, the change
//! is rolled back, and the next command works.

use crate::support::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A plugin built by host/build.rs from tests/plugins/NAME.
fn plugin(name: &str) -> String {
    let path = PathBuf::from(env!("SEATS_TEST_PLUGINS")).join(format!("{name}.wasm"));
    assert!(path.exists(), "{} was not built", path.display());
    path.to_str().unwrap().to_string()
}

/// A tenant with Sales users (ana, bo, cy), Finance users (fi, fin), and E3 and E5 to assign.
fn tenant() -> Env {
    let env = Env::new();
    env.tenant();
    for upn in ["fi@contoso.com", "fin@contoso.com"] {
        env.ok(&[
            "users",
            "add",
            upn,
            "--name",
            upn,
            "--usage-location",
            "DK",
            "--department",
            "Finance",
        ]);
    }
    env.ok(&["buy", "SPE_E5", "--quantity", "5"]);
    env.ok(&["buy", "SPE_E3", "--quantity", "5"]);
    env
}

/// Runs seats with the plugin; asserts a refusal (exit 1) that leaves the database as it
/// was, and returns stderr.
fn refused_with(env: &Env, plugin_path: &str, args: &[&str]) -> String {
    let before = env.dump();
    let mut all = vec!["--plugin", plugin_path];
    all.extend(args);
    let started = Instant::now();
    let err = env.refused(&all);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(env.dump(), before, "the refused change left a trace: {err}");
    err
}

#[test]
fn finance_e5_denies_e5_outside_finance_through_the_cli_and_allows_the_rest() {
    let env = tenant();
    let finance = plugin("finance-e5");
    let with = |args: &[&str]| {
        let mut all = vec!["--plugin", finance.as_str()];
        all.extend(args);
        env.ok(&all)
    };

    let err = refused_with(
        &env,
        &finance,
        &["assign", "ana@contoso.com", "--product", "SPE_E5"],
    );
    assert!(
        err.contains("error[denied]: plugin finance-e5 denied license.add: only users of the Finance department may hold SPE_E5; ana@contoso.com is in department Sales"),
        "{err}"
    );
    // A bulk change is one change: one user outside Finance denies all of it.
    let err = refused_with(
        &env,
        &finance,
        &[
            "assign",
            "--product",
            "SPE_E5",
            "fi@contoso.com",
            "bo@contoso.com",
        ],
    );
    assert!(
        err.contains("bo@contoso.com is in department Sales"),
        "{err}"
    );
    assert_eq!(pool(&env, "SPE_E5")["assigned"], 0);

    // What the policy does not name goes through.
    with(&[
        "assign",
        "--product",
        "SPE_E5",
        "fi@contoso.com",
        "fin@contoso.com",
    ]);
    with(&["assign", "ana@contoso.com", "--product", "SPE_E3"]);
    with(&[
        "users",
        "set",
        "ana@contoso.com",
        "--department",
        "Marketing",
    ]);
    with(&["buy", "SPE_E5", "--quantity", "1"]);
    assert_eq!(pool(&env, "SPE_E5")["assigned"], 2);

    // Moving an E5 holder out of Finance would make them hold it outside Finance.
    let err = refused_with(
        &env,
        &finance,
        &["users", "set", "fi@contoso.com", "--department", "Sales"],
    );
    assert!(err.contains("fi@contoso.com holds it"), "{err}");
    // Without the plugin, seats holds no such rule.
    env.ok(&["assign", "ana@contoso.com", "--product", "SPE_E5"]);
}

#[test]
fn finance_e5_from_the_plugins_folder_denies_in_scripts_where_try_catch_sees_the_kind() {
    let env = tenant();
    // Plugins beside the database are loaded without --plugin.
    let folder = env.dir.path().join("plugins");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(plugin("finance-e5"), folder.join("finance-e5.wasm")).unwrap();

    let script = env.dir.path().join("e5.rhai");
    std::fs::write(
        &script,
        r#"
try {
    set_user_license("ana@contoso.com", #{ add: ["SPE_E5"] });
    print("ana: applied");
} catch (e) {
    print(`ana: ${e.kind}: ${e.message}`);
}
let r = add_licenses(["fi@contoso.com"], "SPE_E5");
print(`fi: ${r[0].result}`);
"#,
    )
    .unwrap();
    let out = env.ok(&["run", script.to_str().unwrap()]);
    assert!(
        out.contains("ana: denied: plugin finance-e5 denied license.")
            && out.contains("only users of the Finance department may hold SPE_E5"),
        "{out}"
    );
    assert!(out.contains("fi: ok"), "{out}");
    assert_eq!(pool(&env, "SPE_E5")["assigned"], 1);

    // Uncaught in an atomic script: the whole script is rolled back.
    let atomic = env.dir.path().join("atomic.rhai");
    std::fs::write(
        &atomic,
        r#"
add_licenses(["fin@contoso.com"], "SPE_E5");
add_licenses(["bo@contoso.com"], "SPE_E5");
"#,
    )
    .unwrap();
    let before = env.dump();
    let err = env.refused(&["run", atomic.to_str().unwrap(), "--atomic"]);
    assert!(
        err.contains("error[denied]") && err.contains("bo@contoso.com is in department Sales"),
        "{err}"
    );
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(env.dump(), before);
    // The CLI is under the same plugin.
    let err = env.refused(&["assign", "cy@contoso.com", "--product", "SPE_E5"]);
    assert!(err.contains("plugin finance-e5 denied"), "{err}");
}

#[test]
fn a_plugin_that_loops_forever_runs_past_its_deadline_and_the_change_is_rolled_back() {
    let env = tenant();
    let looping = plugin("loop-forever");
    let err = refused_with(
        &env,
        &looping,
        &["assign", "ana@contoso.com", "--product", "SPE_E3"],
    );
    assert!(
        err.contains("error[plugin]: plugin loop-forever ran past its deadline")
            && err.contains("license.add was refused and rolled back"),
        "{err}"
    );
    // Reading changes nothing, so no plugin is asked; the next change works.
    env.ok(&["--plugin", &looping, "licenses"]);
    env.ok(&["assign", "ana@contoso.com", "--product", "SPE_E3"]);
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 1);
}

#[test]
fn a_plugin_that_allocates_without_bound_is_stopped_at_its_memory_limit() {
    let env = tenant();
    let err = refused_with(
        &env,
        &plugin("allocate"),
        &["users", "add", "dag@contoso.com", "--name", "Dag"],
    );
    assert!(
        err.contains("error[plugin]: plugin allocate exceeded its memory limit of 64 MiB")
            && err.contains("user.create was refused and rolled back"),
        "{err}"
    );
    env.ok(&["users", "add", "dag@contoso.com", "--name", "Dag"]);
}

#[test]
fn a_plugin_that_reads_files_environment_and_network_gets_nothing() {
    let env = tenant();
    let out = env
        .seats()
        .args(["--plugin", &plugin("snoop")])
        .args(["assign", "ana@contoso.com", "--product", "SPE_E3"])
        .env("SNOOP_SECRET", "hunter2")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The plugin says what it got, in its denial: nothing.
    assert!(
        stderr.contains("plugin snoop denied license.add"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no file (") && stderr.contains("no directory ("),
        "{stderr}"
    );
    assert!(stderr.contains("0 environment variables []"), "{stderr}");
    assert!(stderr.contains("0 arguments"), "{stderr}");
    assert!(stderr.contains("no network ("), "{stderr}");
    assert!(!stderr.contains("hunter2") && !stdout.contains("hunter2"));
    // Its prints reach no one.
    assert!(
        !stdout.contains("snoop was here") && !stderr.contains("snoop was here"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(pool(&env, "SPE_E3")["assigned"], 0);
    env.ok(&["assign", "ana@contoso.com", "--product", "SPE_E3"]);
}

#[test]
fn a_plugin_that_sleeps_is_stopped_at_once_instead_of_blocking_the_host() {
    let env = tenant();
    let err = refused_with(
        &env,
        &plugin("sleep"),
        &["buy", "SPE_E3", "--quantity", "1"],
    );
    assert!(
        err.contains("error[plugin]: plugin sleep failed")
            && err.contains("a plugin may not wait")
            && err.contains("subscription.create was refused and rolled back"),
        "{err}"
    );
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
}

#[test]
fn a_file_that_is_not_a_policy_plugin_is_refused_at_start_naming_it() {
    let env = tenant();
    let bogus = env.dir.path().join("bogus.wasm");
    std::fs::write(&bogus, b"not wasm").unwrap();
    let out = env
        .seats()
        .args(["--plugin", bogus.to_str().unwrap(), "licenses"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("plugin bogus") && stderr.contains("policy-plugin"),
        "{stderr}"
    );
    // The domain component is no policy plugin either.
    let domain = env.dir.path().join("domain.wasm");
    env.ok(&["component", "export", domain.to_str().unwrap()]);
    let out = env
        .seats()
        .args(["--plugin", domain.to_str().unwrap(), "licenses"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// A plugin built against the released 0.1.0 plugin world (wit/frozen/policy@0.1.0) keeps
/// loading and deciding, reading the pool through its 0.1.0 query, beside a 0.2.0 plugin.
#[test]
fn a_plugin_built_for_the_0_1_0_world_still_loads_and_decides() {
    let env = tenant();
    env.ok(&["buy", "VISIOCLIENT", "--quantity", "3"]);
    let (legacy, current) = (plugin("legacy-v0-1"), plugin("finance-e5"));
    let both = ["--plugin", legacy.as_str(), "--plugin", current.as_str()];
    // 3 free: the first assignment leaves 2 spare, the policy approves.
    env.ok(&[
        &both[..],
        &["assign", "ana@contoso.com", "-p", "VISIOCLIENT"],
    ]
    .concat());
    // 2 free: one more would leave 1; the 0.1.0 plugin denies it, with its reason.
    let err = refused_with(
        &env,
        &legacy,
        &["assign", "bo@contoso.com", "-p", "VISIOCLIENT"],
    );
    assert!(
        err.contains("legacy-v0-1") && err.contains("kept two licenses spare"),
        "{err}"
    );
    // It sees a bulk change as one change, through the 0.1.0 shapes.
    let err = refused_with(
        &env,
        &legacy,
        &[
            "assign",
            "--product",
            "VISIOCLIENT",
            "bo@contoso.com",
            "cy@contoso.com",
        ],
    );
    assert!(err.contains("kept two licenses spare"), "{err}");
    // Changes that give no VISIOCLIENT pass.
    env.ok(&[
        "--plugin",
        &legacy,
        "assign",
        "bo@contoso.com",
        "-p",
        "SPE_E3",
    ]);
}
