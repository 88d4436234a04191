//! A hostile plugin for the tests: allocates memory without bound. seats stops it at its
//! memory limit and refuses the change.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};

struct Allocate;

impl Guest for Allocate {
    fn check(_change: ChangeSummary) -> Decision {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            // Touch every page, so nothing can be optimised away.
            hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
            if hoard.len() == usize::MAX {
                return Decision::Approve;
            }
        }
    }

    fn check_page(_page: ChangePage) -> Verdict {
        Verdict::Approve
    }

    fn finish() -> Verdict {
        Verdict::Approve
    }
}

export!(Allocate);
