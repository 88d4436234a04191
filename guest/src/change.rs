//! What one change did, read from the audit entries it wrote in its transaction: who made it,
//! the users and products it touched, each user's licenses and each subscription's quantity
//! before and after, and the money it moved. The host's policy gate shows it to plugins; the
//! audit log is the domain's record of every change, so nothing outside reads its encoding.

use crate::audited;
use crate::error::{Result, conflict};
use crate::exports::seats::licensing::audit::{
    Amount, ChangeSummary, LicenseChange, QuantityChange,
};
use crate::types::{AuditFilter, AuditState};
use crate::{Store, billing::money};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

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

/// The change made by the entries after `mark`.
pub fn describe<S: Store + ?Sized>(store: &S, mark: u64) -> Result<ChangeSummary> {
    let all = AuditFilter {
        actor: None,
        action: None,
        target: None,
        since: None,
        until: None,
        newest_first: false,
    };
    let (mut users, mut products) = (Names::default(), Names::default());
    let mut licenses: Vec<LicenseChange> = Vec::new();
    let mut license_of: HashMap<String, usize> = HashMap::new();
    let mut quantities = Vec::new();
    let mut money: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut entries = Vec::new();
    let mut after = Some(mark);
    loop {
        let page = store.list_audit(&all, after, PAGE);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for r in page {
            let e = &r.entry;
            let before = e.before.as_deref().map(audited::decode);
            let now = e.after.as_deref().map(audited::decode);
            if let Some(upn) = e.target.strip_prefix("user:") {
                users.add(upn);
                // License entries record the user's licenses before and after.
                if let (Some(AuditState::Licenses(b)), Some(AuditState::Licenses(a))) =
                    (&before, &now)
                {
                    for l in b.iter().filter(|l| !a.contains(l)) {
                        products.add(part(l));
                    }
                    for l in a.iter().filter(|l| !b.contains(l)) {
                        products.add(part(l));
                    }
                    match license_of.get(&upn.to_lowercase()) {
                        Some(i) => licenses[*i].after = a.clone(),
                        None => {
                            license_of.insert(upn.to_lowercase(), licenses.len());
                            licenses.push(LicenseChange {
                                upn: upn.to_string(),
                                before: b.clone(),
                                after: a.clone(),
                            });
                        }
                    }
                }
            }
            if let Some(Ok(id)) = e.target.strip_prefix("subscription:").map(str::parse) {
                let state = |s: &Option<AuditState>| match s {
                    Some(AuditState::Subscription(v)) => Some(v.clone()),
                    _ => None,
                };
                let (bv, av) = (state(&before), state(&now));
                if let Some(part) = av.as_ref().or(bv.as_ref()).map(|v| v.part_number.clone()) {
                    let (b, a) = (bv.map(|v| v.subscription), av.map(|v| v.subscription));
                    products.add(&part);
                    let count = |s: &Option<crate::types::Subscription>| {
                        s.as_ref().map_or(0, |s| s.quantity)
                    };
                    if count(&b) != count(&a) {
                        quantities.push(QuantityChange {
                            subscription: id,
                            part_number: part,
                            before: count(&b),
                            after: count(&a),
                            purchaser: a.as_ref().or(b.as_ref()).and_then(|s| s.purchaser.clone()),
                        });
                    }
                }
            }
            // Money: what the ledger lines of the change charge or refund.
            if let Some(AuditState::Charge(c)) = &now {
                *money.entry(c.currency.to_uppercase()).or_default() += money::parse(&c.amount);
            }
            entries.push(r);
        }
    }
    if money.len() > 1 {
        return Err(conflict(format!(
            "the change moves money in several currencies ({}); a plugin is asked about one",
            money.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    let first = entries.first().map(|r| &r.entry);
    Ok(ChangeSummary {
        actor: first.map(|e| e.actor.clone()).unwrap_or_default(),
        operation: first.map(|e| e.action.clone()).unwrap_or_default(),
        users: users.list,
        products: products.list,
        licenses,
        quantities,
        money: money.into_iter().next().map(|(currency, value)| Amount {
            value: value.to_string(),
            currency,
        }),
        entries,
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
        // Nothing after the last entry: an empty change.
        let last = c.entries.last().unwrap().id;
        assert!(describe(&store, last).unwrap().entries.is_empty());
    }
}
