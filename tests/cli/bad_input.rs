//! Malformed input at every entry point: each gets a clear error and changes nothing.

use crate::support::*;

/// (arguments, what the error must say)
const CASES: &[(&[&str], &str)] = &[
    (
        &["assign", "ghost@contoso.com", "-p", "SPE_E3"],
        "no user 'ghost@contoso.com'",
    ),
    (
        &["assign", "ana@contoso.com", "-p", "NOPE"],
        "no product with part number 'NOPE'",
    ),
    (
        &["assign", "ana@contoso.com", "-p", "MCOPSTN5"],
        "ambiguous",
    ),
    (
        &[
            "assign",
            "ana@contoso.com",
            "-p",
            "00000000-0000-0000-0000-000000000000",
        ],
        "no product with GUID",
    ),
    (
        &["buy", "SPE_E3", "--quantity", "-1"],
        "not a valid number of licenses",
    ),
    (
        &["buy", "SPE_E3", "--quantity", "0"],
        "not a valid number of licenses",
    ),
    (
        &["buy", "SPE_E3", "--quantity", "1000001"],
        "not a valid number of licenses",
    ),
    (
        &["buy", "SPE_E3", "--quantity", "99999999999999999999"],
        "invalid value",
    ),
    (
        &["set-quantity", "1", "9223372036854775807"],
        "not a valid number of licenses",
    ),
    (
        &["set-quantity", "18446744073709551615", "5"],
        "no subscription",
    ),
    (
        &["users", "add", "a b@contoso.com", "--name", "X"],
        "not a user principal name",
    ),
    (
        &["users", "add", "x@contoso.com", "--name", "   "],
        "must not be empty",
    ),
    (
        &[
            "users",
            "add",
            "x@contoso.com",
            "--name",
            "X",
            "--usage-location",
            "Denmark",
        ],
        "ISO 3166-1",
    ),
    (
        &["catalog", "price", "SPE_E3", "--monthly", "ten"],
        "not a price",
    ),
    (&["--now", "2026-02-30", "licenses"], "is not a date"),
    (&["--now", "yesterday", "licenses"], "is not a date"),
    (&["audit", "--since", "2026-13-01"], "is not a date"),
    (&["catalog", "import", "missing.csv"], "missing.csv"),
    (
        &["assign", "--from", "missing.csv", "-p", "SPE_E3"],
        "missing.csv",
    ),
    (
        &[
            "set-plans",
            "ana@contoso.com",
            "-p",
            "SPE_E3",
            "--disabled-plans",
            "NOT_A_PLAN",
        ],
        "holds no license",
    ),
];

#[test]
fn malformed_input_is_refused_clearly_and_changes_nothing() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "5"]);
    let before = env.dump();
    for (args, expect) in CASES {
        let out = env.seats().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "seats {args:?} succeeded");
        assert!(
            err.contains(expect),
            "seats {args:?}: expected '{expect}' in:\n{err}"
        );
        assert!(!err.contains("panicked"), "seats {args:?} panicked:\n{err}");
        assert_eq!(env.dump(), before, "seats {args:?} changed the database");
    }
    println!("{} malformed inputs refused", CASES.len());
}

#[test]
fn malformed_files_are_refused_clearly() {
    let env = Env::new();
    env.tenant();
    let before = env.dump();
    let dir = env.dir.path();
    let files: &[(&str, &[u8], &str)] = &[
        ("latin1.csv", b"Product_Display_Name,String_Id\n\xe6\xf8\xe5,X\n", "not UTF-8"),
        ("short.csv", b"Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\nA,B\n", "found record with 2 fields"),
        ("empty.csv", b"", "must name Product_Display_Name"),
    ];
    for (name, bytes, expect) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
        let out = env
            .seats()
            .args(["catalog", "import", name])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(expect),
            "{name}: expected '{expect}' in:\n{err}"
        );
    }
    assert_eq!(env.dump(), before);
}

#[test]
fn a_file_that_is_not_a_seats_database_or_is_from_a_newer_seats_is_refused() {
    let env = Env::new();
    env.no_check_at_end();
    std::fs::write(
        &env.db,
        b"this is not SQLite at all, just text that is long enough to look like a page",
    )
    .unwrap();
    let out = env.seats().arg("licenses").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a seats database"));

    let other = Env::new();
    other.no_check_at_end();
    rusqlite::Connection::open(&other.db)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let out = other.seats().arg("licenses").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a seats database"));

    let newer = Env::new();
    newer.no_check_at_end();
    newer.init();
    rusqlite::Connection::open(&newer.db)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let out = newer.seats().arg("licenses").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema version 999") && err.contains("upgrade seats"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_non_utf8_file_name_is_handled() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    env.tenant();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.csv");
    let out = env
        .seats()
        .arg("catalog")
        .arg("import")
        .arg(name)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("caf") && !err.contains("panicked"),
        "{err}"
    );
}
