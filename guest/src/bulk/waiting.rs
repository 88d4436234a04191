//! The waiting line (GL8): members in error for want of licenses get their group's products,
//! oldest first, in the call that buys or frees licenses of those products.

use super::{Members, change_group};
use crate::Store;
use crate::cx::Cx;
use crate::error::Result;
use crate::hash::{HashMap, HashSet};
use crate::types::{GraphCode, GroupLicense};
use std::collections::BTreeSet;

/// Errors read per page of the line.
const PAGE: u32 = 1000;

/// Serves the line for the products (sku ids) that gained room; how many members got their
/// group's products. A group whose next member still finds no room is not tried again.
pub fn serve_waiting<S: Store + ?Sized>(cx: &Cx<S>, skus: &BTreeSet<String>) -> Result<u32> {
    if skus.is_empty() {
        return Ok(0);
    }
    let mut licenses: HashMap<u64, Vec<GroupLicense>> = HashMap::default();
    let mut full: HashSet<u64> = HashSet::default();
    let (mut served, mut after) = (0u32, 0u32);
    loop {
        let page = cx.store.group_errors(None, after, PAGE);
        let read = page.len() as u32;
        let mut served_here = 0;
        for e in page {
            if e.code != GraphCode::CountViolation || full.contains(&e.group_id) {
                continue;
            }
            let give = licenses
                .entry(e.group_id)
                .or_insert_with(|| cx.store.group_licenses(e.group_id));
            if !give.iter().any(|l| skus.contains(&l.sku_id)) {
                continue;
            }
            let Some(user) = cx.store.get_user(e.user_id) else {
                continue;
            };
            let give = give.clone();
            let run = change_group(cx, e.group_id, &give, &[], Members::Given(&[user]))?;
            if run.errors > 0 {
                full.insert(e.group_id);
            } else {
                served += 1;
                served_here += 1;
            }
        }
        if read < PAGE {
            return Ok(served);
        }
        // Those served left the line: the rest moved up by as many.
        after += read - served_here;
    }
}
