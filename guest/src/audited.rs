//! How the audit log records an object: its typed state (the contract's `audit-state`), and
//! the encoding the store keeps it in (JSON, the serde form of that state). The one place both
//! directions are spelled.

use crate::Store;
use crate::types::{
    AuditEntry, AuditEvent, AuditRecord, AuditState, BillingProfile, CatalogCounts, ChargeAudit,
    Invoice, PaymentMethod, PlanRule, Product, Role, Subscription, Tenant, User,
};

/// An object the audit log records, as it reads (the store names products by part number).
pub trait Audited {
    fn state<S: Store + ?Sized>(&self, store: &S) -> AuditState;

    /// The state as the store keeps it: `encode(state)`.
    fn stored<S: Store + ?Sized>(&self, store: &S) -> String {
        encode(&self.state(store))
    }
}

macro_rules! audited {
    ($($ty:ty => $case:ident),* $(,)?) => {
        $(impl Audited for $ty {
            fn state<S: Store + ?Sized>(&self, _: &S) -> AuditState {
                AuditState::$case(self.clone())
            }
        })*
    };
}

/// A subscription with its product's part number and name.
impl Audited for Subscription {
    fn state<S: Store + ?Sized>(&self, store: &S) -> AuditState {
        AuditState::Subscription(crate::view::subscription(store, self.clone()))
    }
}

audited! {
    User => User,
    Tenant => Tenant,
    Product => Product,
    CatalogCounts => Catalog,
    Vec<PlanRule> => PlanRules,
    BillingProfile => BillingProfile,
    PaymentMethod => PaymentMethod,
    ChargeAudit => Charge,
    Invoice => Invoice,
    Vec<Role> => Roles,
    crate::types::GroupAudit => Group,
}

/// A user's licenses, by part number.
impl Audited for Vec<String> {
    fn state<S: Store + ?Sized>(&self, _: &S) -> AuditState {
        AuditState::Licenses(self.clone())
    }

    /// Encoded without the copy into a state: a bulk change writes two per changed user.
    fn stored<S: Store + ?Sized>(&self, _: &S) -> String {
        #[derive(serde::Serialize)]
        struct Licenses<'a> {
            licenses: &'a [String],
        }
        serde_json::to_string(&Licenses { licenses: self }).unwrap_or_default()
    }
}

/// No state: for an entry whose object did not exist before (or no longer does after).
pub const NOTHING: Option<&Vec<String>> = None;

/// What the store keeps of a state.
pub fn encode(state: &AuditState) -> String {
    serde_json::to_string(state).unwrap_or_default()
}

/// A stored state read back; one recorded before states were typed (seats 0.1) comes back as
/// the JSON it was kept as.
pub fn decode(stored: &str) -> AuditState {
    serde_json::from_str(stored).unwrap_or_else(|_| AuditState::Recorded(stored.to_string()))
}

pub fn event(r: AuditRecord) -> AuditEvent {
    let AuditEntry {
        at,
        actor,
        action,
        target,
        before,
        after,
    } = r.entry;
    AuditEvent {
        id: r.id,
        at,
        actor,
        action,
        target,
        before: before.as_deref().map(decode),
        after: after.as_deref().map(decode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_and_an_old_one_is_kept_as_recorded() {
        let state = AuditState::Licenses(vec!["SPE_E3".into()]);
        let stored = encode(&state);
        assert_eq!(stored, r#"{"licenses":["SPE_E3"]}"#);
        assert_eq!(decode(&stored), state);
        // The license lists' own encoding is the state's.
        let held = vec!["SPE_E3".to_string(), "a\"b".to_string()];
        let store = crate::memory::MemoryStore::default();
        assert_eq!(held.stored(&store), encode(&held.state(&store)));
        assert_eq!(Vec::<String>::new().stored(&store), r#"{"licenses":[]}"#);
        let old = r#"{"id":1,"status":"Active"}"#;
        assert_eq!(decode(old), AuditState::Recorded(old.into()));
    }
}
