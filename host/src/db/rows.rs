//! Reading the `store` import's rows: the columns each query selects, the readers of a row
//! (with the enums still text, decoded after), and where the rows of a batch of ids go.

use crate::bindings::text::{billing_from, channel_from, kind_from, status_from};
use crate::bindings::types::*;
use rusqlite::Row;
use wasmtime::Result;

pub(super) const PRODUCT_COLUMNS: &str =
    "sku_id, part_number, display_name, price_monthly, price_annual, trial_available, self_service";
pub(super) const SUBSCRIPTION_COLUMNS: &str = "id, sku_id, quantity, status, billing, channel, recurring, created_at, term_end, anchor, terms, purchaser, \
     billing_profile, payment_method, partner, credit_check_until, cancelled_at, cancel_reason, cancel_feedback";
pub(super) const USER_COLUMNS: &str = "id, upn, display_name, department, usage_location, enabled, kind, created_at, \
     deleted_at, mailbox_gb, retention_hold";

pub(super) fn product(r: &Row) -> rusqlite::Result<Product> {
    Ok(Product {
        sku_id: r.get(0)?,
        part_number: r.get(1)?,
        display_name: r.get(2)?,
        price_monthly: r.get(3)?,
        price_annual: r.get(4)?,
        trial_available: r.get(5)?,
        self_service: r.get(6)?,
    })
}

/// Rows whose text columns still need decoding into enums.
pub(super) struct RawSubscription(
    Subscription,
    String,
    String,
    String,
    Option<(i64, String, Option<String>)>,
);

pub(super) fn subscription(r: &Row) -> rusqlite::Result<RawSubscription> {
    Ok(RawSubscription(
        Subscription {
            id: r.get::<_, i64>(0)? as u64,
            sku_id: r.get(1)?,
            quantity: r.get(2)?,
            status: SubscriptionStatus::Active,
            billing: BillingFrequency::Monthly,
            channel: PurchaseChannel::Direct,
            recurring: r.get(6)?,
            created_at: r.get(7)?,
            term_end: r.get(8)?,
            anchor: r.get(9)?,
            terms: r.get(10)?,
            purchaser: r.get(11)?,
            billing_profile: r.get::<_, Option<i64>>(12)?.map(|v| v as u64),
            payment_method: r.get::<_, Option<i64>>(13)?.map(|v| v as u64),
            partner: r.get(14)?,
            credit_check_until: r.get(15)?,
            cancellation: None,
        },
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        match r.get::<_, Option<i64>>(16)? {
            Some(at) => Some((at, r.get(17)?, r.get(18)?)),
            None => None,
        },
    ))
}

pub(super) fn decode_subscription(raw: RawSubscription) -> Result<Subscription> {
    let RawSubscription(mut s, status, billing, channel, cancelled) = raw;
    s.cancellation = cancelled
        .map(|(at, reason, feedback)| -> Result<Cancellation> {
            Ok(Cancellation {
                at,
                reason: crate::bindings::text::reason_from(&reason)?,
                feedback,
            })
        })
        .transpose()?;
    s.status = status_from(&status)?;
    s.billing = billing_from(&billing)?;
    s.channel = channel_from(&channel)?;
    Ok(s)
}

pub(super) struct RawUser(User, String);

pub(super) fn user(r: &Row) -> rusqlite::Result<RawUser> {
    user_at(r, 0)
}

/// A user from `USER_COLUMNS` starting at column `at`.
pub(super) fn user_at(r: &Row, at: usize) -> rusqlite::Result<RawUser> {
    Ok(RawUser(
        User {
            id: r.get::<_, i64>(at)? as u64,
            upn: r.get(at + 1)?,
            display_name: r.get(at + 2)?,
            department: r.get(at + 3)?,
            usage_location: r.get(at + 4)?,
            enabled: r.get(at + 5)?,
            kind: UserKind::User,
            created_at: r.get(at + 7)?,
            deleted_at: r.get(at + 8)?,
            mailbox_gb: r.get(at + 9)?,
            retention_hold: r.get(at + 10)?,
        },
        r.get(at + 6)?,
    ))
}

pub(super) fn decode_user(raw: RawUser) -> Result<User> {
    let RawUser(mut u, kind) = raw;
    u.kind = kind_from(&kind)?;
    Ok(u)
}

/// Positions in the answer of each asked id.
pub(super) type Slots = std::collections::HashMap<u64, Vec<usize>>;

/// Where each asked id goes in the answer (the positions it was asked at), and the id range
/// to scan when the ids are dense enough that one range scan beats a lookup per id.
pub(super) fn batch_slots(ids: &[u64]) -> (Slots, Option<(i64, i64)>) {
    let mut slots: std::collections::HashMap<u64, Vec<usize>> =
        std::collections::HashMap::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        slots.entry(*id).or_default().push(i);
    }
    let (lo, hi) = (ids.iter().min(), ids.iter().max());
    let range = match (lo, hi) {
        (Some(&lo), Some(&hi)) if slots.len() >= 64 && hi - lo < 4 * slots.len() as u64 => {
            Some((lo as i64, hi as i64))
        }
        _ => None,
    };
    (slots, range)
}

/// The columns `assignment_row` reads, in its order, from `ASSIGNMENTS` (an assignment names
/// its product by key, the join gives its GUID back; and who assigned it by word id, schema
/// 13, named by `assignment_row` from the few it has seen: a subquery per row cost 0.6-0.9 s
/// over the 1M tenant's 1.9M assignments).
pub(super) const ASSIGNMENT_COLUMNS: &str = "a.user_id, p.sku_id, a.assigned_at, a.assigned_by, a.subscription, a.direct, a.groups, a.own_disabled, a.disabled";
pub(super) const ASSIGNMENTS: &str = "assignments a JOIN products p ON p.id = a.product";
/// `ASSIGNMENT_COLUMNS` with the product's key in place of its GUID, for `keyed_assignment_row`.
pub(super) const KEYED_ASSIGNMENT_COLUMNS: &str = "a.user_id, a.product, a.assigned_at, a.assigned_by, a.subscription, a.direct, a.groups, a.own_disabled, a.disabled";

/// An assignment row. Its groups are ids joined by commas, the direct source's own plans and
/// the disabled plans JSON arrays (GL2); each NULL when none. `assigners` names who assigned
/// (`audit_words`).
pub(super) fn assignment_row(
    r: &Row,
    assigners: &mut super::audit::Names,
) -> rusqlite::Result<Assignment> {
    assignment_of(r, r.get(1)?, assigners)
}

/// An assignment row whose product is the key (`products.id`, column 1), not joined: the
/// keys named once each from `products` (a join and a sort by GUID cost 1.3 s of 1.6 over
/// the 1M tenant's 1.9M assignments, in sqlite3).
pub(super) fn keyed_assignment_row(
    r: &Row,
    products: &mut super::audit::Names,
    assigners: &mut super::audit::Names,
) -> rusqlite::Result<Assignment> {
    let sku = products.name(r.get(1)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Integer, e.into())
    })?;
    assignment_of(r, sku, assigners)
}

fn assignment_of(
    r: &Row,
    sku_id: String,
    assigners: &mut super::audit::Names,
) -> rusqlite::Result<Assignment> {
    let groups: Option<String> = r.get(6)?;
    let own: Option<String> = r.get(7)?;
    let disabled: Option<String> = r.get(8)?;
    let bad = |e: String| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
    };
    Ok(Assignment {
        user_id: r.get::<_, i64>(0)? as u64,
        sku_id,
        disabled_plans: match disabled {
            Some(d) => serde_json::from_str(&d).map_err(|e| bad(e.to_string()))?,
            None => Vec::new(),
        },
        assigned_at: r.get(2)?,
        assigned_by: assigners.name(r.get(3)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Integer, e.into())
        })?,
        subscription: r.get::<_, Option<i64>>(4)?.map(|s| s as u64),
        direct: r.get(5)?,
        groups: match groups {
            Some(g) => g
                .split(',')
                .map(|id| id.parse::<u64>().map_err(|e| bad(e.to_string())))
                .collect::<rusqlite::Result<_>>()?,
            None => Vec::new(),
        },
        own_disabled_plans: own
            .map(|o| serde_json::from_str(&o).map_err(|e| bad(e.to_string())))
            .transpose()?,
    })
}

/// How an assignment's disabled plans are stored: sorted, once each, NULL when none.
pub(super) fn disabled_column(a: &Assignment) -> Option<String> {
    let mut plans: Vec<&String> = a.disabled_plans.iter().collect();
    plans.sort();
    plans.dedup();
    (!plans.is_empty()).then(|| serde_json::to_string(&plans).unwrap_or_default())
}

/// How an assignment's sources are stored (see `assignment_row`).
pub(super) fn sources_columns(a: &Assignment) -> (Option<String>, Option<String>) {
    let groups = (!a.groups.is_empty()).then(|| {
        a.groups
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    let own = a
        .own_disabled_plans
        .as_ref()
        .map(|o| serde_json::to_string(o).unwrap_or_default());
    (groups, own)
}

pub(super) fn decode_service_data(raw: (i64, i64, i64, i64, Option<i64>)) -> Result<ServiceData> {
    use super::codes::{state_of, workload_of};
    let (user_id, workload, state, since, until) = raw;
    Ok(ServiceData {
        user_id: user_id as u64,
        workload: workload_of(workload)?,
        state: state_of(state)?,
        since,
        until,
    })
}
