//! seats' records in Graph's shapes: one spelling for the export and for `seats serve`.

use super::shapes::{
    self, AssignedLicense, CompanySubscription, Group, LicenseAssignmentState, LicenseUnits,
    ServicePlanInfo, SubscribedSku, User,
};
use crate::service::Session;
use crate::service::graph_ids::GraphKind;
use crate::service::model::catalog::ProductDetails;
use crate::service::model::licenses::LicensePool;
use crate::service::model::text;
use crate::service::model::types::{GroupLicense, SubscriptionStatus, SubscriptionView};
use crate::service::model::users::HoldingUser;
use anyhow::Result;
use std::collections::HashMap;

/// An instant as Graph writes it: RFC 3339 in UTC, to the second.
pub fn instant(ts: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// The instant a day of the tenant's calendar begins (a term's end is a day, kept by the
/// component as that day's midnight as if UTC).
pub fn start_of_day(zone: &str, day_as_utc: i64) -> i64 {
    let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
        return day_as_utc;
    };
    let Ok(local) = jiff::Timestamp::from_second(day_as_utc)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).datetime())
    else {
        return day_as_utc;
    };
    local
        .to_zoned(tz)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(day_as_utc)
}

/// What rendering needs beside the records: the tenant's ids and its groups' products.
pub struct Context {
    pub tenant: String,
    pub zone: String,
    /// Each group's Graph id and the products it gives, by the group's id here.
    pub groups: HashMap<u64, (String, Vec<GroupLicense>)>,
}

impl Context {
    pub fn new(s: &mut Session) -> Result<Context> {
        let tenant = s.graph_tenant_id()?;
        let zone = s.get_tenant()?.time_zone;
        let all = s.groups()?;
        let ids = s.graph_ids(
            GraphKind::Group,
            &all.iter().map(|g| g.id).collect::<Vec<_>>(),
        )?;
        let mut groups = HashMap::new();
        for (g, id) in all.into_iter().zip(ids) {
            // Not get-group: it counts the members, which a request must not pay for.
            let licenses = s.group_licenses(&g.id.to_string())?;
            groups.insert(g.id, (id, licenses));
        }
        Ok(Context {
            tenant,
            zone,
            groups,
        })
    }
}

/// A product the organisation has licenses of, with its units per state (G5).
pub fn sku(
    cx: &Context,
    pool: &LicensePool,
    product: &ProductDetails,
    subscriptions: Vec<String>,
) -> SubscribedSku {
    SubscribedSku {
        id: Some(format!("{}_{}", cx.tenant, pool.sku_id)),
        account_id: Some(cx.tenant.clone()),
        applies_to: Some("User".into()),
        capability_status: Some(
            if pool.enabled > 0 {
                "Enabled"
            } else if pool.warning > 0 {
                "Warning"
            } else {
                "Suspended"
            }
            .into(),
        ),
        consumed_units: i64::from(pool.assigned),
        prepaid_units: LicenseUnits {
            enabled: i64::from(pool.enabled),
            locked_out: 0,
            suspended: i64::from(pool.suspended),
            warning: i64::from(pool.warning),
        },
        service_plans: product
            .service_plans
            .iter()
            .map(|p| ServicePlanInfo {
                service_plan_id: p.id.clone(),
                service_plan_name: p.name.clone(),
                provisioning_status: Some("Success".into()),
                applies_to: Some("User".into()),
            })
            .collect(),
        sku_id: pool.sku_id.clone(),
        sku_part_number: pool.part_number.clone(),
        subscription_ids: subscriptions,
    }
}

/// A subscription as companySubscription; `owner` is a self-service purchaser's Graph id.
pub fn subscription(
    cx: &Context,
    v: &SubscriptionView,
    id: String,
    owner: Option<String>,
) -> CompanySubscription {
    let s = &v.subscription;
    let status = match s.status {
        SubscriptionStatus::Trial | SubscriptionStatus::Active => "Enabled",
        SubscriptionStatus::Expired => "Warning",
        SubscriptionStatus::Disabled => "Suspended",
        SubscriptionStatus::Deleted | SubscriptionStatus::Cancelled => "Deleted",
    };
    CompanySubscription {
        commerce_subscription_id: Some(id.clone()),
        id,
        created_date_time: Some(instant(s.created_at)),
        is_trial: s.status == SubscriptionStatus::Trial,
        next_lifecycle_date_time: Some(instant(start_of_day(&cx.zone, s.term_end))),
        owner_type: owner.as_ref().map(|_| "User".into()),
        owner_id: owner,
        owner_tenant_id: None,
        service_status: Vec::new(),
        sku_id: s.sku_id.clone(),
        sku_part_number: Some(v.part_number.clone()),
        status: status.into(),
        total_licenses: i64::from(s.quantity),
    }
}

/// A user with assignedLicenses and licenseAssignmentStates: the direct license and each
/// group's as Graph keeps them apart, and a group's products the user is in error for.
pub fn user(cx: &Context, h: &HoldingUser, id: String) -> User {
    let u = &h.user;
    let mut assigned = Vec::new();
    let mut states = Vec::new();
    let active =
        |group: Option<String>, off: Vec<String>, sku: &str, at: i64| LicenseAssignmentState {
            assigned_by_group: group,
            disabled_plans: off,
            error: Some("None".into()),
            last_updated_date_time: Some(instant(at)),
            sku_id: sku.to_string(),
            state: Some("Active".into()),
        };
    for a in &h.licenses {
        assigned.push(AssignedLicense {
            disabled_plans: a.disabled_plans.clone(),
            sku_id: a.sku_id.clone(),
        });
        if a.direct {
            let own = a
                .own_disabled_plans
                .clone()
                .unwrap_or_else(|| a.disabled_plans.clone());
            states.push(active(None, own, &a.sku_id, a.assigned_at));
        }
        for g in &a.groups {
            if let Some((gid, licenses)) = cx.groups.get(g) {
                let off = licenses
                    .iter()
                    .find(|l| l.sku_id == a.sku_id)
                    .map(|l| l.disabled_plans.clone())
                    .unwrap_or_default();
                states.push(active(Some(gid.clone()), off, &a.sku_id, a.assigned_at));
            }
        }
    }
    for e in &h.errors {
        if let Some((gid, licenses)) = cx.groups.get(&e.group_id) {
            for l in licenses {
                states.push(LicenseAssignmentState {
                    assigned_by_group: Some(gid.clone()),
                    disabled_plans: l.disabled_plans.clone(),
                    error: Some(text::graph_code_name(e.code).to_string()),
                    last_updated_date_time: Some(instant(e.since)),
                    sku_id: l.sku_id.clone(),
                    state: Some("Error".into()),
                });
            }
        }
    }
    User {
        id,
        user_principal_name: u.upn.clone(),
        display_name: Some(u.display_name.clone()),
        department: u.department.clone(),
        usage_location: u.usage_location.clone(),
        account_enabled: Some(u.enabled),
        assigned_licenses: assigned,
        license_assignment_states: Some(states),
    }
}

/// A group with the products its members inherit.
pub fn group(cx: &Context, g: &crate::service::model::types::Group) -> Group {
    let (id, licenses) = cx.groups.get(&g.id).cloned().unwrap_or_default();
    Group {
        id,
        display_name: g.name.clone(),
        description: g.description.clone(),
        group_types: g.rule.iter().map(|_| shapes::DYNAMIC.to_string()).collect(),
        mail_enabled: Some(false),
        security_enabled: Some(true),
        membership_rule: g.rule.clone(),
        membership_rule_processing_state: g.rule.as_ref().map(|_| "On".into()),
        assigned_licenses: licenses
            .into_iter()
            .map(|l| AssignedLicense {
                disabled_plans: l.disabled_plans,
                sku_id: l.sku_id,
            })
            .collect(),
    }
}
