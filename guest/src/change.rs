//! What one change did, read from the audit entries it wrote in its transaction: who made it,
//! the users and products it touched, each user's licenses and each subscription's quantity
//! before and after, and the money it moved. The host's policy gate shows it to plugins; the
//! audit log is the domain's record of every change, so nothing outside reads its encoding.
//!
//! Three readings of one pass over the entries (`Tally`): the whole change (`describe`, for
//! the plugin world that is shown a change in one piece), an overview whose size does not grow
//! with the change (`overview`), and its pages (`page`).

use crate::audited;
use crate::error::{Result, conflict, invalid};
use crate::exports::seats::licensing::audit::{
    Amount, ChangeOverview, ChangePage, ChangeSummary, LicenseChange, ProductChange, QuantityChange,
};
use crate::hash::{HashMap, HashSet};
use crate::types::{AuditFilter, AuditRecord, AuditState};
use crate::{Store, billing::money};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Entries one read takes.
const PAGE: u32 = 5000;

/// A list that keeps the first spelling of each item, compared without regard to case.
#[derive(Default)]
struct Names {
    list: Vec<String>,
    seen: HashSet<String>,
}

impl Names {
    fn add(&mut self, name: &str) {
        if self.seen.insert(name.to_lowercase()) {
            self.list.push(name.to_string());
        }
    }
}

/// The part number a license's label names ("SPE_E3 without MCOSTANDARD" is SPE_E3).
fn part(label: &str) -> &str {
    label.split(" without ").next().unwrap_or(label)
}

/// What the entries of a change add up to, entry by entry, in memory that does not grow with
/// them: the first entry's actor and action, the products with licenses added and removed,
/// the subscriptions whose quantity changes, the money per currency.
#[derive(Default)]
struct Tally {
    first: Option<(String, String)>,
    entries: u32,
    products: Vec<ProductChange>,
    product_of: HashMap<String, usize>,
    quantities: Vec<QuantityChange>,
    money: BTreeMap<String, Decimal>,
}

impl Tally {
    fn product(&mut self, part: &str) -> &mut ProductChange {
        let products = &mut self.products;
        let at = *self
            .product_of
            .entry(part.to_lowercase())
            .or_insert_with(|| {
                products.push(ProductChange {
                    part_number: part.to_string(),
                    added: 0,
                    removed: 0,
                });
                products.len() - 1
            });
        &mut self.products[at]
    }

    /// Counts one entry; the license change it records, when it records one.
    fn add(&mut self, r: &AuditRecord) -> Option<LicenseChange> {
        let e = &r.entry;
        self.entries += 1;
        self.first
            .get_or_insert_with(|| (e.actor.clone(), e.action.clone()));
        let before = e.before.as_deref().map(audited::decode);
        let now = e.after.as_deref().map(audited::decode);
        if let Some(AuditState::Charge(c)) = &now {
            *self.money.entry(c.currency.to_uppercase()).or_default() += money::parse(&c.amount);
        }
        if let Some(Ok(id)) = e.target.strip_prefix("subscription:").map(str::parse) {
            self.subscription(id, &before, &now);
        }
        let upn = e.target.strip_prefix("user:")?;
        // License entries record the user's licenses before and after.
        let (Some(AuditState::Licenses(b)), Some(AuditState::Licenses(a))) = (before, now) else {
            return None;
        };
        // Products whose licenses (or plans) change; licenses added and removed per product.
        let parts = |labels: &[String]| -> Vec<String> {
            labels.iter().map(|l| part(l).to_lowercase()).collect()
        };
        let (held_before, held_after) = (parts(&b), parts(&a));
        for l in b.iter().filter(|l| !a.contains(l)) {
            let gone = !held_after.contains(&part(l).to_lowercase());
            self.product(part(l)).removed += u32::from(gone);
        }
        for l in a.iter().filter(|l| !b.contains(l)) {
            let new = !held_before.contains(&part(l).to_lowercase());
            self.product(part(l)).added += u32::from(new);
        }
        Some(LicenseChange {
            upn: upn.to_string(),
            before: b,
            after: a,
        })
    }

    fn subscription(&mut self, id: u64, before: &Option<AuditState>, now: &Option<AuditState>) {
        let state = |s: &Option<AuditState>| match s {
            Some(AuditState::Subscription(v)) => Some(v.clone()),
            _ => None,
        };
        let (bv, av) = (state(before), state(now));
        let Some(part) = av.as_ref().or(bv.as_ref()).map(|v| v.part_number.clone()) else {
            return;
        };
        let (b, a) = (bv.map(|v| v.subscription), av.map(|v| v.subscription));
        self.product(&part);
        let count = |s: &Option<crate::types::Subscription>| s.as_ref().map_or(0, |s| s.quantity);
        if count(&b) != count(&a) {
            self.quantities.push(QuantityChange {
                subscription: id,
                part_number: part,
                before: count(&b),
                after: count(&a),
                purchaser: a.as_ref().or(b.as_ref()).and_then(|s| s.purchaser.clone()),
            });
        }
    }

    /// The money the change moves; refused in more than one currency.
    fn money(&self) -> Result<Option<Amount>> {
        if self.money.len() > 1 {
            return Err(conflict(format!(
                "the change moves money in several currencies ({}); a plugin is asked about one",
                self.money.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(self.money.iter().next().map(|(currency, value)| Amount {
            value: value.to_string(),
            currency: currency.clone(),
        }))
    }
}

fn everything() -> AuditFilter {
    AuditFilter {
        actor: None,
        action: None,
        target: None,
        since: None,
        until: None,
        newest_first: false,
    }
}

/// Every entry after `mark`, a page at a time.
fn each_entry<S: Store + ?Sized>(store: &S, mark: u64, mut f: impl FnMut(AuditRecord)) {
    let all = everything();
    let mut after = Some(mark);
    loop {
        let page = store.list_audit(&all, after, PAGE);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        page.into_iter().for_each(&mut f);
    }
}

/// The change made by the entries after `mark`, whole.
pub fn describe<S: Store + ?Sized>(store: &S, mark: u64) -> Result<ChangeSummary> {
    let mut tally = Tally::default();
    let mut users = Names::default();
    let mut licenses: Vec<LicenseChange> = Vec::new();
    let mut license_of: HashMap<String, usize> = HashMap::default();
    let mut entries = Vec::new();
    each_entry(store, mark, |r| {
        if let Some(upn) = r.entry.target.strip_prefix("user:") {
            users.add(upn);
        }
        if let Some(change) = tally.add(&r) {
            // A user changed twice: from the first before to the last after.
            match license_of.get(&change.upn.to_lowercase()) {
                Some(i) => licenses[*i].after = change.after,
                None => {
                    license_of.insert(change.upn.to_lowercase(), licenses.len());
                    licenses.push(change);
                }
            }
        }
        entries.push(r);
    });
    let money = tally.money()?;
    let (actor, operation) = tally.first.unwrap_or_default();
    Ok(ChangeSummary {
        actor,
        operation,
        users: users.list,
        products: tally.products.into_iter().map(|p| p.part_number).collect(),
        licenses,
        quantities: tally.quantities,
        money,
        entries,
    })
}

/// The change made by the entries after `mark`, summed up: its size does not grow with it.
pub fn overview<S: Store + ?Sized>(store: &S, mark: u64) -> Result<ChangeOverview> {
    let mut tally = Tally::default();
    each_entry(store, mark, |r| {
        tally.add(&r);
    });
    let money = tally.money()?;
    let (actor, operation) = tally.first.unwrap_or_default();
    Ok(ChangeOverview {
        actor,
        operation,
        users: store.count_targets_after(mark, "user:"),
        entries: tally.entries,
        products: tally.products,
        quantities: tally.quantities,
        money,
    })
}

/// The entries after `after`, `limit` of them, with the license change each records.
pub fn page<S: Store + ?Sized>(store: &S, after: u64, limit: u32) -> Result<ChangePage> {
    if limit == 0 || limit > PAGE {
        return Err(invalid(
            "limit",
            format!("a page holds 1 to {PAGE} entries"),
        ));
    }
    let entries = store.list_audit(&everything(), Some(after), limit);
    let mut tally = Tally::default();
    let licenses = entries.iter().filter_map(|r| tally.add(r)).collect();
    let next = (entries.len() == limit as usize).then(|| entries[entries.len() - 1].id);
    Ok(ChangePage {
        licenses,
        entries,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::{Mode, run};
    use crate::exports::seats::licensing::licenses::LicenseChoice;
    use crate::testkit::*;

    fn choice(p: &str) -> Vec<LicenseChoice> {
        vec![LicenseChoice {
            product: p.into(),
            disabled_plans: vec![],
        }]
    }

    #[test]
    fn a_change_is_described_from_its_own_entries_only() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 2);
        buy(&store, "SPE_E5", 2);
        for u in ["ana@contoso.com", "bo@contoso.com"] {
            add_user(&store, u);
        }
        let cx = admin(&store);
        let upns = vec!["ana@contoso.com".to_string(), "BO@contoso.com".into()];
        run(&cx, &upns, Mode::Add(&choice("SPE_E3")), true).unwrap();
        let mark = crate::Store::list_audit(
            &store,
            &AuditFilter {
                actor: None,
                action: None,
                target: None,
                since: None,
                until: None,
                newest_first: true,
            },
            None,
            1,
        )[0]
        .id;
        // The change: both move from E3 to E5, and a subscription grows (money moves).
        let set = Mode::Set {
            add: &choice("SPE_E5"),
            remove: &["SPE_E3".into()],
        };
        run(&cx, &upns, set, true).unwrap();
        crate::subscriptions::set_quantity(&cx, 1, 3).unwrap();
        let c = describe(&store, mark).unwrap();
        assert_eq!(c.operation, "license.set");
        assert_eq!(c.users, ["ana@contoso.com", "bo@contoso.com"]);
        assert_eq!(c.products, ["SPE_E3", "SPE_E5"]);
        assert_eq!(c.licenses.len(), 2);
        assert_eq!(
            (c.licenses[1].before.clone(), c.licenses[1].after.clone()),
            (vec!["SPE_E3".to_string()], vec!["SPE_E5".to_string()])
        );
        assert_eq!(c.quantities.len(), 1);
        assert_eq!(
            (
                c.quantities[0].part_number.as_str(),
                c.quantities[0].before,
                c.quantities[0].after
            ),
            ("SPE_E3", 2, 3)
        );
        let money = c.money.expect("the quantity change is charged");
        assert_eq!(money.currency, "DKK");
        assert!(money.value.parse::<f64>().unwrap() > 0.0, "{money:?}");
        assert!(c.entries.iter().all(|r| r.id > mark));
        // The overview says the same in numbers: two users, E3 out and E5 in for both.
        let o = overview(&store, mark).unwrap();
        assert_eq!((o.operation.as_str(), o.users), ("license.set", 2));
        assert_eq!(o.entries as usize, c.entries.len());
        let counts: Vec<_> = o
            .products
            .iter()
            .map(|p| (p.part_number.as_str(), p.added, p.removed))
            .collect();
        assert_eq!(counts, [("SPE_E3", 0, 2), ("SPE_E5", 2, 0)]);
        assert_eq!(o.quantities, c.quantities);
        assert_eq!(o.money.map(|m| m.value), Some(money.value));
        // Its pages, one entry at a time, are its entries in order with their license changes.
        let (mut read, mut licenses, mut after) = (Vec::new(), Vec::new(), Some(mark));
        while let Some(a) = after {
            let p = page(&store, a, 1).unwrap();
            read.extend(p.entries.iter().map(|r| r.id));
            licenses.extend(p.licenses);
            after = p.next;
        }
        assert_eq!(read, c.entries.iter().map(|r| r.id).collect::<Vec<_>>());
        assert_eq!(licenses, c.licenses);
        assert_eq!(page(&store, mark, 0).unwrap_err().kind(), "invalid");
        // Nothing after the last entry: an empty change.
        let last = c.entries.last().unwrap().id;
        assert!(describe(&store, last).unwrap().entries.is_empty());
        assert_eq!(overview(&store, last).unwrap().entries, 0);
    }
}
