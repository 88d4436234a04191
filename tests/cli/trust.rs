//! Trust at the edges: the self-service, role and retention holes found by trying seats as a
//! new user would, one test per case. Each ends with `seats check` (support's `Env` runs it).

use crate::support::*;

const ANA: [&str; 2] = ["--as", "ana@contoso.com"];

fn as_ana<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [&ANA[..], args].concat()
}

/// A tenant where ana (no admin role) pays with her own card.
fn with_purchaser() -> Env {
    let env = Env::new();
    env.tenant();
    for upn in ["dee@contoso.com", "eve@contoso.com", "fay@contoso.com"] {
        env.ok(&["users", "add", upn, "--name", upn, "--usage-location", "DK"]);
    }
    env.ok(&as_ana(&OWN_CARD));
    env
}

fn id_of(v: &serde_json::Value) -> String {
    v["id"].as_u64().unwrap().to_string()
}

/// Case 1: a user's self-service licenses are not the organisation's to assign (L1, L2, S2, P2).
#[test]
fn l1_l2_s2_p2_admins_cannot_draw_on_a_users_self_service_pool() {
    let env = with_purchaser();
    let mine = id_of(&env.json(&as_ana(&["self-service", "buy", "POWER_BI_PRO", "-q", "5"])));
    let org = id_of(&env.json(&["buy", "POWER_BI_PRO", "--quantity", "2"]));
    env.ok(&["assign", "bo@contoso.com", "-p", "POWER_BI_PRO"]);
    env.ok(&["assign", "cy@contoso.com", "-p", "POWER_BI_PRO"]);
    // The organisation's pool is full: ana's five are hers.
    let before = env.dump();
    let err = env.refused(&["assign", "dee@contoso.com", "-p", "POWER_BI_PRO"]);
    assert!(err.contains("insufficient-licenses"), "{err}");
    assert!(err.contains("2 of 2 are assigned"), "{err}");
    let err = env.refused(&["assign", "--product", "POWER_BI_PRO", "eve@contoso.com"]);
    assert!(err.contains("no license of POWER_BI_PRO"), "{err}");
    assert_eq!(env.dump(), before);
    let p = pool(&env, "POWER_BI_PRO");
    assert_eq!(
        (&p["total"], &p["assigned"], &p["available"]),
        (&2.into(), &2.into(), &0.into())
    );
    // S2: the organisation's subscription cannot drop below what it has assigned, nor go.
    let err = env.refused(&["set-quantity", &org, "1"]);
    assert!(err.contains("Unassign 1 license(s) first"), "{err}");
    let err = env.refused(&["cancel", &org, "--reason", "no-longer-needed"]);
    assert!(err.contains("cannot cancel"), "{err}");
    assert_eq!(env.dump(), before);
    // The purchaser still assigns all five of hers.
    for upn in ["ana", "dee", "eve", "fay", "admin"] {
        env.ok(&as_ana(&[
            "self-service",
            "assign",
            &mine,
            &format!("{upn}@contoso.com"),
        ]));
    }
    assert!(env.ok(&["conflicts"]).contains("No license conflicts"));
}

/// Case 2: admins have a read-only view of a user's self-service subscription (P3).
#[test]
fn p3_admins_cannot_change_or_cancel_a_users_self_service_subscription() {
    let env = with_purchaser();
    let id = id_of(&env.json(&as_ana(&["self-service", "buy", "POWER_BI_PRO", "-q", "2"])));
    let before = env.dump();
    for args in [
        vec!["set-quantity", &id, "3"],
        vec!["cancel", &id, "--reason", "no-longer-needed"],
        vec!["recurring", &id, "off"],
    ] {
        let err = env.refused(&args);
        assert!(
            err.contains("read-only") && err.contains("take-over"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        env.dump(),
        before,
        "nothing charged to the purchaser's card"
    );
    // The purchaser still can.
    env.ok(&as_ana(&["set-quantity", &id, "3"]));
}

/// Case 3: after a take-over the organisation pays, from the next charge on (P4).
#[test]
fn p4_after_a_take_over_the_organisation_pays_and_the_channel_is_the_organisations() {
    let env = with_purchaser();
    let id = id_of(&env.json(&as_ana(&["self-service", "buy", "POWER_BI_PRO", "-q", "2"])));
    let ana_pending = env.json(&as_ana(&["billing", "pending"]));
    assert_eq!(ana_pending.as_array().unwrap().len(), 1);
    let taken = env.json(&["self-service", "take-over", &id]);
    assert_eq!(taken["channel"], "direct", "{taken}");
    assert_eq!(taken["purchaser"], serde_json::Value::Null);
    env.ok(&["set-quantity", &id, "4"]);
    // The purchaser is charged nothing more: her open line is returned (she paid for the
    // days until the change), and the organisation pays from the change on.
    let ana_now = env.json(&as_ana(&["billing", "pending"]));
    let new_lines = &ana_now.as_array().unwrap()[1..];
    assert!(
        new_lines
            .iter()
            .all(|c| c["kind"] == "reversal" || c["kind"] == "prorated"),
        "{ana_now}"
    );
    assert!(
        ana_now
            .as_array()
            .unwrap()
            .starts_with(ana_pending.as_array().unwrap())
    );
    let org = env.json(&["billing", "pending"]);
    let lines: Vec<_> = org
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["subscription"].as_u64().map(|s| s.to_string()) == Some(id.clone()))
        .collect();
    assert!(!lines.is_empty(), "{org}");
    // And she no longer manages it.
    let err = env.refused(&as_ana(&["set-quantity", &id, "5"]));
    assert!(err.contains("forbidden"), "{err}");
}

/// Case 4: a restored user's data is never purged by a timer their deletion started (L7, L8).
#[test]
fn l7_l8_restoring_a_user_stops_every_retention_timer() {
    let env = Env::new();
    env.tenant();
    env.ok(&["buy", "SPE_E3", "--quantity", "1"]);
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E3"]);
    env.ok(&["users", "delete", "ana@contoso.com"]);
    // Her license goes to someone else meanwhile, so the restore brings none back.
    env.ok(&["assign", "bo@contoso.com", "-p", "SPE_E3"]);
    let out = env
        .seats()
        .args(["--now", "2026-12-01", "users", "restore", "ana@contoso.com"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no license was restored"), "{stderr}");
    let d = service_data(&env, "ana@contoso.com");
    assert!(
        d.iter()
            .all(|(_, state, until)| state != "purged" && until.is_none()),
        "{d:?}"
    );
    env.ok(&["--now", "2027-02-01", "process"]);
    let d = service_data(&env, "ana@contoso.com");
    assert!(
        d.contains(&("mailbox".into(), "retained".into(), None))
            && d.contains(&("onedrive".into(), "retained".into(), None)),
        "{d:?}"
    );
    assert!(column(&env.json(&["users"]), "upn").contains(&"ana@contoso.com".into()));
}

/// Case 5: a license a purchaser removes goes through the one planner: its data is retained
/// as any removal's is (L7), and the audit log says so.
#[test]
fn l7_a_self_service_unassignment_retains_data_like_any_removal() {
    let env = with_purchaser();
    let id = id_of(&env.json(&as_ana(&[
        "self-service",
        "buy",
        "PROJECTPROFESSIONAL",
        "-q",
        "1",
    ])));
    env.ok(&as_ana(&["self-service", "assign", &id, "bo@contoso.com"]));
    assert!(service_data(&env, "bo@contoso.com").contains(&(
        "onedrive".into(),
        "active".into(),
        None
    )));
    env.ok(&as_ana(&[
        "self-service",
        "unassign",
        &id,
        "bo@contoso.com",
    ]));
    let d = service_data(&env, "bo@contoso.com");
    assert!(
        d.contains(&("onedrive".into(), "retained".into(), None)),
        "{d:?}"
    );
    assert!(
        d.contains(&("team-site".into(), "removed".into(), None)),
        "{d:?}"
    );
    let audit = env.json(&["audit", "--target", "user:bo@contoso.com"]);
    let last = audit.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "ana@contoso.com", "{last}");
}

/// Case 6: processing renewals, charges and invoices is billing work (R1, R2).
#[test]
fn r1_r2_a_password_administrator_cannot_process_or_move_the_clock() {
    let env = Env::new();
    env.tenant();
    env.ok(&["roles", "grant", "ana@contoso.com", "password-admin"]);
    env.ok(&["buy", "SPE_E3", "--quantity", "1", "--billing", "monthly"]);
    let before = env.dump();
    let err = env.refused(&["--as", "ana@contoso.com", "--now", "2027-01-01", "process"]);
    assert!(
        err.contains("forbidden") && err.contains("Billing administrator"),
        "{err}"
    );
    let err = env.refused(&["--as", "ana@contoso.com", "clock", "advance", "40d"]);
    assert!(
        err.contains("forbidden") && err.contains("Global administrator"),
        "{err}"
    );
    assert_eq!(env.dump(), before);
    env.ok(&["roles", "grant", "bo@contoso.com", "billing-admin"]);
    env.ok(&["--as", "bo@contoso.com", "--now", "2027-01-01", "process"]);
}

/// Case 7: an admin acting on billing has the role or is refused naming it (R2); only a user
/// without an admin role gets a self-service profile of their own (P2).
#[test]
fn r2_a_license_administrator_is_refused_billing_and_gets_no_personal_profile() {
    let env = Env::new();
    env.tenant();
    env.ok(&["roles", "grant", "ana@contoso.com", "license-admin"]);
    let before = env.dump();
    let err = env.refused(&as_ana(&OWN_CARD));
    assert!(
        err.contains("forbidden") && err.contains("Billing administrator"),
        "{err}"
    );
    assert_eq!(env.dump(), before);
    let err = env.refused(&["--as", "ana@contoso.com", "billing", "profiles"]);
    assert!(err.contains("Billing administrator"), "{err}");
}

/// What admins read: command-line mistakes exit 2 naming the option, as clap's own do.
#[test]
fn a_malformed_date_or_duration_is_a_command_line_mistake_naming_the_option() {
    let env = Env::new();
    env.init();
    for (args, option) in [
        (vec!["--now", "2026-13-01", "licenses"], "--now"),
        (
            vec![
                "billing",
                "invoices",
                "--from",
                "nope",
                "--to",
                "2026-01-01",
            ],
            "--from",
        ),
        (vec!["audit", "--since", "yesterday"], "--since"),
        (vec!["clock", "advance", "3x"], "DURATION"),
    ] {
        let out = env.seats().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(option), "{args:?}: {stderr}");
    }
}

/// A reader that stops reading (`seats ... | head`) ends the command quietly, with 0.
#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    use std::io::Read;
    let env = Env::new();
    env.init();
    for format in ["json", "csv", "table"] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("seats"));
        env.configure(&mut cmd)
            .args(["catalog", "list", "--output", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The catalog is far bigger than a pipe holds: seats is still writing when it closes.
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// What admins read: process says what it did, in the admin center's words; the Licenses
/// page explains a conflict; audit entries and subscriptions read as the admin center's.
#[test]
fn s6_c2_process_and_the_pages_say_what_happened_in_admins_words() {
    let env = Env::new();
    env.tenant();
    env.ok(&[
        "--now",
        "2026-11-01",
        "buy",
        "SPE_E3",
        "-q",
        "2",
        "--billing",
        "monthly",
    ]);
    env.ok(&[
        "--now",
        "2026-11-01",
        "buy",
        "SPE_E5",
        "-q",
        "1",
        "--billing",
        "monthly",
    ]);
    env.ok(&["assign", "ana@contoso.com", "-p", "SPE_E5"]);
    env.ok(&["recurring", "2", "off"]);
    let out = env.ok(&["--now", "2026-12-05", "process"]);
    assert!(
        out.contains("renewed") && out.contains("Renewals charged"),
        "{out}"
    );
    assert!(
        out.contains("expired") && out.contains("Invoices issued: 1"),
        "{out}"
    );
    assert!(!out.contains("Nothing fell due"), "{out}");
    let page = env.ok(&["--now", "2026-12-05", "licenses"]);
    assert!(
        page.contains("warning") && page.contains("1 expired, in their grace period"),
        "{page}"
    );
    // A product the organisation never had a subscription of is not a row of zeros.
    env.ok(&as_ana(&OWN_CARD));
    env.ok(&as_ana(&["self-service", "buy", "POWER_BI_PRO", "-q", "1"]));
    assert!(!env.ok(&["licenses"]).contains("POWER_BI_PRO"));
    let mine = env.json(&["subscriptions", "--self-service"]);
    assert_eq!(column(&mine, "product"), ["POWER_BI_PRO"]);
    assert_eq!(
        env.json(&["subscriptions", "--trial"]),
        serde_json::json!([])
    );
    // Audit entries spell values as the contract does, never as Rust.
    env.ok(&["buy", "SPE_E3", "-q", "1"]);
    env.ok(&["cancel", "4", "--reason", "too-expensive"]);
    let audit = env.ok(&["audit", "--target", "subscription:4", "--output", "json"]);
    assert!(
        audit.contains("too-expensive") && audit.contains("cancelled"),
        "{audit}"
    );
    assert!(
        !audit.contains("TooExpensive") && !audit.contains("Cancelled"),
        "{audit}"
    );
    // A preview of a reduction says nothing changed; it bought nothing.
    let preview = env.ok(&["set-quantity", "1", "1", "--preview"]);
    assert!(
        preview.contains("nothing was changed") && !preview.contains("bought"),
        "{preview}"
    );
}

/// A prepaid (product-key) subscription reads "prepaid" (S3, B5).
#[test]
fn b5_a_product_key_subscription_reads_prepaid() {
    let env = Env::new();
    env.init();
    let key = env.json(&[
        "buy",
        "SPE_E3",
        "-q",
        "5",
        "--channel",
        "product-key",
        "--product-key",
        "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY",
    ]);
    assert_eq!(key["channel"], "prepaid", "{key}");
}

/// What comes from outside is written so it cannot act where it lands: a display name a
/// spreadsheet would run as a formula is exported as text; one with a terminal's escape
/// sequence is refused.
#[test]
fn text_from_outside_cannot_act_in_a_spreadsheet_or_a_terminal() {
    let env = Env::new();
    env.init();
    let formula = "=HYPERLINK(\"http://evil.example\",\"Ana\")";
    env.ok(&["users", "add", "ana@contoso.com", "--name", formula]);
    let csv = env.ok(&["users", "--output", "csv"]);
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert!(!csv.contains(",\"=HYPERLINK("), "{csv}");
    let before = env.dump();
    let err = env.refused(&["users", "add", "bo@contoso.com", "--name", "Bo\u{1b}[2J"]);
    assert!(err.contains("control characters"), "{err}");
    assert_eq!(env.dump(), before);
}
