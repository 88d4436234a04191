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
    counts: BySource<pool::Counts>,
    /// Licenses freed from pools not counted yet: subtracted when they are.
    freed: BySource<u32>,
}

/// Values by pool. A call meets a few pools and asks for them for every user: they are found
/// by comparing, which was a third of the time hashing took; a call that frees licenses of
/// many self-service subscriptions (deleting their purchasers) indexes them once it meets
/// more than `SCANNED`.
struct BySource<V> {
    entries: Vec<(Source, V)>,
    index: HashMap<Source, usize>,
}

const SCANNED: usize = 16;

impl<V> BySource<V> {
    fn new() -> Self {
        BySource {
            entries: Vec::new(),
            index: HashMap::default(),
        }
    }

    fn get_mut(&mut self, source: &Source) -> Option<&mut V> {
        let i = if self.entries.len() <= SCANNED {
            self.entries.iter().position(|(s, _)| s == source)
        } else {
            self.index.get(source).copied()
        };
        i.map(|i| &mut self.entries[i].1)
    }

    /// The value for a source not held yet.
    fn insert(&mut self, source: Source, value: V) -> &mut V {
        self.entries.push((source, value));
        let n = self.entries.len();
        if n == SCANNED + 1 {
            for (i, (s, _)) in self.entries.iter().enumerate() {
                self.index.insert(s.clone(), i);
            }
        } else if n > SCANNED + 1 {
            self.index.insert(self.entries[n - 1].0.clone(), n - 1);
        }
        &mut self.entries[n - 1].1
    }
}

impl<'s, S: Store + ?Sized> Pools<'s, S> {
    pub(super) fn new(store: &'s S) -> Self {
        Pools {
            store,
            counts: BySource::new(),
            freed: BySource::new(),
        }
    }

    fn entry(&mut self, source: &Source) -> &mut pool::Counts {
        // Looked up before it is inserted: a key cloned per user was a page's most frequent
        // allocation.
        if self.counts.get_mut(source).is_none() {
            let mut counts = pool::counts(self.store, source);
            if let Some(freed) = self.freed.get_mut(source) {
                counts.assigned -= std::mem::take(freed);
            }
            return self.counts.insert(source.clone(), counts);
        }
        self.counts.get_mut(source).expect("counted above")
    }

    /// One license back to its pool, or (`undo`) taken back when a user's change is refused.
    fn free(&mut self, source: &Source, undo: bool) {
        if let Some(c) = self.counts.get_mut(source) {
            if undo {
                c.assigned += 1;
            } else {
                c.assigned -= 1;
            }
            return;
        }
        // Not counted yet: subtracted (or no longer) when it is.
        let n = match self.freed.get_mut(source) {
            Some(n) => n,
            None => self.freed.insert(source.clone(), 0),
        };
        if undo {
            *n -= 1;
        } else {
            *n += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l2_pools_are_found_whether_scanned_or_indexed() {
        let mut m = BySource::new();
        for id in 0..(SCANNED as u64 * 3) {
            *m.insert(Source::Subscription(id), 0u32) += id as u32;
            for seen in [0, id / 2, id] {
                assert_eq!(
                    m.get_mut(&Source::Subscription(seen)),
                    Some(&mut (seen as u32))
                );
            }
        }
        assert!(m.get_mut(&Source::Product("sku".into())).is_none());
    }
}
