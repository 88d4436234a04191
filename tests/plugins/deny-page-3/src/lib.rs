//! A plugin for the tests: reads a change page by page and denies it on page 3, naming the
//! first user of that page; a change of fewer pages is approved.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};
use std::cell::Cell;

thread_local! {
    /// The pages the summary announced.
    static PAGES: Cell<u32> = const { Cell::new(0) };
}

struct DenyPage3;

impl Guest for DenyPage3 {
    fn check(change: ChangeSummary) -> Decision {
        PAGES.set(change.pages);
        Decision::ReadPages
    }

    fn check_page(page: ChangePage) -> Verdict {
        if page.number < 3 {
            return Verdict::Approve;
        }
        let first = page.licenses.first().map_or("nobody", |l| l.upn.as_str());
        Verdict::Deny(format!(
            "page {} of {} starts with {first}",
            page.number,
            PAGES.get()
        ))
    }

    fn finish() -> Verdict {
        Verdict::Approve
    }
}

export!(DenyPage3);
