//! `seats export graph DIR`: the tenant in the files `import graph` reads, in Graph's shapes
//! and paging (999 users a page, as Graph's largest $top).

use super::render::{self, Context};
use super::shapes::{Collection, CompanySubscription, Member, ROOT, SubscribedSku};
use crate::service::Session;
use crate::service::graph_ids::GraphKind;
use crate::service::model::users::UserFilter;
use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Users per page file: Graph's largest page.
pub const PAGE: u32 = 999;
/// The users' properties an export holds (the `$select` of its links).
pub const USER_SELECT: &str = "id,userPrincipalName,displayName,department,usageLocation,accountEnabled,assignedLicenses,licenseAssignmentStates";

/// What an export wrote.
#[derive(Default, Serialize)]
pub struct Summary {
    pub products: u32,
    pub subscriptions: u32,
    pub users: u32,
    pub groups: u32,
    pub files: u32,
}

fn write<T: Serialize>(
    dir: &Path,
    name: &str,
    body: &Collection<T>,
    summary: &mut Summary,
) -> Result<()> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file =
        std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, body)?;
    use std::io::Write;
    out.write_all(b"\n")?;
    out.flush()?;
    summary.files += 1;
    Ok(())
}

fn collection<T>(context: &str, value: Vec<T>, next_link: Option<String>) -> Collection<T> {
    Collection {
        context: Some(format!("{ROOT}/$metadata#{context}")),
        count: None,
        value,
        next_link,
    }
}

/// A filter that selects every active user.
pub fn everyone() -> UserFilter {
    UserFilter {
        unlicensed_only: false,
        product: None,
        department: None,
        usage_location: None,
        enabled: None,
        deleted: false,
        in_error: false,
        group: None,
    }
}

/// The organisation's products (subscribedSkus) and subscriptions (directory/subscriptions),
/// each product listing its subscriptions' ids.
pub fn skus_and_subscriptions(
    s: &mut Session,
    cx: &Context,
) -> Result<(Vec<SubscribedSku>, Vec<CompanySubscription>)> {
    let subscriptions = s.list_subscriptions()?;
    let ids = s.graph_ids(
        GraphKind::Subscription,
        &subscriptions
            .iter()
            .map(|v| v.subscription.id)
            .collect::<Vec<_>>(),
    )?;
    let mut of_sku: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut companies = Vec::new();
    for (v, id) in subscriptions.iter().zip(ids) {
        if v.subscription.status == crate::service::model::types::SubscriptionStatus::Cancelled {
            continue;
        }
        let owner = match &v.subscription.purchaser {
            Some(upn) => {
                let user = s.get_user(upn)?.user;
                Some(s.graph_ids(GraphKind::User, &[user.id])?.remove(0))
            }
            None => None,
        };
        of_sku
            .entry(v.subscription.sku_id.clone())
            .or_default()
            .push(id.clone());
        companies.push(render::subscription(cx, v, id, owner));
    }

    let mut skus = Vec::new();
    for pool in s.licenses_page()? {
        let product = s.get_product(&pool.sku_id)?;
        let ids = of_sku.remove(&pool.sku_id).unwrap_or_default();
        skus.push(render::sku(cx, &pool, &product, ids));
    }
    Ok((skus, companies))
}

/// Writes the export into `dir` (made if missing; refused when it holds files, unless `force`).
pub fn export(s: &mut Session, dir: &Path, force: bool) -> Result<Summary> {
    if dir.exists() && !force && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{} is not empty: export into a new folder, or pass --force to write over it",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot make {}", dir.display()))?;
    let mut summary = Summary::default();
    let cx = Context::new(s)?;

    let (skus, companies) = skus_and_subscriptions(s, &cx)?;
    summary.subscriptions = companies.len() as u32;
    summary.products = skus.len() as u32;
    write(
        dir,
        "subscribedSkus.json",
        &collection("subscribedSkus", skus, None),
        &mut summary,
    )?;
    write(
        dir,
        "subscriptions.json",
        &collection("directory/subscriptions", companies, None),
        &mut summary,
    )?;

    let filter = everyone();
    let (mut after, mut page_no) = (None, 1);
    loop {
        let (page, next) = s.holding_page(&filter, after, PAGE)?;
        let ids = s.graph_ids(
            GraphKind::User,
            &page.iter().map(|h| h.user.id).collect::<Vec<_>>(),
        )?;
        summary.users += page.len() as u32;
        let users: Vec<_> = page
            .iter()
            .zip(ids)
            .map(|(h, id)| render::user(&cx, h, id))
            .collect();
        let link =
            next.map(|n| format!("{ROOT}/users?$select={USER_SELECT}&$top={PAGE}&$skiptoken={n}"));
        write(
            dir,
            &format!("users-{page_no}.json"),
            &collection(&format!("users({USER_SELECT})"), users, link),
            &mut summary,
        )?;
        match next {
            Some(n) => (after, page_no) = (Some(n), page_no + 1),
            None => break,
        }
    }

    let groups = s.groups()?;
    let rendered = groups.iter().map(|g| render::group(&cx, g)).collect();
    write(
        dir,
        "groups.json",
        &collection("groups", rendered, None),
        &mut summary,
    )?;
    for g in &groups {
        let gid = cx
            .groups
            .get(&g.id)
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        let filter = crate::service::model::users::UserFilter {
            group: Some(g.id.to_string()),
            ..everyone()
        };
        let (mut after, mut page_no) = (None, 1);
        loop {
            let (page, next) = s.user_page(&filter, after)?;
            let ids = s.graph_ids(
                GraphKind::User,
                &page.iter().map(|u| u.id).collect::<Vec<_>>(),
            )?;
            let members = page
                .iter()
                .zip(ids)
                .map(|(u, id)| Member {
                    odata_type: Some("#microsoft.graph.user".into()),
                    id,
                    user_principal_name: Some(u.upn.clone()),
                })
                .collect();
            let name = if page_no == 1 {
                format!("group-members/{gid}.json")
            } else {
                format!("group-members/{gid}-{page_no}.json")
            };
            let link = next.map(|n| {
                format!("{ROOT}/groups/{gid}/members?$select=id,userPrincipalName&$skiptoken={n}")
            });
            write(
                dir,
                &name,
                &collection("directoryObjects(id,userPrincipalName)", members, link),
                &mut summary,
            )?;
            match next {
                Some(n) => (after, page_no) = (Some(n), page_no + 1),
                None => break,
            }
        }
    }
    summary.groups = groups.len() as u32;
    Ok(summary)
}
