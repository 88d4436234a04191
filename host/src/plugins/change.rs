//! The proposed change a plugin is asked about, built from the audit entries the change wrote
//! in its transaction: the audit log is the domain's record of every change, so the host
//! needs no knowledge of the rules to say what a change does.

use super::bindings::exports::seats::licensing::policy::{
    Amount, ChangeEntry, LicenseChange, ProposedChange, QuantityChange,
};
use crate::component::types::AuditRecord;
use anyhow::{Result, bail};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Builds the change from its audit entries (oldest first). `part_number` names a product
/// by its GUID; `currency` is the tenant's, for amounts that do not name one.
pub fn build(
    records: &[AuditRecord],
    part_number: &mut dyn FnMut(&str) -> Result<String>,
    currency: &str,
) -> Result<ProposedChange> {
    let mut users: Vec<String> = Vec::new();
    let mut products: Vec<String> = Vec::new();
    let mut licenses: Vec<LicenseChange> = Vec::new();
    let mut quantities: Vec<QuantityChange> = Vec::new();
    let mut money: BTreeMap<String, Decimal> = BTreeMap::new();
    let add = |list: &mut Vec<String>, item: &str| {
        if !list.iter().any(|x| x.eq_ignore_ascii_case(item)) {
            list.push(item.to_string());
        }
    };
    let parse = |text: &Option<String>| -> Value {
        text.as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null)
    };

    for r in records {
        let e = &r.entry;
        let (before, after) = (parse(&e.before), parse(&e.after));
        if let Some(upn) = e.target.strip_prefix("user:") {
            add(&mut users, upn);
            // License entries record the user's part numbers before and after.
            if e.action.starts_with("license.")
                && let (Some(b), Some(a)) = (part_numbers(&before), part_numbers(&after))
            {
                for p in b.iter().filter(|p| !a.contains(p)) {
                    add(&mut products, p);
                }
                for p in a.iter().filter(|p| !b.contains(p)) {
                    add(&mut products, p);
                }
                match licenses
                    .iter_mut()
                    .find(|l| l.upn.eq_ignore_ascii_case(upn))
                {
                    Some(l) => l.after = a,
                    None => licenses.push(LicenseChange {
                        upn: upn.to_string(),
                        before: b,
                        after: a,
                    }),
                }
            }
        }
        if let Some(id) = e.target.strip_prefix("subscription:")
            && let Ok(id) = id.parse::<u64>()
            && let Some(sku) = after["sku_id"].as_str().or(before["sku_id"].as_str())
        {
            let part = part_number(sku)?;
            add(&mut products, &part);
            let count = |v: &Value| v["quantity"].as_u64().unwrap_or(0) as u32;
            let (b, a) = (count(&before), count(&after));
            if b != a {
                quantities.push(QuantityChange {
                    subscription: id,
                    part_number: part,
                    before: b,
                    after: a,
                    purchaser: after["purchaser"]
                        .as_str()
                        .or(before["purchaser"].as_str())
                        .map(String::from),
                });
            }
        }
        // Money: entries whose state carries an amount (what billing writes).
        if let Some(amount) = after.get("amount").filter(|a| !a.is_null()) {
            let text = match amount {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let value = Decimal::from_str(text.trim()).map_err(|_| {
                anyhow::anyhow!(
                    "audit entry {} ({}) carries an amount that is not a decimal: {text}",
                    r.id,
                    e.action
                )
            })?;
            let cur = after["currency"]
                .as_str()
                .unwrap_or(currency)
                .to_uppercase();
            *money.entry(cur).or_default() += value;
        }
    }
    if money.len() > 1 {
        bail!(
            "the change moves money in several currencies ({}); a plugin is asked about one",
            money.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(ProposedChange {
        actor: records
            .first()
            .map(|r| r.entry.actor.clone())
            .unwrap_or_default(),
        operation: records
            .first()
            .map(|r| r.entry.action.clone())
            .unwrap_or_default(),
        users,
        products,
        licenses,
        quantities,
        money: money.into_iter().next().map(|(currency, value)| Amount {
            value: value.to_string(),
            currency,
        }),
        entries: records
            .iter()
            .map(|r| ChangeEntry {
                action: r.entry.action.clone(),
                target: r.entry.target.clone(),
                before: r.entry.before.clone(),
                after: r.entry.after.clone(),
            })
            .collect(),
    })
}

/// A JSON array of part numbers, as license entries record them.
fn part_numbers(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|p| p.as_str().map(String::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::types::AuditEntry;

    fn record(
        id: u64,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) -> AuditRecord {
        AuditRecord {
            id,
            entry: AuditEntry {
                at: 0,
                actor: "admin@contoso.com".into(),
                action: action.into(),
                target: target.into(),
                before: before.map(String::from),
                after: after.map(String::from),
            },
        }
    }

    fn sku(s: &str) -> Result<String> {
        Ok(match s {
            "e5-guid" => "SPE_E5".into(),
            other => other.to_uppercase(),
        })
    }

    #[test]
    fn license_entries_give_users_products_and_before_after() {
        let change = build(
            &[
                record(
                    1,
                    "license.replace",
                    "user:ana@contoso.com",
                    Some(r#"["SPE_E3","POWER_BI_PRO"]"#),
                    Some(r#"["POWER_BI_PRO","SPE_E5"]"#),
                ),
                record(
                    2,
                    "license.replace",
                    "user:bo@contoso.com",
                    Some("[]"),
                    Some(r#"["SPE_E5"]"#),
                ),
            ],
            &mut |s| sku(s),
            "USD",
        )
        .unwrap();
        assert_eq!(change.operation, "license.replace");
        assert_eq!(change.users, ["ana@contoso.com", "bo@contoso.com"]);
        assert_eq!(change.products, ["SPE_E3", "SPE_E5"]);
        assert_eq!(change.licenses[1].after, ["SPE_E5"]);
        assert!(change.money.is_none());
        assert_eq!(change.entries.len(), 2);
    }

    #[test]
    fn subscription_entries_give_quantities_and_amounts_are_summed() {
        let change = build(
            &[
                record(
                    1,
                    "subscription.quantity",
                    "subscription:3",
                    Some(r#"{"sku_id":"e5-guid","quantity":10,"purchaser":null}"#),
                    Some(r#"{"sku_id":"e5-guid","quantity":15,"purchaser":null}"#),
                ),
                record(
                    2,
                    "billing.charge",
                    "charge:1",
                    None,
                    Some(r#"{"amount":"342.00","currency":"usd"}"#),
                ),
                record(
                    3,
                    "billing.charge",
                    "charge:2",
                    None,
                    Some(r#"{"amount":"0.50"}"#),
                ),
            ],
            &mut |s| sku(s),
            "USD",
        )
        .unwrap();
        assert_eq!(change.products, ["SPE_E5"]);
        let q = &change.quantities[0];
        assert_eq!((q.subscription, q.before, q.after), (3, 10, 15));
        let money = change.money.unwrap();
        assert_eq!(
            (money.value.as_str(), money.currency.as_str()),
            ("342.50", "USD")
        );
    }

    #[test]
    fn a_self_service_purchase_is_a_quantity_from_zero_with_its_purchaser() {
        let change = build(
            &[record(
                1,
                "subscription.self-service",
                "subscription:7",
                None,
                Some(r#"{"sku_id":"power_bi_pro","quantity":30,"purchaser":"ana@contoso.com"}"#),
            )],
            &mut |s| sku(s),
            "USD",
        )
        .unwrap();
        assert_eq!(change.operation, "subscription.self-service");
        let q = &change.quantities[0];
        assert_eq!((q.before, q.after), (0, 30));
        assert_eq!(q.purchaser.as_deref(), Some("ana@contoso.com"));
        assert_eq!(change.products, ["POWER_BI_PRO"]);
    }

    #[test]
    fn several_currencies_in_one_change_are_refused() {
        let err = build(
            &[
                record(
                    1,
                    "billing.charge",
                    "charge:1",
                    None,
                    Some(r#"{"amount":"1","currency":"USD"}"#),
                ),
                record(
                    2,
                    "billing.charge",
                    "charge:2",
                    None,
                    Some(r#"{"amount":"1","currency":"EUR"}"#),
                ),
            ],
            &mut |s| sku(s),
            "USD",
        )
        .unwrap_err();
        assert!(err.to_string().contains("EUR, USD"), "{err}");
    }
}
