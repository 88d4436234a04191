//! A plugin for the benchmark and the tests: asks for every page of a change and approves it
//! when the pages add up to the summary (as many entries, numbered 1 to `pages` in order);
//! otherwise it denies, saying what it saw. What a plugin costs when it reads everything.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/policy",
});

use exports::seats::policy::policy::{ChangePage, ChangeSummary, Decision, Guest, Verdict};
use std::cell::Cell;

thread_local! {
    /// (entries the summary announced, pages announced, entries seen, pages seen)
    static SEEN: Cell<(u32, u32, u32, u32)> = const { Cell::new((0, 0, 0, 0)) };
}

struct ReadAll;

impl Guest for ReadAll {
    fn check(change: ChangeSummary) -> Decision {
        SEEN.set((change.entries, change.pages, 0, 0));
        Decision::ReadPages
    }

    fn check_page(page: ChangePage) -> Verdict {
        let (entries, pages, seen, read) = SEEN.get();
        if page.number != read + 1 {
            return Verdict::Deny(format!("page {} came after page {read}", page.number));
        }
        SEEN.set((
            entries,
            pages,
            seen + page.entries.len() as u32,
            page.number,
        ));
        Verdict::Approve
    }

    fn finish() -> Verdict {
        match SEEN.get() {
            (entries, pages, seen, read) if entries == seen && pages == read => Verdict::Approve,
            (entries, pages, seen, read) => Verdict::Deny(format!(
                "the summary announced {entries} entries in {pages} pages; {seen} came in {read}"
            )),
        }
    }
}

export!(ReadAll);
