//! A hostile plugin for the tests: its check never returns. seats stops it when its fuel runs
//! out and refuses the change.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{Decision, Guest, ProposedChange};

struct LoopForever;

impl Guest for LoopForever {
    fn check(_change: ProposedChange) -> Decision {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}

export!(LoopForever);
