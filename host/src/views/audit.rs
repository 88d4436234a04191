//! The audit log as admins read it: each entry with its object's state before and after,
//! rendered as the same rows the listings print.

use super::billing::{InvoiceRow, MethodRow, ProfileRow};
use super::{RuleRow, SubscriptionRow, UserRow, datetime};
use crate::service::model::text::role_text;
use crate::service::model::types;
use serde::Serialize;

#[derive(Clone, Serialize)]
pub struct AuditRow {
    pub id: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl From<types::AuditEvent> for AuditRow {
    fn from(e: types::AuditEvent) -> Self {
        AuditRow {
            id: e.id,
            at: datetime(e.at),
            actor: e.actor,
            action: e.action,
            target: e.target,
            before: e.before.map(state_json),
            after: e.after.map(state_json),
        }
    }
}

impl AuditRow {
    /// The row's serde form (what `serde_json::to_value` makes of it, field for field), its
    /// states moved in rather than copied: a 1M-entry CSV copies no state twice.
    pub fn into_object(self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::Value;
        let state = |s: Option<Value>| s.unwrap_or(Value::Null);
        [
            ("id", Value::from(self.id)),
            ("at", Value::String(self.at)),
            ("actor", Value::String(self.actor)),
            ("action", Value::String(self.action)),
            ("target", Value::String(self.target)),
            ("before", state(self.before)),
            ("after", state(self.after)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// An audit entry's state as admins read it: the same rows the listings print.
pub fn state_json(state: types::AuditState) -> serde_json::Value {
    use types::AuditState as S;
    let json = |v: Result<serde_json::Value, serde_json::Error>| v.unwrap_or_default();
    match state {
        S::Licenses(l) => l.into(),
        S::Group(g) => serde_json::json!({
            "group": g.group.name,
            "description": g.group.description,
            "rule": g.group.rule,
            "licenses": g.licenses,
        }),
        S::User(u) => json(serde_json::to_value(UserRow::from(u))),
        S::Subscription(v) => json(serde_json::to_value(SubscriptionRow::from(v))),
        S::Roles(r) => r.into_iter().map(role_text).collect::<Vec<_>>().into(),
        S::Tenant(t) => serde_json::json!({
            "name": t.name,
            "country": t.country,
            "currency": t.currency,
            "default_usage_location": t.default_usage_location,
            "time_zone": t.time_zone,
        }),
        S::Product(p) => serde_json::json!({
            "product": p.part_number,
            "name": p.display_name,
            "price_monthly": p.price_monthly,
            "price_annual": p.price_annual,
            "trial": p.trial_available,
            "self_service": p.self_service,
        }),
        S::Catalog(c) => serde_json::json!({
            "products": c.products,
            "service_plans": c.service_plans,
            "products_added": c.products_added,
        }),
        S::PlanRules(r) => json(serde_json::to_value(
            r.into_iter().map(RuleRow::from).collect::<Vec<_>>(),
        )),
        S::BillingProfile(p) => json(serde_json::to_value(ProfileRow::from(p))),
        S::PaymentMethod(m) => json(serde_json::to_value(MethodRow::from(m))),
        S::Charge(c) => serde_json::json!({
            "line": c.line,
            "kind": crate::service::model::text::charge_kind_text(c.kind),
            "amount": c.amount,
            "currency": c.currency,
            "quantity": c.quantity,
        }),
        S::Invoice(i) => json(serde_json::to_value(InvoiceRow::from(i))),
        // Kept by an earlier seats as JSON: shown as it was.
        S::Recorded(text) => serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::AuditRow;

    #[test]
    fn a_row_as_an_object_is_its_serde_form() {
        let row = AuditRow {
            id: 7,
            at: "2026-12-03 10:00".into(),
            actor: "admin@contoso.com".into(),
            action: "license.add".into(),
            target: "user:ada@contoso.com".into(),
            before: None,
            after: Some(serde_json::json!({"licenses": ["SPE_E5"], "n": 1.5})),
        };
        let serde = serde_json::to_value(row.clone()).unwrap();
        let object = row.into_object();
        // In the same order (CSV's columns follow it) ...
        let keys: Vec<_> = serde.as_object().unwrap().keys().collect();
        assert_eq!(object.keys().collect::<Vec<_>>(), keys);
        // ... with the same values.
        assert_eq!(serde_json::Value::Object(object), serde);
    }
}
