//! What a previewed change did, as `--what-if` prints it before rolling it back: each object
//! before and after, the licenses per product, the money.

use crate::service::Session;
use anyhow::Result;

/// The change set of a previewed run (a script's or a command's `--what-if`, GL9): every audit
/// entry it wrote, and the pools before and after.
pub struct Changes {
    first_audit: u64,
    pools: Vec<crate::views::LicenseRow>,
}

impl Changes {
    pub fn start(s: &mut Session) -> Result<Changes> {
        let first_audit = s.audit_mark()?;
        s.watch_data()?;
        Ok(Changes {
            first_audit,
            pools: license_rows(s)?,
        })
    }

    /// The last audit entry before the change: what it wrote comes after.
    pub fn mark(&self) -> u64 {
        self.first_audit
    }

    pub fn print(&self, s: &mut Session) -> Result<usize> {
        let filter = crate::service::model::types::AuditFilter {
            actor: None,
            action: None,
            target: None,
            since: None,
            until: None,
            newest_first: false,
        };
        let entries: Vec<crate::views::audit::AuditRow> = s
            .all_audit(&filter, Some(self.first_audit))?
            .into_iter()
            .map(crate::views::audit::AuditRow::from)
            .collect();
        println!("Changes ({}):", entries.len());
        for e in &entries {
            let show =
                |v: &Option<serde_json::Value>| v.as_ref().map(short).unwrap_or_else(|| "-".into());
            println!(
                "  {}  {}  {} -> {}",
                e.target,
                e.action,
                show(&e.before),
                show(&e.after)
            );
        }
        let after = license_rows(s)?;
        println!("Licenses assigned per product (before -> after):");
        for p in &after {
            let before = self.pools.iter().find(|b| b.sku_id == p.sku_id);
            let (ba, bt) = before.map_or((0, 0), |b| (b.assigned, b.total));
            if ba != p.assigned || bt != p.total {
                println!(
                    "  {}: assigned {} -> {}, total {} -> {}",
                    p.product, ba, p.assigned, bt, p.total
                );
            }
        }
        // L7: whose data would start its retention (or stop, for features and apps).
        let (data, users) = s.data_changes(DATA_SHOWN)?;
        if users == 0 {
            println!("Data: no user's data would start its retention.");
        } else {
            println!("Data that would start its retention or stop ({users} user(s)):");
            for d in &data {
                let what = match (d.state.as_str(), d.until) {
                    ("retained", Some(until)) => {
                        format!("retained until {}, then purged", crate::views::date(until))
                    }
                    ("retained", None) => "retained until the user is deleted".to_string(),
                    (state, _) => state.to_string(),
                };
                println!("  {}  {}  {what}", d.upn, d.workload);
            }
            if data.len() as u32 == DATA_SHOWN {
                println!("  (the first {DATA_SHOWN} rows; {users} users in all)");
            }
        }
        // Money: the ledger lines the run wrote (each audited with its amount).
        let mut money = rust_decimal::Decimal::ZERO;
        let mut currency = String::new();
        let mut lines = 0;
        for e in entries.iter().filter(|e| e.action == "billing.charge") {
            let after = e.after.as_ref();
            if let Some(a) = after
                .and_then(|a| a["amount"].as_str())
                .and_then(|a| a.parse::<rust_decimal::Decimal>().ok())
            {
                money += a;
                lines += 1;
            }
            if let Some(c) = after.and_then(|a| a["currency"].as_str()) {
                currency = c.to_string();
            }
        }
        if lines == 0 {
            println!("Money: nothing charged or refunded.");
        } else {
            println!(
                "Money: {lines} ledger line(s), {money} {currency} in all (charged now; on the next invoice)."
            );
        }
        Ok(entries.len())
    }
}

/// Data rows a preview lists; the count covers every user.
const DATA_SHOWN: u32 = 1000;

/// An audit entry's state in one line: license lists as they are, objects by their key fields.
fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Array(items) => {
            format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| i
                        .as_str()
                        .map(String::from)
                        .unwrap_or_else(|| i.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        serde_json::Value::Object(m) => {
            let keys = [
                "quantity",
                "status",
                "deleted_at",
                "upn",
                "part_number",
                "group",
                "licenses",
            ];
            let parts: Vec<String> = keys
                .iter()
                .filter_map(|k| {
                    m.get(*k)
                        .filter(|x| !x.is_null())
                        .map(|x| format!("{k}={x}"))
                })
                .collect();
            if parts.is_empty() {
                "{..}".into()
            } else {
                parts.join(" ")
            }
        }
        other => other.to_string(),
    }
}

fn license_rows(s: &mut Session) -> anyhow::Result<Vec<crate::views::LicenseRow>> {
    Ok(s.licenses_page()?
        .into_iter()
        .map(crate::views::LicenseRow::from)
        .collect())
}
