//! License pools (L1, L2, S2, C1, G5, P1): the one place that counts what can be assigned.
//!
//! A product's pool is the organisation's: the units of its subscriptions of the product,
//! and the licenses assigned from them. A self-service subscription is a pool of its own, its
//! purchaser's (P1, P2): its units are never the organisation's to assign, and its licenses
//! are never counted against the organisation's, until an admin takes it over (P4).

use crate::Store;
use crate::exports::seats::licensing::licenses::LicensePool;
use crate::types::{Product, Subscription, SubscriptionStatus};

/// Whether the subscription's licenses are the organisation's (not a user's purchase).
pub fn is_organisations(s: &Subscription) -> bool {
    s.purchaser.is_none()
}

/// Whether a subscription's units can be assigned now: an active or trial one (G5).
pub fn enabled(s: &Subscription) -> bool {
    matches!(
        s.status,
        SubscriptionStatus::Active | SubscriptionStatus::Trial
    )
}

/// The organisation's units of a product per state, as Graph's licenseUnitsDetail (G5).
#[derive(Default, Clone, Copy, Debug, PartialEq)]
pub struct Units {
    pub enabled: u32,
    pub warning: u32,
    pub suspended: u32,
}

impl Units {
    /// Counts a subscription's units, when they are the organisation's.
    pub fn add(&mut self, s: &Subscription) {
        if !is_organisations(s) {
            return;
        }
        match s.status {
            SubscriptionStatus::Active | SubscriptionStatus::Trial => self.enabled += s.quantity,
            SubscriptionStatus::Expired => self.warning += s.quantity,
            SubscriptionStatus::Disabled => self.suspended += s.quantity,
            SubscriptionStatus::Deleted | SubscriptionStatus::Cancelled => {}
        }
    }

    pub fn of(subscriptions: &[Subscription]) -> Units {
        let mut units = Units::default();
        for s in subscriptions {
            units.add(s);
        }
        units
    }
}

/// Where a license is drawn from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The organisation's pool of a product (by sku id).
    Product(String),
    /// One self-service subscription, by id (its purchaser's pool).
    Subscription(u64),
}

/// A pool's enabled units and the licenses assigned from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub enabled: u32,
    pub assigned: u32,
}

impl Counts {
    /// Licenses left to assign; negative in a conflict (C1).
    pub fn available(&self) -> i64 {
        i64::from(self.enabled) - i64::from(self.assigned)
    }
}

impl Source {
    /// Where an assignment's license came from.
    pub fn of(a: &crate::types::Assignment) -> Source {
        match a.subscription {
            Some(id) => Source::Subscription(id),
            None => Source::Product(a.sku_id.clone()),
        }
    }
}

pub fn counts<S: Store + ?Sized>(store: &S, source: &Source) -> Counts {
    match *source {
        Source::Product(ref sku) => Counts {
            enabled: Units::of(&store.subscriptions_of(sku)).enabled,
            assigned: store.count_assigned(sku),
        },
        Source::Subscription(id) => {
            let s = store.get_subscription(id);
            Counts {
                enabled: s.filter(enabled).map_or(0, |s| s.quantity),
                assigned: store.assigned_from(id).len() as u32,
            }
        }
    }
}

/// The Licenses page's row of a product (L1, C2).
pub fn license_pool(product: &Product, units: Units, assigned: u32) -> LicensePool {
    LicensePool {
        sku_id: product.sku_id.clone(),
        part_number: product.part_number.clone(),
        display_name: product.display_name.clone(),
        total: units.enabled + units.warning,
        enabled: units.enabled,
        warning: units.warning,
        suspended: units.suspended,
        assigned,
        available: i64::from(units.enabled) - i64::from(assigned),
        users_needing_license: assigned.saturating_sub(units.enabled),
    }
}

/// The organisation's pool of one product.
pub fn of_product<S: Store + ?Sized>(store: &S, product: &Product) -> LicensePool {
    let units = Units::of(&store.subscriptions_of(&product.sku_id));
    license_pool(product, units, store.count_assigned(&product.sku_id))
}

/// Licenses assigned from a subscription's pool beyond what it would leave (S2).
pub struct Shortfall {
    pub assigned: u32,
    /// What the pool would have.
    pub left: u32,
}

/// S2: whether what is assigned from `s`'s pool still fits when `s` holds `total` licenses
/// (0: it goes, as a cancellation does). A self-service subscription is its own pool; the
/// organisation's pool of the product is all of its subscriptions.
pub fn shortfall<S: Store + ?Sized>(store: &S, s: &Subscription, total: u32) -> Option<Shortfall> {
    let (assigned, left) = if is_organisations(s) {
        let now = counts(store, &Source::Product(s.sku_id.clone()));
        let lost = if enabled(s) {
            s.quantity.saturating_sub(total)
        } else {
            0
        };
        (now.assigned, now.enabled.saturating_sub(lost))
    } else {
        (store.assigned_from(s.id).len() as u32, total)
    };
    (assigned > left).then_some(Shortfall { assigned, left })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn l1_p1_a_products_pool_is_the_organisations_subscriptions_only() {
        let (store, _) = tenant_with_catalog();
        let org = buy(&store, "SPE_E5", 2);
        let mut own = store.get_subscription(buy(&store, "SPE_E5", 5)).unwrap();
        own.purchaser = Some("maker@contoso.com".into());
        store.update_subscription(&own);
        let sku = store.get_subscription(org).unwrap().sku_id;
        assert_eq!(
            counts(&store, &Source::Product(sku)),
            Counts {
                enabled: 2,
                assigned: 0
            }
        );
        assert_eq!(counts(&store, &Source::Subscription(own.id)).enabled, 5);
    }

    #[test]
    fn s2_a_reduction_or_cancellation_must_leave_room_for_what_is_assigned() {
        let (store, _) = tenant_with_catalog();
        let small = buy(&store, "SPE_E3", 5);
        buy(&store, "SPE_E3", 8);
        for i in 0..10 {
            add_user(&store, &format!("u{i}@contoso.com"));
            crate::licenses::assign(&admin(&store), &format!("u{i}@contoso.com"), "SPE_E3", &[])
                .unwrap();
        }
        let s = store.get_subscription(small).unwrap();
        assert!(shortfall(&store, &s, 2).is_none());
        let short = shortfall(&store, &s, 1).unwrap();
        assert_eq!((short.assigned, short.left), (10, 9));
        assert_eq!(shortfall(&store, &s, 0).unwrap().left, 8, "cancelled");
    }
}
