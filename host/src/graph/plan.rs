//! `--plan FILE`: a previewed change as the Graph requests that would make it on a real tenant:
//! one assignLicense per user whose direct licenses it changes (licenses added, with the plans
//! they switch off, and removed), 20 to a `$batch` body, one body per line (JSON Lines), ready
//! to POST to /v1.0/$batch in order.
//!
//! Each user's licenses are read inside the previewed change, and again once it is rolled back:
//! the request is the difference. Licenses that groups give are the groups' to change (their
//! members and products), not the users'; a plan carries the users' own.

use super::BATCH;
use crate::service::Session;
use crate::service::graph_ids::GraphKind;
use anyhow::{Context as _, Result};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// A user's direct licenses: product -> the plans it switches off.
type Direct = BTreeMap<String, Vec<String>>;

/// The users a previewed change touches, and their direct licenses inside it.
pub struct During {
    users: Vec<(String, Option<(u64, Direct)>)>,
}

/// Reads what the change did, before it is rolled back.
pub fn during(s: &mut Session, mark: u64) -> Result<During> {
    let upns = s.changed_users(mark)?;
    let mut users = Vec::with_capacity(upns.len());
    for upn in upns {
        let direct = direct(s, &upn)?;
        users.push((upn, direct));
    }
    Ok(During { users })
}

/// A user's id and direct licenses, when they are an active user.
fn direct(s: &mut Session, upn: &str) -> Result<Option<(u64, Direct)>> {
    let user = match s.get_user(upn) {
        Ok(d) if d.user.deleted_at.is_none() => d.user,
        Ok(_) => return Ok(None),
        Err(crate::service::CallError::Domain(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let (page, _) = s.holding_page(&super::export::everyone(), user.id.checked_sub(1), 1)?;
    let Some(h) = page.into_iter().find(|h| h.user.id == user.id) else {
        return Ok(None);
    };
    let licenses = h
        .licenses
        .into_iter()
        .filter(|a| a.direct)
        .map(|a| {
            let off = a.own_disabled_plans.unwrap_or(a.disabled_plans);
            (a.sku_id, off)
        })
        .collect();
    Ok(Some((user.id, licenses)))
}

/// What a plan holds.
pub struct Written {
    pub requests: usize,
    pub batches: usize,
    /// Users the change deleted or created: not expressed as license requests.
    pub left_out: usize,
}

impl Written {
    /// What was written, in a sentence.
    pub fn describe(&self, path: &Path) -> String {
        let left = if self.left_out > 0 {
            format!(
                "; {} users the change creates or deletes are not in it",
                self.left_out
            )
        } else {
            String::new()
        };
        format!(
            "Plan: {} assignLicense requests in {} $batch bodies in {}{left}.",
            self.requests,
            self.batches,
            path.display()
        )
    }
}

/// Writes the plan, once the change is rolled back: each user's licenses now are the before.
pub fn write(s: &mut Session, during: &During, path: &Path) -> Result<Written> {
    let mut requests: Vec<Value> = Vec::new();
    let mut left_out = 0;
    for (upn, after) in &during.users {
        let before = direct(s, upn)?;
        let (Some((id, before)), Some((_, after))) = (before, after) else {
            left_out += 1;
            continue;
        };
        let add: Vec<Value> = after
            .iter()
            .filter(|(sku, off)| before.get(*sku) != Some(off))
            .map(|(sku, off)| json!({"skuId": sku, "disabledPlans": off}))
            .collect();
        let remove: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
        if add.is_empty() && remove.is_empty() {
            continue;
        }
        let gid = s.graph_ids(GraphKind::User, &[id])?.remove(0);
        requests.push(json!({
            "id": (requests.len() % BATCH + 1).to_string(),
            "method": "POST",
            "url": format!("/users/{gid}/assignLicense"),
            "headers": {"Content-Type": "application/json"},
            "body": {"addLicenses": add, "removeLicenses": remove},
        }));
    }
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot write the plan to {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut batches = 0;
    for chunk in requests.chunks(BATCH) {
        serde_json::to_writer(&mut out, &json!({ "requests": chunk }))?;
        out.write_all(b"\n")?;
        batches += 1;
    }
    out.flush()?;
    Ok(Written {
        requests: requests.len(),
        batches,
        left_out,
    })
}
