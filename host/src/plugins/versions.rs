//! What every plugin world version spells alike: its `query` answers, generated per version
//! from one definition, so the versions cannot drift. A version module (v0_1.rs, v0_2.rs)
//! holds its bindings and its own way of showing a change.

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
