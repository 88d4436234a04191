//! `seats import graph DIR`: a tenant built from a Graph export, through the component's
//! exports (every rule holds for it), in the one transaction the new database is made in.
//! The export is read whole and checked for shape first; then the catalog gains the products
//! it lacks, the subscriptions are recorded, the users created with their direct licenses, and
//! the groups with their members and products (which give the inherited licenses, GL1).

use super::files::{self, Item};
use super::shapes::{self, CompanySubscription, Group, Member, SubscribedSku, User};
use crate::service::Session;
use crate::service::graph_ids::{GraphKind, guid};
use crate::service::model::catalog::CatalogRow;
use crate::service::model::licenses::LicenseChoice;
use crate::service::model::subscriptions::ExistingSubscription;
use crate::service::model::types::{BillingFrequency, SubscriptionStatus, UserKind};
use crate::service::model::users::{NewLicensedUser, NewUser, UserUpdate};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Text of the export as a message may quote it.
fn q(text: &str) -> String {
    crate::output::bounded(text, 80)
}

/// Who bills what an import records: the subscriptions were bought from Microsoft.
pub const SELLER: &str = "Microsoft";
/// Users created per call: the component checks each batch's pools at once.
const BATCH: usize = 5000;

/// An export, read and checked for shape.
pub struct Export {
    pub skus: Vec<Item<SubscribedSku>>,
    pub subscriptions: Vec<Item<CompanySubscription>>,
    /// The users' files, in page order: read and imported one page at a time, so a tenant of
    /// any size is imported in flat memory (one transaction still holds all of it).
    pub user_pages: Vec<std::path::PathBuf>,
    pub dir: std::path::PathBuf,
    pub groups: Vec<Item<Group>>,
    /// Each group's members, by the group's Graph id.
    pub members: HashMap<String, Vec<Item<Member>>>,
}

/// Reads every collection of the export in `dir`.
pub fn read(dir: &Path) -> Result<Export> {
    if !dir.is_dir() {
        bail!(
            "{} is not a folder: give the folder the export's JSON files are in \
             (subscribedSkus.json, subscriptions.json, users.json, ...)",
            dir.display()
        );
    }
    let skus = files::read::<SubscribedSku>(dir, "subscribedSkus")?;
    let user_pages = files::pages(dir, "users")?;
    if files::pages(dir, "subscribedSkus")?.is_empty() || user_pages.is_empty() {
        bail!(
            "{} holds no subscribedSkus.json or no users.json (or users-1.json, ...): README's \
             \"Import a tenant from Microsoft Graph\" says how to export them",
            dir.display()
        );
    }
    let subscriptions = files::read::<CompanySubscription>(dir, "subscriptions")?;
    let groups = files::read::<Group>(dir, "groups")?;
    let mut members = HashMap::new();
    let member_dir = dir.join("group-members");
    for g in &groups {
        let found = if member_dir.is_dir() {
            files::read::<Member>(&member_dir, &g.value.id)?
        } else {
            Vec::new()
        };
        let found = found
            .into_iter()
            .map(|mut m| {
                m.file = format!("group-members/{}", m.file);
                m
            })
            .collect();
        members.insert(g.value.id.clone(), found);
    }
    Ok(Export {
        skus,
        subscriptions,
        user_pages,
        dir: dir.to_path_buf(),
        groups,
        members,
    })
}

/// What an import did, and what it could not carry over.
#[derive(Default, serde::Serialize)]
pub struct Summary {
    pub products_added: u32,
    pub subscriptions: u32,
    pub users: u32,
    pub licenses: u32,
    pub groups: u32,
    pub members: u32,
    /// What differs from the export or was left out, in words.
    pub notes: Vec<String>,
}

/// A timestamp of the export (RFC 3339), or what was wrong with it.
fn time(value: &Option<String>, at: &str, field: &str) -> Result<Option<i64>> {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    value
        .as_deref()
        .map(|t| {
            OffsetDateTime::parse(t, &Rfc3339)
                .map(|t| t.unix_timestamp())
                .map_err(|_| {
                    anyhow!(
                        "{at}.{field}: '{}' is not an RFC 3339 time such as 2026-03-14T09:12:44Z",
                        q(t)
                    )
                })
        })
        .transpose()
}

/// Graph's subscription status as seats' (G5: Warning is the grace period, Suspended and
/// LockedOut leave no access).
fn status(s: &CompanySubscription, at: &str) -> Result<SubscriptionStatus> {
    Ok(match s.status.to_ascii_lowercase().as_str() {
        "enabled" if s.is_trial => SubscriptionStatus::Trial,
        "enabled" => SubscriptionStatus::Active,
        "warning" => SubscriptionStatus::Expired,
        "suspended" | "lockedout" => SubscriptionStatus::Disabled,
        "deleted" => SubscriptionStatus::Deleted,
        _ => bail!(
            "{at}.status: '{}' is not a subscription status: Graph's are Enabled, Warning, \
             Suspended, LockedOut and Deleted",
            q(&s.status)
        ),
    })
}

/// Imports the export into the new tenant `s` (its transaction open); nothing is committed here.
pub fn import(s: &mut Session, export: &Export, now: i64) -> Result<Summary> {
    let mut summary = Summary::default();
    if let Some(tenant) = tenant_id(export) {
        s.set_graph_tenant_id(&tenant)?;
    }
    catalog(s, export, &mut summary)?;
    subscriptions(s, export, now, &mut summary)?;
    users(s, export, &mut summary)?;
    groups(s, export, &mut summary)?;
    consumed(s, export, &mut summary)?;
    Ok(summary)
}

/// The tenant's id, from a subscribedSku's id (`{tenant}_{sku}`).
fn tenant_id(export: &Export) -> Option<String> {
    export
        .skus
        .iter()
        .find_map(|k| k.value.id.as_deref()?.split('_').next().and_then(guid))
}

/// Products the export has that the catalog lacks, as catalog rows from what Graph says of them.
fn catalog(s: &mut Session, export: &Export, summary: &mut Summary) -> Result<()> {
    let mut rows = Vec::new();
    for k in &export.skus {
        let sku = &k.value;
        if guid(&sku.sku_id).is_none() {
            bail!("{}.skuId: '{}' is not a GUID", k.at(), q(&sku.sku_id));
        }
        if s.get_product(&sku.sku_id).is_ok() {
            continue;
        }
        summary.products_added += 1;
        for p in &sku.service_plans {
            rows.push(CatalogRow {
                line: (k.index + 1) as u32,
                product_display_name: sku.sku_part_number.clone(),
                string_id: sku.sku_part_number.clone(),
                guid: sku.sku_id.clone(),
                service_plan_name: p.service_plan_name.clone(),
                service_plan_id: p.service_plan_id.clone(),
                service_plan_friendly_name: p.service_plan_name.clone(),
            });
        }
    }
    if !rows.is_empty() {
        s.import_catalog(&rows)
            .context("subscribedSkus: a product the catalog lacks could not be added")?;
    }
    Ok(())
}

fn subscriptions(s: &mut Session, export: &Export, now: i64, summary: &mut Summary) -> Result<()> {
    const YEAR: i64 = 365 * 86_400;
    let mut existing = Vec::new();
    let mut ids = Vec::new();
    for item in &export.subscriptions {
        let (sub, at) = (&item.value, item.at());
        let status = status(sub, &at)?;
        let created = time(&sub.created_date_time, &at, "createdDateTime")?.unwrap_or(now);
        let end = match time(&sub.next_lifecycle_date_time, &at, "nextLifecycleDateTime")? {
            Some(end) => end,
            None => {
                summary.notes.push(format!(
                    "{at}: no nextLifecycleDateTime; its term ends a year after it was created"
                ));
                created + YEAR
            }
        };
        existing.push(ExistingSubscription {
            product: sub.sku_id.clone(),
            quantity: sub.total_licenses,
            status,
            created_at: created,
            term_end: end,
            billing: BillingFrequency::Annual,
            partner: (status != SubscriptionStatus::Trial).then(|| SELLER.to_string()),
        });
        ids.push(guid(&sub.id).ok_or_else(|| anyhow!("{at}.id: '{}' is not a GUID", q(&sub.id)))?);
    }
    if export.subscriptions.is_empty() {
        // Without directory/subscriptions, each product's units per state are one subscription.
        for k in &export.skus {
            let u = &k.value.prepaid_units;
            for (units, status) in [
                (u.enabled, SubscriptionStatus::Active),
                (u.warning, SubscriptionStatus::Expired),
                (u.suspended + u.locked_out, SubscriptionStatus::Disabled),
            ] {
                if units > 0 {
                    existing.push(ExistingSubscription {
                        product: k.value.sku_id.clone(),
                        quantity: units,
                        status,
                        created_at: now,
                        term_end: now + YEAR,
                        billing: BillingFrequency::Annual,
                        partner: Some(SELLER.to_string()),
                    });
                }
            }
        }
        summary.notes.push(
            "no subscriptions.json: one subscription per product and state, from subscribedSkus' \
             prepaidUnits, with terms from today"
                .into(),
        );
    }
    let made = s.import_subscriptions(&existing).map_err(|e| {
        anyhow::Error::from(e)
            .context("subscriptions.json: the subscriptions could not be recorded")
    })?;
    let pairs: Vec<(u64, String)> = made
        .iter()
        .zip(ids)
        .map(|(v, id)| (v.subscription.id, id))
        .collect();
    s.record_graph_ids(GraphKind::Subscription, &pairs)?;
    summary.subscriptions = made.len() as u32;
    Ok(())
}

/// A user's licenses assigned to them (not through a group), with the plans switched off.
fn direct_licenses(u: &User) -> Vec<LicenseChoice> {
    let choice = |sku: &str, off: &[String]| LicenseChoice {
        product: sku.to_string(),
        disabled_plans: off.to_vec(),
    };
    match &u.license_assignment_states {
        Some(states) if !states.is_empty() => states
            .iter()
            .filter(|st| st.assigned_by_group.is_none())
            .map(|st| choice(&st.sku_id, &st.disabled_plans))
            .collect(),
        // Without states every license is the user's own.
        _ => u
            .assigned_licenses
            .iter()
            .map(|l| choice(&l.sku_id, &l.disabled_plans))
            .collect(),
    }
}

fn new_user(u: &User) -> NewUser {
    NewUser {
        upn: u.user_principal_name.clone(),
        display_name: u
            .display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| u.user_principal_name.clone()),
        department: u.department.clone().filter(|d| !d.trim().is_empty()),
        usage_location: u.usage_location.clone().filter(|l| !l.trim().is_empty()),
        enabled: u.account_enabled.unwrap_or(true),
        kind: UserKind::User,
        mailbox_gb: 0,
    }
}

fn users(s: &mut Session, export: &Export, summary: &mut Summary) -> Result<()> {
    let admin = s.actor.clone();
    // Pages are gathered into batches of `BATCH` users: each call counts its products' pools
    // once, so fewer, larger calls are faster; memory stays flat at one batch.
    let mut pending: Vec<Item<User>> = Vec::new();
    for path in &export.user_pages {
        let file = path
            .strip_prefix(&export.dir)
            .unwrap_or(path)
            .display()
            .to_string();
        for (index, value) in files::read_file::<User>(path, &file)?
            .into_iter()
            .enumerate()
        {
            let item = Item {
                value,
                file: file.clone(),
                index,
            };
            if guid(&item.value.id).is_none() {
                bail!("{}.id: '{}' is not a GUID", item.at(), q(&item.value.id));
            }
            pending.push(item);
            if pending.len() == BATCH {
                flush(s, &admin, &mut pending, summary)?;
            }
        }
    }
    flush(s, &admin, &mut pending, summary)
}

/// Creates the pending users (a UPN taken twice is refused by the domain, U1, and named
/// where it is) and records their Graph ids.
fn flush(
    s: &mut Session,
    admin: &str,
    pending: &mut Vec<Item<User>>,
    summary: &mut Summary,
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let ids = user_batch(s, admin, pending, summary)?;
    s.record_graph_ids(GraphKind::User, &ids)?;
    summary.users += pending.len() as u32;
    pending.clear();
    Ok(())
}

/// Creates a batch of users with their direct licenses; their ids here and in Graph.
fn user_batch(
    s: &mut Session,
    admin: &str,
    batch: &[Item<User>],
    summary: &mut Summary,
) -> Result<Vec<(u64, String)>> {
    let mut ids = Vec::new();
    let mut new = Vec::new();
    for item in batch {
        let u = &item.value;
        if u.user_principal_name.eq_ignore_ascii_case(admin) {
            // Made by the tenant's setup: given the export's attributes and licenses.
            let n = new_user(u);
            let update = UserUpdate {
                display_name: Some(n.display_name),
                department: n.department,
                usage_location: n.usage_location,
                enabled: Some(n.enabled),
            };
            s.update_user(admin, &update)
                .map_err(|e| at_user(e.into(), batch))?;
            let licenses = direct_licenses(u);
            if !licenses.is_empty() {
                s.set_user_licenses(admin, &licenses, &[])
                    .map_err(|e| at_user(e.into(), batch))?;
            }
            summary.licenses += licenses.len() as u32;
            let me = s.get_user(admin)?.user;
            ids.push((me.id, u.id.to_lowercase()));
            continue;
        }
        let licenses = direct_licenses(u);
        summary.licenses += licenses.len() as u32;
        new.push(NewLicensedUser {
            user: new_user(u),
            licenses,
        });
    }
    let made = s
        .create_licensed_users(&new)
        .map_err(|e| at_user(e.into(), batch))?;
    let by_upn: HashMap<String, &Item<User>> = batch
        .iter()
        .map(|i| (i.value.user_principal_name.to_lowercase(), i))
        .collect();
    for m in made {
        if let Some(item) = by_upn.get(&m.upn.to_lowercase()) {
            ids.push((m.id, item.value.id.to_lowercase()));
        }
    }
    Ok(ids)
}

/// A refusal about one of the batch's users, said with where that user is in the export.
fn at_user(e: anyhow::Error, batch: &[Item<User>]) -> anyhow::Error {
    let text = format!("{e:#}").to_lowercase();
    // From the end: a UPN given twice is the later one's mistake.
    match batch
        .iter()
        .rev()
        .find(|i| text.contains(&i.value.user_principal_name.to_lowercase()))
    {
        Some(i) => e.context(format!("{} ({})", i.at(), q(&i.value.user_principal_name))),
        None => e.context("users: the users could not be created"),
    }
}

fn groups(s: &mut Session, export: &Export, summary: &mut Summary) -> Result<()> {
    let mut ids = Vec::new();
    for item in &export.groups {
        let (g, at) = (&item.value, item.at());
        if guid(&g.id).is_none() {
            bail!("{at}.id: '{}' is not a GUID", q(&g.id));
        }
        let dynamic = g
            .group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(shapes::DYNAMIC));
        let rule = if dynamic {
            Some(g.membership_rule.as_deref().ok_or_else(|| {
                anyhow!("{at}.membershipRule: a dynamic group needs its membership rule")
            })?)
        } else {
            None
        };
        let made = s
            .create_group(&g.display_name, g.description.as_deref(), rule)
            .map_err(|e| {
                anyhow::Error::from(e).context(format!("{at} ({})", q(&g.display_name)))
            })?;
        ids.push((made.id, g.id.to_lowercase()));
        let members = export
            .members
            .get(&g.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut upns = Vec::new();
        let mut others = 0;
        for m in members {
            if !m.value.is_user() {
                others += 1;
                continue;
            }
            let upn = match &m.value.user_principal_name {
                Some(upn) => Some(upn.clone()),
                None => upn_of(s, &m.value.id)?,
            }
            .ok_or_else(|| {
                anyhow!(
                    "{}: member {} is not a user of users.json",
                    m.at(),
                    q(&m.value.id)
                )
            })?;
            upns.push(upn);
        }
        if others > 0 {
            summary.notes.push(format!(
                "{}: {others} members that are not users (groups, devices, ...) were left out",
                q(&g.display_name)
            ));
        }
        if !dynamic && !upns.is_empty() {
            s.add_members(&made.id.to_string(), &upns).map_err(|e| {
                anyhow::Error::from(e).context(format!("{at} ({})", q(&g.display_name)))
            })?;
        }
        let licenses: Vec<LicenseChoice> = g
            .assigned_licenses
            .iter()
            .map(|l| LicenseChoice {
                product: l.sku_id.clone(),
                disabled_plans: l.disabled_plans.clone(),
            })
            .collect();
        if !licenses.is_empty() {
            s.set_group_licenses(&made.id.to_string(), &licenses, &[])
                .map_err(|e| {
                    anyhow::Error::from(e).context(format!("{at} ({})", q(&g.display_name)))
                })?;
        }
        let details = s.get_group(&made.id.to_string())?;
        summary.members += details.members;
        if dynamic && !members.is_empty() && details.members as usize != upns.len() {
            summary.notes.push(format!(
                "{}: its rule gives {} members here, the export lists {}",
                q(&g.display_name),
                details.members,
                upns.len()
            ));
        }
        if details.errors > 0 {
            summary.notes.push(format!(
                "{}: {} members in error (`seats groups errors` says why)",
                q(&g.display_name),
                details.errors
            ));
        }
    }
    summary.groups = export.groups.len() as u32;
    s.record_graph_ids(GraphKind::Group, &ids)
}

/// The UPN of the user a Graph id names (imported above), for members listed by id alone.
fn upn_of(s: &mut Session, graph_id: &str) -> Result<Option<String>> {
    let Some(id) = s.local_of_graph_id(GraphKind::User, graph_id)? else {
        return Ok(None);
    };
    let (page, _) = s.holding_page(&super::export::everyone(), id.checked_sub(1), 1)?;
    Ok(page
        .into_iter()
        .find(|h| h.user.id == id)
        .map(|h| h.user.upn))
}

/// Says where the licenses assigned here differ from what the export says was consumed.
fn consumed(s: &mut Session, export: &Export, summary: &mut Summary) -> Result<()> {
    let assigned: BTreeMap<String, u32> = s
        .licenses_page()?
        .into_iter()
        .map(|p| (p.sku_id, p.assigned))
        .collect();
    for k in &export.skus {
        let here = assigned
            .get(&k.value.sku_id.to_lowercase())
            .copied()
            .unwrap_or(0);
        if i64::from(here) != k.value.consumed_units {
            summary.notes.push(format!(
                "{}: {here} licenses assigned here, the export says {} consumed",
                q(&k.value.sku_part_number),
                k.value.consumed_units
            ));
        }
    }
    Ok(())
}
