//! The records admins read, built from the store's rows: a subscription with its product's
//! names, and a user's licenses with each service plan on or off.

use crate::Store;
use crate::exports::seats::licensing::licenses::UserLicense;
use crate::exports::seats::licensing::subscriptions::SubscriptionView;
use crate::types::{Assignment, Product, ServicePlan, Subscription, User};

pub fn subscription<S: Store + ?Sized>(store: &S, subscription: Subscription) -> SubscriptionView {
    let product = store.get_product(&subscription.sku_id);
    SubscriptionView {
        part_number: product
            .as_ref()
            .map(|p| p.part_number.clone())
            .unwrap_or_default(),
        display_name: product.map(|p| p.display_name).unwrap_or_default(),
        subscription,
    }
}

pub fn license<S: Store + ?Sized>(
    store: &S,
    user: &User,
    product: &Product,
    plans: Vec<ServicePlan>,
    a: &Assignment,
) -> UserLicense {
    let (disabled, enabled) = plans
        .into_iter()
        .partition(|p| a.disabled_plans.contains(&p.id));
    UserLicense {
        upn: user.upn.clone(),
        sku_id: product.sku_id.clone(),
        part_number: product.part_number.clone(),
        enabled_plans: enabled,
        disabled_plans: disabled,
        assigned_at: a.assigned_at,
        assigned_by: a.assigned_by.clone(),
        direct: a.direct,
        groups: a
            .groups
            .iter()
            .map(|g| {
                store
                    .get_group(*g)
                    .map_or_else(|| g.to_string(), |g| g.name)
            })
            .collect(),
    }
}

/// Every license the user holds, with its plans on and off.
pub fn licenses_of<S: Store + ?Sized>(store: &S, user: &User) -> Vec<UserLicense> {
    let assignments = store.assignments_of(user.id);
    let skus: Vec<String> = assignments.iter().map(|a| a.sku_id.clone()).collect();
    let plans = store.plans_of(&skus);
    assignments
        .iter()
        .zip(plans)
        .filter_map(|(a, plans)| {
            Some(license(
                store,
                user,
                &store.get_product(&a.sku_id)?,
                plans,
                a,
            ))
        })
        .collect()
}

/// A subscription's status as a sentence says it.
pub fn status(status: crate::types::SubscriptionStatus) -> &'static str {
    use crate::types::SubscriptionStatus::*;
    match status {
        Trial => "a trial",
        Active => "active",
        Expired => "expired",
        Disabled => "disabled",
        Deleted => "deleted",
        Cancelled => "cancelled",
    }
}
