//! What every plugin world version spells alike: its `query` answers and the proposed change
//! it is asked about, generated per version from one definition, so the versions cannot drift.
//! A version module (v0_1.rs, v0_2.rs) holds its bindings and calls these.

/// `query::Host` for a version's generated `query` module.
macro_rules! query_host {
    ($query:path) => {
        use $query as q;

        impl q::Host for $crate::plugins::PluginState {
            fn user(&mut self, upn: String) -> wasmtime::Result<Option<q::UserInfo>> {
                Ok(self.user_info(upn)?.map(|i| q::UserInfo {
                    upn: i.user.upn,
                    display_name: i.user.display_name,
                    department: i.user.department,
                    usage_location: i.user.usage_location,
                    enabled: i.user.enabled,
                    deleted: i.user.deleted_at.is_some(),
                    licenses: i.licenses,
                }))
            }

            fn product(&mut self, product: String) -> wasmtime::Result<Option<q::ProductInfo>> {
                Ok(self.product_info(product)?.map(|p| q::ProductInfo {
                    sku_id: p.sku_id,
                    part_number: p.part_number,
                    display_name: p.display_name,
                }))
            }

            fn pool(&mut self, product: String) -> wasmtime::Result<Option<q::PoolCounts>> {
                Ok(self
                    .pool_info(product)?
                    .map(|(enabled, assigned)| q::PoolCounts { enabled, assigned }))
            }
        }
    };
}

/// `pub fn check` for a version: instantiates the plugin, converts the change to the
/// version's `proposed-change` (`$state` turns a stored audit state into the JSON its entries
/// carry), calls its `policy.check` (`$policy_fn`, the bindings' accessor) and reads the
/// decision.
macro_rules! policy_check {
    ($policy:path, $policy_fn:ident, $state:expr) => {
        use $policy as p;

        pub fn check(
            pre: &bindings::PolicyPluginPre<$crate::plugins::PluginState>,
            store: &mut wasmtime::Store<$crate::plugins::PluginState>,
            change: &$crate::component::audit::ChangeSummary,
        ) -> wasmtime::Result<$crate::plugins::Verdict> {
            let plugin = pre.instantiate(&mut *store)?;
            let decision = plugin
                .$policy_fn()
                .call_check(&mut *store, &proposed(change))?;
            Ok(verdict(decision))
        }

        fn proposed(c: &$crate::component::audit::ChangeSummary) -> p::ProposedChange {
            let state: fn(&Option<String>) -> Option<String> = $state;
            p::ProposedChange {
                actor: c.actor.clone(),
                operation: c.operation.clone(),
                users: c.users.clone(),
                products: c.products.clone(),
                licenses: c
                    .licenses
                    .iter()
                    .map(|l| p::LicenseChange {
                        upn: l.upn.clone(),
                        before: l.before.clone(),
                        after: l.after.clone(),
                    })
                    .collect(),
                quantities: c
                    .quantities
                    .iter()
                    .map(|q| p::QuantityChange {
                        subscription: q.subscription,
                        part_number: q.part_number.clone(),
                        before: q.before,
                        after: q.after,
                        purchaser: q.purchaser.clone(),
                    })
                    .collect(),
                money: c.money.as_ref().map(|m| p::Amount {
                    value: m.value.clone(),
                    currency: m.currency.clone(),
                }),
                entries: c
                    .entries
                    .iter()
                    .map(|r| p::ChangeEntry {
                        action: r.entry.action.clone(),
                        target: r.entry.target.clone(),
                        before: state(&r.entry.before),
                        after: state(&r.entry.after),
                    })
                    .collect(),
            }
        }

        fn verdict(d: p::Decision) -> $crate::plugins::Verdict {
            match d {
                p::Decision::Approve => $crate::plugins::Verdict::Approve,
                p::Decision::Deny(reason) => $crate::plugins::Verdict::Deny(reason),
            }
        }
    };
}
