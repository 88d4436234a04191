//! A plugin as a third party built it against seats 0.1.0 (the frozen world in
//! wit/frozen/policy@0.1.0): Visio Plan 2 is bought centrally, so no change may hand out more
//! VISIOCLIENT licenses while fewer than two are free. It reads the pool through the 0.1.0
//! query import, so a newer host must answer that too.

wit_bindgen::generate!({
    world: "policy-plugin",
    path: "../../../wit/frozen/policy@0.1.0",
});

use exports::seats::licensing::policy::{Decision, Guest, ProposedChange};
use seats::licensing::query;

const PRODUCT: &str = "VISIOCLIENT";

struct Legacy;

impl Guest for Legacy {
    fn check(change: ProposedChange) -> Decision {
        let gains = change.licenses.iter().any(|l| {
            l.after.iter().any(|p| p == PRODUCT) && !l.before.iter().any(|p| p == PRODUCT)
        });
        if !gains {
            return Decision::Approve;
        }
        match query::pool(PRODUCT) {
            // Read inside the change: the pool as the change would leave it.
            Some(p) if p.enabled.saturating_sub(p.assigned) < 2 => Decision::Deny(format!(
                "legacy policy: {PRODUCT} is kept two licenses spare; {} of {} would be assigned",
                p.assigned, p.enabled
            )),
            Some(_) => Decision::Approve,
            None => Decision::Deny(format!("legacy policy: no product {PRODUCT}")),
        }
    }
}

export!(Legacy);
