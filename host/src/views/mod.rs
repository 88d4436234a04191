//! What the CLI (and scripts) show: flat, named fields, the same in a table, JSON and CSV.

use crate::service::model::text::{
    billing_text, channel_text, kind_text, role_text, state_text, status_text, workload_text,
};
use crate::service::model::{catalog, licenses, subscriptions, tenant, types};
use serde::Serialize;

pub mod audit;
pub mod billing;
pub mod changes;
pub mod groups;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub fn datetime(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ts.to_string())
}

pub fn date(ts: i64) -> String {
    datetime(ts).chars().take(10).collect()
}

#[derive(Serialize)]
pub struct LicenseRow {
    pub product: String,
    pub name: String,
    pub sku_id: String,
    pub total: u32,
    pub assigned: u32,
    pub available: i64,
    pub enabled: u32,
    pub warning: u32,
    pub suspended: u32,
    pub users_needing_license: u32,
    /// Empty unless the product is in conflict (C2).
    pub status: String,
}

impl From<licenses::LicensePool> for LicenseRow {
    fn from(p: licenses::LicensePool) -> Self {
        // C2, G5: who needs a license, and why: units in their grace period or suspended.
        let mut status = match p.users_needing_license {
            0 => String::new(),
            1 => "1 user needs a valid license".into(),
            n => format!("{n} users need a valid license"),
        };
        if p.users_needing_license > 0 {
            let mut why = Vec::new();
            if p.warning > 0 {
                why.push(format!("{} expired, in their grace period", p.warning));
            }
            if p.suspended > 0 {
                why.push(format!("{} suspended", p.suspended));
            }
            if why.is_empty() {
                why.push("licenses were removed or ended".into());
            }
            status = format!("{status}: {}", why.join(", "));
        }
        LicenseRow {
            product: p.part_number,
            name: p.display_name,
            sku_id: p.sku_id,
            total: p.total,
            assigned: p.assigned,
            available: p.available,
            enabled: p.enabled,
            warning: p.warning,
            suspended: p.suspended,
            users_needing_license: p.users_needing_license,
            status,
        }
    }
}

#[derive(Serialize)]
pub struct ConflictRow {
    pub product: String,
    pub name: String,
    pub assigned: u32,
    pub enabled: u32,
    pub users_needing_license: u32,
    pub renewable_subscriptions: Vec<u64>,
    pub resolutions: Vec<String>,
}

impl From<licenses::LicenseConflict> for ConflictRow {
    fn from(c: licenses::LicenseConflict) -> Self {
        ConflictRow {
            product: c.pool.part_number,
            name: c.pool.display_name,
            assigned: c.pool.assigned,
            enabled: c.pool.enabled,
            users_needing_license: c.pool.users_needing_license,
            renewable_subscriptions: c.renewable,
            resolutions: c.resolutions,
        }
    }
}

#[derive(Serialize)]
pub struct LifecycleRow {
    pub subscription: u64,
    pub product: String,
    pub change: &'static str,
    pub was: &'static str,
    pub now: &'static str,
    pub at: String,
}

impl From<subscriptions::LifecycleEvent> for LifecycleRow {
    fn from(e: subscriptions::LifecycleEvent) -> Self {
        LifecycleRow {
            subscription: e.subscription,
            product: e.part_number,
            change: match e.change {
                subscriptions::LifecycleChange::Renewed => "renewed",
                subscriptions::LifecycleChange::Converted => "trial converted",
                subscriptions::LifecycleChange::Expired => "expired",
                subscriptions::LifecycleChange::Disabled => "disabled",
                subscriptions::LifecycleChange::Deleted => "deleted",
            },
            was: status_text(e.was),
            now: status_text(e.now),
            at: date(e.at),
        }
    }
}

#[derive(Serialize)]
pub struct SelfServiceRow {
    pub id: u64,
    pub product: String,
    pub name: String,
    pub purchaser: String,
    pub purchaser_name: String,
    pub quantity: u32,
    pub status: &'static str,
    pub expires: String,
    pub price: Option<String>,
    pub assigned: Vec<String>,
}

impl From<subscriptions::SelfServiceView> for SelfServiceRow {
    fn from(v: subscriptions::SelfServiceView) -> Self {
        SelfServiceRow {
            id: v.subscription.id,
            product: v.part_number,
            name: v.display_name,
            purchaser: v.subscription.purchaser.unwrap_or_default(),
            purchaser_name: v.purchaser_name,
            quantity: v.subscription.quantity,
            status: status_text(v.subscription.status),
            expires: date(v.subscription.term_end),
            price: v.price,
            assigned: v.assigned,
        }
    }
}

#[derive(Serialize)]
pub struct SubscriptionRow {
    pub id: u64,
    pub product: String,
    pub name: String,
    pub quantity: u32,
    pub status: &'static str,
    pub billing: &'static str,
    pub channel: &'static str,
    pub recurring: bool,
    pub bought: String,
    pub term_end: String,
    pub purchaser: Option<String>,
    /// Why it was cancelled (S5), when it was.
    pub cancelled_because: Option<&'static str>,
}

impl From<subscriptions::SubscriptionView> for SubscriptionRow {
    fn from(v: subscriptions::SubscriptionView) -> Self {
        let s = v.subscription;
        SubscriptionRow {
            id: s.id,
            product: v.part_number,
            name: v.display_name,
            quantity: s.quantity,
            status: status_text(s.status),
            billing: billing_text(s.billing),
            // A product-key subscription is prepaid, as the admin center says (S3, B5).
            channel: match s.channel {
                types::PurchaseChannel::ProductKey => "prepaid",
                other => channel_text(other),
            },
            recurring: s.recurring,
            bought: date(s.created_at),
            term_end: date(s.term_end),
            purchaser: s.purchaser,
            cancelled_because: s
                .cancellation
                .map(|c| crate::service::model::text::reason_text(c.reason)),
        }
    }
}

#[derive(Serialize)]
pub struct UserRow {
    pub upn: String,
    pub display_name: String,
    pub department: Option<String>,
    pub usage_location: Option<String>,
    pub enabled: bool,
    pub kind: &'static str,
    pub mailbox_gb: u32,
    pub retention_hold: bool,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
}

impl From<types::User> for UserRow {
    fn from(u: types::User) -> Self {
        UserRow {
            upn: u.upn,
            display_name: u.display_name,
            department: u.department,
            usage_location: u.usage_location,
            enabled: u.enabled,
            kind: kind_text(u.kind),
            mailbox_gb: u.mailbox_gb,
            retention_hold: u.retention_hold,
            created: date(u.created_at),
            deleted: u.deleted_at.map(date),
        }
    }
}

#[derive(Serialize)]
pub struct PlanRow {
    pub id: String,
    pub name: String,
    pub friendly_name: String,
}

impl From<types::ServicePlan> for PlanRow {
    fn from(p: types::ServicePlan) -> Self {
        PlanRow {
            id: p.id,
            name: p.name,
            friendly_name: p.friendly_name,
        }
    }
}

#[derive(Serialize)]
pub struct UserLicenseRow {
    pub upn: String,
    pub product: String,
    pub sku_id: String,
    pub enabled_plans: Vec<String>,
    pub disabled_plans: Vec<String>,
    pub assigned_at: String,
    pub assigned_by: String,
    /// Where it comes from (GL3): `direct`, `group Staff`, `direct, group Staff`.
    pub source: String,
}

impl From<licenses::UserLicense> for UserLicenseRow {
    fn from(l: licenses::UserLicense) -> Self {
        UserLicenseRow {
            upn: l.upn,
            product: l.part_number,
            sku_id: l.sku_id,
            enabled_plans: l.enabled_plans.into_iter().map(|p| p.name).collect(),
            disabled_plans: l.disabled_plans.into_iter().map(|p| p.name).collect(),
            assigned_at: datetime(l.assigned_at),
            assigned_by: l.assigned_by,
            source: l
                .direct
                .then(|| "direct".to_string())
                .into_iter()
                .chain(l.groups.into_iter().map(|g| format!("group {g}")))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

#[derive(Serialize)]
pub struct ProductRow {
    pub product: String,
    pub name: String,
    pub sku_id: String,
    pub price_monthly: Option<String>,
    pub price_annual: Option<String>,
    pub trial: bool,
    pub service_plans: Vec<PlanRow>,
}

impl From<catalog::ProductDetails> for ProductRow {
    fn from(d: catalog::ProductDetails) -> Self {
        let p = d.product;
        ProductRow {
            product: p.part_number,
            name: p.display_name,
            sku_id: p.sku_id,
            price_monthly: p.price_monthly,
            price_annual: p.price_annual,
            trial: p.trial_available,
            service_plans: d.service_plans.into_iter().map(PlanRow::from).collect(),
        }
    }
}

/// Products as the catalog lists them: by part number, then GUID.
pub fn product_rows(products: Vec<catalog::ProductDetails>) -> Vec<ProductRow> {
    let mut rows: Vec<ProductRow> = products.into_iter().map(ProductRow::from).collect();
    rows.sort_by(|a, b| {
        a.product
            .to_lowercase()
            .cmp(&b.product.to_lowercase())
            .then(a.sku_id.cmp(&b.sku_id))
    });
    rows
}

#[derive(Serialize)]
pub struct RoleRow {
    pub upn: String,
    pub role: &'static str,
}

pub fn role_row(upn: &str, r: types::Role) -> RoleRow {
    RoleRow {
        upn: upn.to_string(),
        role: role_text(r),
    }
}

/// One row of the role table: an operation and who may do it.
#[derive(Serialize)]
pub struct RoleRuleRow {
    pub operation: &'static str,
    pub roles: String,
    pub users_without_a_role: &'static str,
    pub covers: String,
}

pub fn role_rule_row(r: tenant::RoleRule) -> RoleRuleRow {
    use types::Operation as O;
    RoleRuleRow {
        operation: match r.operation {
            O::Read => "read",
            O::AssignLicense => "assign-license",
            O::RemoveLicense => "remove-license",
            O::ManageUsers => "manage-users",
            O::DeleteUser => "delete-user",
            O::BuyLicenses => "buy-licenses",
            O::ManageBilling => "manage-billing",
            O::Process => "process",
            O::TakeOver => "take-over",
            O::ManagePrices => "manage-prices",
            O::ImportCatalog => "import-catalog",
            O::GrantRoles => "grant-roles",
            O::TenantSettings => "tenant-settings",
            O::MoveClock => "move-clock",
            O::BuySelfService => "buy-self-service",
            O::ManageGroups => "manage-groups",
        },
        roles: r
            .roles
            .iter()
            .map(|r| role_text(*r))
            .collect::<Vec<_>>()
            .join(", "),
        users_without_a_role: match r.members {
            tenant::MemberAccess::NotAllowed => "no",
            tenant::MemberAccess::AnyUser => "yes",
            tenant::MemberAccess::OwnPurchases => "their own self-service purchases",
        },
        covers: r.description,
    }
}

/// One user's result in a bulk change.
#[derive(Serialize)]
pub struct OutcomeRow {
    pub upn: String,
    /// ok, unchanged, or the refusal's kind.
    pub result: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub message: String,
    /// The refusal's data (`available`, `reason`, `way_out`, ...); null when none.
    pub refusal: Option<serde_json::Map<String, serde_json::Value>>,
}

impl OutcomeRow {
    /// The rows of a bulk result; when it was rolled back, users that would have been
    /// changed show `rolled-back`.
    pub fn all(result: licenses::BulkResult) -> Vec<OutcomeRow> {
        let rolled_back = result.rolled_back;
        result
            .outcomes
            .into_iter()
            .map(|o| {
                let mut row = OutcomeRow::from(o);
                if rolled_back && row.result == "unchanged" && row.message.is_empty() {
                    row.result = "rolled-back".into();
                }
                row
            })
            .collect()
    }
}

/// What a bulk change over a filter did: the counts, and the failures listed.
#[derive(Serialize)]
pub struct BulkSummaryView {
    #[serde(flatten)]
    pub counts: BulkCounts,
    pub failures: Vec<OutcomeRow>,
}

#[derive(Serialize)]
pub struct BulkCounts {
    pub selected: u32,
    pub applied: u32,
    pub unchanged: u32,
    pub failed: u32,
    pub rolled_back: bool,
}

impl From<crate::service::model::bulk::BulkSummary> for BulkSummaryView {
    fn from(s: crate::service::model::bulk::BulkSummary) -> Self {
        BulkSummaryView {
            counts: BulkCounts {
                selected: s.selected,
                applied: s.applied,
                unchanged: s.unchanged,
                failed: s.failed,
                rolled_back: s.rolled_back,
            },
            failures: s.failures.into_iter().map(OutcomeRow::from).collect(),
        }
    }
}

impl From<licenses::UserOutcome> for OutcomeRow {
    fn from(o: licenses::UserOutcome) -> Self {
        OutcomeRow {
            upn: o.upn,
            result: match &o.error {
                Some(e) => e.kind().to_string(),
                None if o.changed => "ok".into(),
                None => "unchanged".into(),
            },
            message: o
                .error
                .as_ref()
                .map(|e| e.text().to_string())
                .unwrap_or_default(),
            refusal: o.error.as_ref().map(|e| e.fields()),
            before: o.before,
            after: o.after,
        }
    }
}

/// What a license provisions for one user, and what is left of it (L4, L7).
#[derive(Serialize)]
pub struct ServiceDataRow {
    pub workload: &'static str,
    pub state: &'static str,
    pub since: String,
    pub until: Option<String>,
}

impl From<types::ServiceData> for ServiceDataRow {
    fn from(d: types::ServiceData) -> Self {
        ServiceDataRow {
            workload: workload_text(d.workload),
            state: state_text(d.state),
            since: date(d.since),
            until: d.until.map(date),
        }
    }
}

#[derive(Serialize)]
pub struct RuleRow {
    pub kind: &'static str,
    pub name: String,
    pub plans: Vec<String>,
}

impl From<types::PlanRule> for RuleRow {
    fn from(r: types::PlanRule) -> Self {
        RuleRow {
            kind: match r.kind {
                types::PlanRuleKind::Exclusive => "exclusive",
                types::PlanRuleKind::Requires => "requires",
            },
            name: r.name,
            plans: r.plans,
        }
    }
}
