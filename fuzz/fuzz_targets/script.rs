//! The scripting host with its limits on: any text runs as a script against a demo tenant (the
//! real component over SQLite) and ends, within its limits, with a result or a described error;
//! whatever it changed is rolled back, and the tenant stays sound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seats::service::Session;
use seats::script::Limits;
use std::cell::RefCell;

thread_local! {
    static TENANT: RefCell<Option<(tempfile::TempDir, Session)>> = const { RefCell::new(None) };
}

fn limits() -> Limits {
    Limits {
        max_operations: 20_000,
        max_call_depth: 16,
        max_string_size: 64 * 1024,
        max_array_size: 10_000,
        timeout: 2,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    TENANT.with(|t| {
        let mut slot = t.borrow_mut();
        let (dir, session) = slot.take().unwrap_or_else(|| {
            let dir = tempfile::tempdir().unwrap();
            let session = seats::cli::demo_session(&dir.path().join("fuzz.db"), 40).unwrap();
            (dir, session)
        });
        let (session, _error) = seats::script::run_rolled_back(session, source, &limits());
        *slot = Some((dir, session));
    });
});
