//! A hostile plugin for the tests: denies every change with a reason of ten million
//! characters, with terminal escapes in it. seats shows the first 500, made printable.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};

struct HugeReason;

fn reason() -> String {
    format!("\u{1b}[2J{}", "no ".repeat(10_000_000 / 3))
}

impl Guest for HugeReason {
    fn check(_change: ChangeSummary) -> Decision {
        Decision::Deny(reason())
    }

    fn check_page(_page: ChangePage) -> Verdict {
        Verdict::Deny(reason())
    }

    fn finish() -> Verdict {
        Verdict::Deny(reason())
    }
}

export!(HugeReason);
