//! A hostile plugin for the tests: its check never returns. seats stops it when its fuel runs
//! out and refuses the change.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};

struct LoopForever;

impl Guest for LoopForever {
    fn check(_change: ChangeSummary) -> Decision {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    fn check_page(_page: ChangePage) -> Verdict {
        Verdict::Approve
    }

    fn finish() -> Verdict {
        Verdict::Approve
    }
}

export!(LoopForever);
