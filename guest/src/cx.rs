//! The context of one exported call: the store, the acting principal and the time.

use crate::Store;
use crate::audited::Audited;
use crate::error::Result;
use crate::roles;
use crate::types::{AuditEntry, Operation, Timestamp, User};

pub struct Cx<'s, S: Store + ?Sized> {
    pub store: &'s S,
    /// The acting principal's UPN as given.
    pub actor: String,
    /// Now, in seconds since the epoch (wasi:clocks in the component).
    pub now: Timestamp,
    /// Now on the tenant's wall clock, as if it were UTC: dates of terms and billing use it.
    pub local: Timestamp,
}

impl<'s, S: Store + ?Sized> Cx<'s, S> {
    pub fn new(store: &'s S, actor: impl Into<String>, now: Timestamp) -> Self {
        let local = store
            .get_tenant()
            .map_or(now, |t| crate::calendar::local(&t.time_zone, now));
        Cx {
            store,
            actor: actor.into(),
            now,
            local,
        }
    }

    /// The actor, when one of its roles allows `op` (R1); else a refusal naming a role that would.
    pub fn require(&self, op: Operation) -> Result<User> {
        roles::authorize(self.store, &self.actor, op).map(|a| a.user)
    }

    /// Writes an audit entry in the same transaction as the change it describes.
    pub fn audit<B: Audited + ?Sized, A: Audited + ?Sized>(
        &self,
        action: &str,
        target: String,
        before: Option<&B>,
        after: Option<&A>,
    ) {
        self.store
            .append_audit(&[self.audit_entry(action, target, before, after)]);
    }

    pub fn audit_entry<B: Audited + ?Sized, A: Audited + ?Sized>(
        &self,
        action: &str,
        target: String,
        before: Option<&B>,
        after: Option<&A>,
    ) -> AuditEntry {
        self.audit_entry_stored(
            action,
            target,
            before.map(|b| b.stored(self.store)),
            after.map(|a| a.stored(self.store)),
        )
    }

    /// An entry whose states are already as the store keeps them (`Audited::stored`): a bulk
    /// change encodes each set of licenses once, not once per user.
    pub fn audit_entry_stored(
        &self,
        action: &str,
        target: String,
        before: Option<String>,
        after: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            at: self.now,
            actor: self.actor.clone(),
            action: action.to_string(),
            target,
            before,
            after,
        }
    }
}
