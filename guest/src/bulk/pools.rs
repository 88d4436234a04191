//! The exact pool counts one call plans against (L2), updated user by user.

use super::choices::Choice;
use crate::Store;
use crate::error::{self, Result};
use crate::hash::HashMap;
use crate::pool::{self, Source};
use crate::types::Shortage;

/// Pool counts for the pools a call takes licenses from, kept exact as the plan goes. A pool
/// is counted (a read over its assignments) only when a license is taken from it: a call that
/// only frees licenses (a removal, a user's deletion) counts nothing, so deleting users one
/// by one costs the same in a tenant of any size.
pub(super) struct Pools<'s, S: Store + ?Sized> {
    store: &'s S,
    counts: HashMap<Source, pool::Counts>,
    /// Licenses freed from pools not counted yet: subtracted when they are.
    freed: HashMap<Source, u32>,
}

impl<'s, S: Store + ?Sized> Pools<'s, S> {
    pub(super) fn new(store: &'s S) -> Self {
        Pools {
            store,
            counts: HashMap::default(),
            freed: HashMap::default(),
        }
    }

    fn entry(&mut self, source: &Source) -> &mut pool::Counts {
        let (store, freed) = (self.store, &mut self.freed);
        self.counts.entry(source.clone()).or_insert_with(|| {
            let mut counts = pool::counts(store, source);
            counts.assigned -= freed.remove(source).unwrap_or(0);
            counts
        })
    }

    /// One license back to its pool, or (`undo`) taken back when a user's change is refused.
    fn free(&mut self, source: &Source, undo: bool) {
        match (self.counts.get_mut(source), undo) {
            (Some(c), false) => c.assigned -= 1,
            (Some(c), true) => c.assigned += 1,
            // Not counted yet: subtracted (or no longer) when it is.
            (None, false) => *self.freed.entry(source.clone()).or_default() += 1,
            (None, true) => *self.freed.entry(source.clone()).or_default() -= 1,
        }
    }

    /// L2, counted exactly: one user's removals (`freed`) give their licenses back to the
    /// pools they came from before its additions (`taken`) need one each; refused, naming the
    /// user, when a pool has none left, and then the counts are as they were.
    pub(super) fn take(
        &mut self,
        freed: &[Source],
        taken: &[Source],
        chosen: &[Choice],
        upn: &str,
    ) -> Result<()> {
        for source in freed {
            self.free(source, false);
        }
        let short = taken
            .iter()
            .find(|source| self.entry(source).available() < 1);
        if let Some(source) = short {
            for freed in freed {
                self.free(freed, true);
            }
            let counts = *self.entry(source);
            let store = self.store;
            let part = |sku: &str| {
                chosen
                    .iter()
                    .find(|c| c.product.sku_id == sku)
                    .map(|c| c.product.part_number.clone())
                    // A group's products are not chosen by the call (GL1).
                    .or_else(|| store.get_product(sku).map(|p| p.part_number))
                    .unwrap_or_else(|| sku.to_string())
            };
            let (product, subscription, from) = match source {
                Source::Product(sku) => (part(sku), None, String::new()),
                // A self-service subscription gives the one product it is of.
                Source::Subscription(id) => (
                    chosen
                        .first()
                        .map(|c| c.product.part_number.clone())
                        .unwrap_or_default(),
                    Some(*id),
                    format!(" on self-service subscription {id}"),
                ),
            };
            let message = format!(
                "no license of {product} is available{from} for {upn}: {} of {} are assigned",
                counts.assigned, counts.enabled
            );
            return Err(error::insufficient(Shortage {
                product,
                subscription,
                upn: upn.to_string(),
                requested: 1,
                available: counts.available(),
                total: counts.enabled,
                message,
            }));
        }
        for source in taken {
            self.entry(source).assigned += 1;
        }
        Ok(())
    }
}
