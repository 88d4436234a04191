//! Microsoft's catalog CSV and the plan-rules CSV, as `seats catalog import` reads them:
//! any bytes give rows or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = seats::catalog_csv::read_catalog(data, "fuzz.csv");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = seats::catalog_csv::read_plan_rules(text, "fuzz.csv");
    }
});
