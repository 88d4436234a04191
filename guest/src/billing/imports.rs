//! Subscriptions bought outside seats, recorded as they stand (an import of a tenant from
//! Microsoft Graph): nothing is charged. A paid one is billed by whoever sold it, so its
//! quantity is changed there (S3); a trial ends unless it is bought (S6).

use super::payments;
use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, invalid};
use crate::exports::seats::licensing::subscriptions::{ExistingSubscription, SubscriptionView};
use crate::types::{
    BillingFrequency, Operation, PurchaseChannel, Subscription, SubscriptionStatus,
};
use crate::{Store, calendar, catalog, validate, view};
use std::collections::BTreeSet;

/// Most subscriptions one call records (a tenant has tens; Graph pages at 999).
pub const MAX_IMPORT: usize = 10_000;

/// Records the subscriptions, all or none, in the order given.
pub fn import<S: Store + ?Sized>(
    cx: &Cx<S>,
    existing: &[ExistingSubscription],
) -> Result<Vec<SubscriptionView>> {
    cx.require(Operation::BuyLicenses)?;
    if existing.len() > MAX_IMPORT {
        return Err(invalid(
            "subscriptions",
            format!(
                "{} subscriptions in one call: import at most {MAX_IMPORT} at a time",
                existing.len()
            ),
        ));
    }
    let zone = cx.store.get_tenant().map(|t| t.time_zone);
    let local = |ts| zone.as_deref().map_or(ts, |z| calendar::local(z, ts));
    // Everything is checked before anything is written: all or none.
    let mut planned = Vec::with_capacity(existing.len());
    for (i, e) in existing.iter().enumerate() {
        planned.push(plan(cx, e, &local).map_err(|err| at(i, err))?);
    }
    let profile = if planned
        .iter()
        .any(|s| s.status == SubscriptionStatus::Trial)
    {
        Some(payments::default_profile(cx, true)?.id)
    } else {
        None
    };
    let mut skus = BTreeSet::new();
    let mut views = Vec::with_capacity(planned.len());
    for mut s in planned {
        if s.status == SubscriptionStatus::Trial {
            s.billing_profile = profile;
        }
        s.id = cx.store.insert_subscription(&s);
        cx.audit(
            "subscription.import",
            format!("subscription:{}", s.id),
            audited::NOTHING,
            Some(&s),
        );
        skus.insert(s.sku_id.clone());
        views.push(view::subscription(cx.store, s));
    }
    // GL8: members waiting for these products' licenses get them now.
    crate::bulk::serve_waiting(cx, &skus)?;
    Ok(views)
}

fn plan<S: Store + ?Sized>(
    cx: &Cx<S>,
    e: &ExistingSubscription,
    local: &impl Fn(i64) -> i64,
) -> Result<Subscription> {
    let product = catalog::resolve(cx.store, &e.product)?;
    let quantity = validate::quantity("quantity", e.quantity)?;
    if e.status == SubscriptionStatus::Cancelled {
        return Err(invalid(
            "status",
            "a cancelled subscription holds no licenses: leave it out of the import",
        ));
    }
    // A term is dated by the tenant's days, as a purchase's is.
    let end = calendar::date_of(local(e.term_end));
    if calendar::start_of(end) <= calendar::start_of(calendar::date_of(local(e.created_at))) {
        return Err(invalid(
            "term-end",
            "the term ends on or before the day the subscription was created: give the day its \
             current term ends (Graph's nextLifecycleDateTime)",
        ));
    }
    let trial = e.status == SubscriptionStatus::Trial;
    let partner = if trial {
        None
    } else {
        let p = e.partner.as_deref().map(str::trim).unwrap_or_default();
        if validate::text("partner", p, 200).is_err() {
            return Err(invalid(
                "partner",
                "name who bills the subscription (1 to 200 characters on one line)",
            ));
        }
        Some(p.to_string())
    };
    let billing = if trial {
        BillingFrequency::Monthly
    } else {
        e.billing
    };
    let anchor = calendar::months_before(end, calendar::term_months(billing));
    Ok(Subscription {
        id: 0,
        sku_id: product.sku_id,
        quantity,
        status: e.status,
        billing,
        channel: if trial {
            PurchaseChannel::Direct
        } else {
            PurchaseChannel::Reseller
        },
        // Renewed by whoever sells it; a trial ends unless it is bought.
        recurring: !trial,
        created_at: e.created_at,
        anchor: calendar::start_of(anchor),
        terms: 1,
        term_end: calendar::start_of(end),
        purchaser: None,
        billing_profile: None,
        payment_method: None,
        partner,
        credit_check_until: None,
        cancellation: None,
    })
}

/// The refusal, saying which subscription of the list it is about.
fn at(i: usize, err: crate::types::Error) -> crate::types::Error {
    err.prefixed(&format!("subscription {} of the import: ", i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::{Error, Role};

    const DAY: i64 = 86_400;

    fn existing(product: &str, quantity: i64, status: SubscriptionStatus) -> ExistingSubscription {
        ExistingSubscription {
            product: product.into(),
            quantity,
            status,
            created_at: NOW - 200 * DAY,
            term_end: NOW + 165 * DAY + 3600,
            billing: BillingFrequency::Annual,
            partner: Some("Microsoft".into()),
        }
    }

    fn pool(store: &crate::memory::MemoryStore, part: &str) -> (u32, u32, u32) {
        let p = crate::licenses::page(&admin(store))
            .unwrap()
            .into_iter()
            .find(|p| p.part_number == part)
            .unwrap();
        (p.enabled, p.warning, p.suspended)
    }

    #[test]
    fn s3_an_imported_subscription_is_billed_and_changed_by_who_sold_it() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let views = import(&cx, &[existing("SPE_E3", 10, SubscriptionStatus::Active)]).unwrap();
        let s = &views[0].subscription;
        assert_eq!(
            (s.channel, s.partner.as_deref()),
            (PurchaseChannel::Reseller, Some("Microsoft"))
        );
        assert_eq!(pool(&store, "SPE_E3"), (10, 0, 0));
        // Nothing charged; the quantity is the partner's to change.
        assert!(
            crate::billing::invoices::pending(&cx, None)
                .unwrap()
                .is_empty()
        );
        let err = crate::subscriptions::set_quantity(&cx, s.id, 11).unwrap_err();
        assert!(
            matches!(&err, Error::Blocked(b) if b.message.contains("partner")),
            "{err:?}"
        );
    }

    #[test]
    fn s6_g5_imported_states_count_in_the_pool_as_graphs_units() {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let mut trial = existing("SPE_E5", 25, SubscriptionStatus::Trial);
        trial.partner = None;
        import(
            &cx,
            &[
                trial,
                existing("SPE_E5", 4, SubscriptionStatus::Expired),
                existing("SPE_E5", 3, SubscriptionStatus::Disabled),
                existing("SPE_E5", 7, SubscriptionStatus::Deleted),
            ],
        )
        .unwrap();
        assert_eq!(pool(&store, "SPE_E5"), (25, 4, 3));
        let t = &crate::subscriptions::list(&cx).unwrap()[0].subscription;
        // A trial is the organisation's, free, and ends unless bought.
        assert_eq!(
            (t.channel, t.recurring, t.partner.clone()),
            (PurchaseChannel::Direct, false, None)
        );
        assert!(t.billing_profile.is_some());
    }

    #[test]
    fn s4_an_imported_term_keeps_its_end_day_and_began_one_term_before() {
        let (store, _) = tenant_with_catalog();
        let e = existing("SPE_E3", 1, SubscriptionStatus::Active);
        let s = import(&admin(&store), std::slice::from_ref(&e)).unwrap()[0]
            .subscription
            .clone();
        let end = calendar::date_of(e.term_end);
        assert_eq!(s.term_end, calendar::start_of(end));
        assert_eq!(
            calendar::date_of(s.anchor),
            calendar::months_before(end, 12)
        );
        assert_eq!(calendar::term_end(s.anchor, s.terms, s.billing), s.term_end);
        assert_eq!(s.created_at, e.created_at);
    }

    #[test]
    fn an_import_with_one_bad_subscription_records_none_and_names_it() {
        let (store, _) = tenant_with_catalog();
        let before = store.snapshot();
        let cx = admin(&store);
        let mut ended = existing("SPE_E3", 1, SubscriptionStatus::Active);
        ended.term_end = ended.created_at;
        let mut nobody = existing("SPE_E3", 1, SubscriptionStatus::Active);
        nobody.partner = Some("  ".into());
        for (bad, says) in [
            (
                existing("NOT_A_SKU", 1, SubscriptionStatus::Active),
                "NOT_A_SKU",
            ),
            (
                existing("SPE_E3", 0, SubscriptionStatus::Active),
                "licenses",
            ),
            (
                existing("SPE_E3", 1, SubscriptionStatus::Cancelled),
                "cancelled",
            ),
            (ended, "term ends"),
            (nobody, "bills"),
        ] {
            let ok = existing("SPE_E3", 5, SubscriptionStatus::Active);
            let err = import(&cx, &[ok, bad]).unwrap_err();
            assert!(
                err.text().starts_with("subscription 2 of the import: "),
                "{err:?}"
            );
            assert!(err.text().contains(says), "{err:?}");
            assert_eq!(store.snapshot(), before);
        }
    }

    #[test]
    fn r2_importing_subscriptions_is_for_global_and_billing_admins() {
        let (store, _) = tenant_with_catalog();
        add_admin(&store, "users@contoso.com", Role::UserAdmin);
        let cx = Cx::new(&store, "users@contoso.com", NOW);
        let err = import(&cx, &[existing("SPE_E3", 1, SubscriptionStatus::Active)]).unwrap_err();
        assert!(matches!(&err, Error::Forbidden(f) if f.needed_role == Some(Role::BillingAdmin)));
    }
}
