//! A refusal as people, scripts and JSON read it: its kind (the WIT case's name), its message,
//! and its data as named fields (`e.available`, `e.reason`, `e.way_out`). The one place the
//! host spells a refusal.

use super::types::{BlockedReason, Error, GraphCode, ObjectKind};
use serde_json::{Map, Value, json};

use crate::bindings::text::graph_code_text as graph_code;

fn object_kind(k: ObjectKind) -> &'static str {
    match k {
        ObjectKind::User => "user",
        ObjectKind::Product => "product",
        ObjectKind::ServicePlan => "service-plan",
        ObjectKind::Subscription => "subscription",
        ObjectKind::License => "license",
        ObjectKind::BillingProfile => "billing-profile",
        ObjectKind::PaymentMethod => "payment-method",
        ObjectKind::Invoice => "invoice",
        ObjectKind::Tenant => "tenant",
        ObjectKind::IdempotencyKey => "idempotency-key",
        ObjectKind::Group => "group",
    }
}

fn blocked_reason(r: BlockedReason) -> &'static str {
    match r {
        BlockedReason::CreditCheckPending => "credit-check-pending",
        BlockedReason::Prepaid => "prepaid",
        BlockedReason::Reseller => "reseller",
        BlockedReason::Trial => "trial",
        BlockedReason::NoPaymentMethod => "no-payment-method",
        BlockedReason::CardExpired => "card-expired",
        BlockedReason::NotActive => "not-active",
        BlockedReason::NotProcessed => "not-processed",
        BlockedReason::CancelWindowClosed => "cancel-window-closed",
        BlockedReason::NotForSale => "not-for-sale",
        BlockedReason::NoPrice => "no-price",
        BlockedReason::RestoreWindowClosed => "restore-window-closed",
        BlockedReason::SelfServiceLicense => "self-service-license",
    }
}

impl Error {
    /// The case's name: `not-found`, `forbidden`, `insufficient-licenses`, `blocked`,
    /// `invalid`, `conflict`, or a violation's Graph code (`mutually-exclusive-violation`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not-found",
            Error::Forbidden(_) => "forbidden",
            Error::InsufficientLicenses(_) => "insufficient-licenses",
            Error::Blocked(_) => "blocked",
            Error::Invalid(_) => "invalid",
            Error::Conflict(_) => "conflict",
            Error::Violation(v) => graph_code(v.code),
        }
    }

    /// The message for people.
    pub fn text(&self) -> &str {
        match self {
            Error::NotFound(e) => &e.message,
            Error::Forbidden(f) => &f.message,
            Error::InsufficientLicenses(s) => &s.message,
            Error::Blocked(b) => &b.message,
            Error::Invalid(i) => &i.message,
            Error::Conflict(m) => m,
            Error::Violation(v) => &v.message,
        }
    }

    /// The refusal as named fields: `kind`, `message`, and its data.
    pub fn fields(&self) -> Map<String, Value> {
        let data = match self {
            Error::NotFound(e) => json!({"what": object_kind(e.what), "key": e.key}),
            Error::Forbidden(f) => json!({
                "needed_role": f.needed_role.map(crate::bindings::text::role_text),
            }),
            Error::InsufficientLicenses(s) => json!({
                "code": graph_code(GraphCode::CountViolation),
                "product": s.product,
                "subscription": s.subscription,
                "upn": s.upn,
                "requested": s.requested,
                "available": s.available,
                "total": s.total,
            }),
            Error::Blocked(b) => json!({"reason": blocked_reason(b.reason), "way_out": b.way_out}),
            Error::Invalid(i) => json!({"field": i.field}),
            Error::Conflict(_) => json!({}),
            Error::Violation(v) => json!({"code": graph_code(v.code)}),
        };
        let mut out = Map::new();
        out.insert("kind".into(), self.kind().into());
        out.insert("message".into(), self.text().into());
        if let Value::Object(data) = data {
            out.extend(data);
        }
        out
    }
}
