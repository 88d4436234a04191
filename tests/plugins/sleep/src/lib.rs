//! A hostile plugin for the tests: sleeps for a minute (longer than the tests allow). A wait
//! blocks the host outside the plugin's code, where its fuel does not run out, so seats
//! refuses clock waits: the check traps at once and the change is refused.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};

struct Sleep;

impl Guest for Sleep {
    fn check(_change: ChangeSummary) -> Decision {
        std::thread::sleep(std::time::Duration::from_secs(60));
        Decision::Approve
    }

    fn check_page(_page: ChangePage) -> Verdict {
        Verdict::Approve
    }

    fn finish() -> Verdict {
        Verdict::Approve
    }
}

export!(Sleep);
