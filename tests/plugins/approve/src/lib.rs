//! A plugin for the benchmark and the tests: approves every change from its summary, so it
//! never asks for the change's pages. What a plugin costs when it needs only the summary.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};

struct Approve;

impl Guest for Approve {
    fn check(_change: ChangeSummary) -> Decision {
        Decision::Approve
    }

    fn check_page(_page: ChangePage) -> Verdict {
        Verdict::Deny("approve never asks for pages".into())
    }

    fn finish() -> Verdict {
        Verdict::Deny("approve never asks for pages".into())
    }
}

export!(Approve);
