//! The current plugin world, `seats:policy@0.2.0` (wit/policy): its bindings and conversions.
//! A plugin is shown the change's summary; if it asks, the change's pages one by one, then
//! its finish. Memory on this side is a page, whatever the size of the change.

pub mod bindings {
    wasmtime::component::bindgen!({
        world: "policy-plugin",
        path: "../wit/policy",
        imports: { default: trappable },
    });
}

use super::{PAGE_ENTRIES, PluginState, Verdict, budget};
use crate::component::audit::{ChangeOverview, ChangePage};
use bindings::exports::seats::policy::policy as p;
use wasmtime::Store;

query_host!(bindings::seats::policy::query);

/// Asks the plugin about the change made after `mark`, summed up in `change`.
pub fn check(
    pre: &bindings::PolicyPluginPre<PluginState>,
    store: &mut Store<PluginState>,
    mark: u64,
    change: &ChangeOverview,
) -> wasmtime::Result<Verdict> {
    let pages = change.entries.div_ceil(PAGE_ENTRIES);
    budget(store, "the change's summary".into(), 0)?;
    let plugin = pre.instantiate(&mut *store)?;
    let policy = plugin.seats_policy_policy();
    match policy.call_check(&mut *store, &summary(change, pages))? {
        p::Decision::Approve => return Ok(Verdict::Approve),
        p::Decision::Deny(reason) => return Ok(Verdict::Deny(reason)),
        p::Decision::ReadPages => {}
    }
    let (mut after, mut number) = (Some(mark), 0);
    while let Some(from) = after {
        let page = store.data_mut().page(from)?;
        after = page.next;
        if page.entries.is_empty() {
            break;
        }
        number += 1;
        let what = format!("page {number} of {pages} of the change");
        budget(store, what, page.entries.len() as u64)?;
        if let p::Verdict::Deny(reason) =
            policy.call_check_page(&mut *store, &shown(page, number))?
        {
            return Ok(Verdict::Deny(reason));
        }
    }
    budget(store, "the change's finish".into(), 0)?;
    Ok(match policy.call_finish(&mut *store)? {
        p::Verdict::Approve => Verdict::Approve,
        p::Verdict::Deny(reason) => Verdict::Deny(reason),
    })
}

fn summary(c: &ChangeOverview, pages: u32) -> p::ChangeSummary {
    p::ChangeSummary {
        actor: c.actor.clone(),
        operation: c.operation.clone(),
        users: c.users,
        entries: c.entries,
        pages,
        products: c
            .products
            .iter()
            .map(|x| p::ProductChange {
                part_number: x.part_number.clone(),
                added: x.added,
                removed: x.removed,
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
    }
}

/// A page as the plugin sees it; entries carry the audit log's own encoding of each state.
fn shown(page: ChangePage, number: u32) -> p::ChangePage {
    p::ChangePage {
        number,
        licenses: page
            .licenses
            .into_iter()
            .map(|l| p::LicenseChange {
                upn: l.upn,
                before: l.before,
                after: l.after,
            })
            .collect(),
        entries: page
            .entries
            .into_iter()
            .map(|r| p::ChangeEntry {
                action: r.entry.action,
                target: r.entry.target,
                before: r.entry.before,
                after: r.entry.after,
            })
            .collect(),
    }
}
