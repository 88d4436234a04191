//! Data that follows the catalog (L4, L7): when an import changes what a product provides,
//! its holders' data moves as if their licenses had changed. Apart from `catalog` (which
//! calls it) so that the module graph stays without cycles.

use crate::provisioning;
use crate::types::Workload;
use std::collections::BTreeSet;

/// Products read a page at a time.
const PRODUCTS: u32 = 1000;

/// The workloads each product of the catalog provides with all its plans on, by sku.
pub fn by_product<S: crate::Store + ?Sized>(
    store: &S,
) -> std::collections::BTreeMap<String, BTreeSet<Workload>> {
    let mut out = std::collections::BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_products(after.as_deref(), PRODUCTS);
        let Some(last) = page.last() else { break };
        after = Some(last.sku_id.clone());
        let skus: Vec<String> = page.iter().map(|p| p.sku_id.clone()).collect();
        for (sku, plans) in skus.iter().zip(store.plans_of(&skus)) {
            out.insert(sku.clone(), provisioning::provided(&plans));
        }
        if page.len() < PRODUCTS as usize {
            break;
        }
    }
    out
}

/// L4, L7 after a catalog change: the holders of `skus` (products that now provide other
/// workloads) get their data moved to what their licenses provide now, a page at a time.
pub fn follow_catalog<S: crate::Store + ?Sized>(cx: &crate::cx::Cx<S>, skus: &[String]) {
    const PAGE: u32 = 5000;
    let mut cache = crate::plans::PlanCache::default();
    for sku in skus {
        let query = crate::seats::licensing::store::UserQuery {
            holding: Some(sku.clone()),
            ..crate::store::everyone()
        };
        let mut after = None;
        loop {
            let users = cx.store.list_users(&query, after, PAGE);
            let Some(last) = users.last() else { break };
            after = Some(last.id);
            let ids: Vec<u64> = users.iter().map(|u| u.id).collect();
            let held = cx.store.assignments_of_users(&ids);
            let data = cx.store.service_data_of(&ids);
            let mut moves = Vec::new();
            for ((user, held), current) in users.iter().zip(held).zip(data) {
                let wanted = cache.provided(cx.store, held.iter());
                moves.extend(provisioning::transition(
                    user, &current, wanted, false, cx.now,
                ));
            }
            for page in moves.chunks(PAGE as usize) {
                cx.store.put_service_data(page);
            }
            if users.len() < PAGE as usize {
                break;
            }
        }
    }
}
