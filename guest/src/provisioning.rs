//! What assigning a license provisions per user (L4), and what happens to it when the license
//! goes (L7): Exchange data is kept 30 days (longer under a retention hold) then purged,
//! OneDrive files stay until the user is deleted, features and Office apps stop.

use crate::types::{DataState, ServiceData, ServicePlan, Timestamp, User, Workload};
use std::collections::BTreeSet;

pub const RETENTION_DAYS: i64 = 30;
const DAY: Timestamp = 86_400;
pub const ALL: [Workload; 5] = [
    Workload::Mailbox,
    Workload::Onedrive,
    Workload::TeamSite,
    Workload::Teams,
    Workload::OfficeApps,
];

/// The workloads a service plan provisions, by Microsoft's plan names.
pub fn workloads_of(plan: &ServicePlan) -> &'static [Workload] {
    let n = plan.name.to_ascii_uppercase();
    if n.starts_with("EXCHANGE_S_") && !n.starts_with("EXCHANGE_S_FOUNDATION")
        || n.starts_with("EXCHANGE_B_")
    {
        &[Workload::Mailbox]
    } else if n.starts_with("SHAREPOINTENTERPRISE")
        || n.starts_with("SHAREPOINTSTANDARD")
        || n == "SHAREPOINTDESKLESS"
    {
        &[Workload::TeamSite, Workload::Onedrive]
    } else if n == "TEAMS1" || n.starts_with("MCOSTANDARD") || n == "MCOIMP" {
        &[Workload::Teams]
    } else if n == "OFFICESUBSCRIPTION" || n == "OFFICE_BUSINESS" {
        &[Workload::OfficeApps]
    } else {
        &[]
    }
}

/// Workloads the enabled plans of a user's licenses provision.
pub fn provided<'a>(plans: impl IntoIterator<Item = &'a ServicePlan>) -> BTreeSet<Workload> {
    plans
        .into_iter()
        .flat_map(|p| workloads_of(p).iter().copied())
        .collect()
}

/// What the user's data becomes as their licenses change from providing `before` to `after`
/// (`deleted`: the user is being deleted, so OneDrive goes too).
pub fn transition(
    user: &User,
    current: &[ServiceData],
    after: &BTreeSet<Workload>,
    deleted: bool,
    now: Timestamp,
) -> Vec<ServiceData> {
    let mut changes = Vec::new();
    for w in ALL {
        let existing = current.iter().find(|d| d.workload == w);
        let wanted = after.contains(&w);
        let next = match (existing.map(|d| d.state), wanted) {
            (Some(DataState::Active), true) => None,
            (_, true) => Some((DataState::Active, None)),
            (Some(DataState::Active), false) => Some(match w {
                Workload::Mailbox if user.retention_hold => (DataState::Retained, None),
                Workload::Mailbox => (DataState::Retained, Some(now + RETENTION_DAYS * DAY)),
                Workload::Onedrive if deleted => {
                    (DataState::Retained, Some(now + RETENTION_DAYS * DAY))
                }
                Workload::Onedrive => (DataState::Retained, None),
                Workload::TeamSite | Workload::Teams | Workload::OfficeApps => {
                    (DataState::Removed, None)
                }
            }),
            (Some(DataState::Retained), false)
                if deleted && existing.is_some_and(|d| d.until.is_none()) =>
            {
                Some((
                    DataState::Retained,
                    (!user.retention_hold).then_some(now + RETENTION_DAYS * DAY),
                ))
            }
            _ => None,
        };
        if let Some((state, until)) = next {
            changes.push(ServiceData {
                user_id: user.id,
                workload: w,
                state,
                since: now,
                until,
            });
        }
    }
    changes
}

/// L8: a restored user's retained data with every retention timer stopped: it is kept (not
/// searchable, as after any removal) until a license provides it again or the user is
/// deleted again, never purged by a timer that ran while they were deleted.
pub fn restored(current: &[ServiceData], now: Timestamp) -> Vec<ServiceData> {
    current
        .iter()
        .filter(|d| d.state == DataState::Retained && d.until.is_some())
        .map(|d| ServiceData {
            until: None,
            since: now,
            ..*d
        })
        .collect()
}

/// A workload as the WIT spells it (its serde name), for messages.
pub fn workload_name(w: Workload) -> String {
    serde_json::to_value(w)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{w:?}"))
}

/// A sentence on what the data is now, for people.
pub fn describe(d: &ServiceData) -> String {
    match (d.workload, d.state) {
        (Workload::Mailbox, DataState::Active) => "mailbox".into(),
        (Workload::Onedrive, DataState::Active) => "OneDrive".into(),
        (Workload::TeamSite, DataState::Active) => {
            "edit permission on the default team site".into()
        }
        (Workload::Teams, DataState::Active) => "Skype for Business / Teams features".into(),
        (Workload::OfficeApps, DataState::Active) => "Office apps on up to 5 PCs or Macs".into(),
        (Workload::OfficeApps, DataState::Removed) => {
            "Office apps report \"unlicensed product\"".into()
        }
        (Workload::Mailbox, DataState::Retained) if d.until.is_none() => {
            "mailbox kept under a retention hold; not searchable by eDiscovery".into()
        }
        (Workload::Mailbox, DataState::Retained) => {
            "mailbox kept until the date shown, then deleted; not searchable by eDiscovery".into()
        }
        (Workload::Onedrive, DataState::Retained) if d.until.is_none() => {
            "OneDrive files kept until the user is deleted".into()
        }
        (_, DataState::Retained) => "kept until the date shown".into(),
        (_, DataState::Removed) => "access removed".into(),
        (_, DataState::Purged) => "deleted for good".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::types::{Error, UserKind};

    fn data(
        store: &crate::memory::MemoryStore,
        upn: &str,
    ) -> Vec<(String, DataState, Option<Timestamp>)> {
        let u = crate::directory::find(store, upn).unwrap();
        let mut d: Vec<_> = crate::Store::service_data_of(store, &[u.id])
            .remove(0)
            .into_iter()
            .map(|d| {
                let name = serde_json::to_value(d.workload).unwrap_or_default();
                (
                    name.as_str().unwrap_or_default().to_string(),
                    d.state,
                    d.until,
                )
            })
            .collect();
        d.sort_by(|a, b| a.0.cmp(&b.0));
        d
    }

    #[test]
    fn l4_l7_a_catalog_import_that_changes_what_a_product_provides_moves_its_holders_data() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 1);
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        let e3 = |plans: &[(&str, &str)]| -> Vec<_> {
            plans
                .iter()
                .enumerate()
                .map(|(i, (plan, id))| {
                    row(2 + i as u32, "Microsoft 365 E3", "SPE_E3", E3, plan, id)
                })
                .collect()
        };
        let all = [
            ("EXCHANGE_S_ENTERPRISE", EXCHANGE_E),
            ("SHAREPOINTENTERPRISE", SHAREPOINT_E),
            ("MCOSTANDARD", TEAMS_CALLING),
        ];
        let active = vec![
            ("mailbox".to_string(), DataState::Active, None),
            ("onedrive".into(), DataState::Active, None),
            ("team-site".into(), DataState::Active, None),
            ("teams".into(), DataState::Active, None),
        ];
        assert_eq!(data(&store, "ana@contoso.com"), active);
        // E3 without Exchange Online: Ana's mailbox is kept 30 days, as after a removal.
        crate::catalog::import(&cx, &e3(&all[1..])).unwrap();
        let mut without = active.clone();
        without[0] = ("mailbox".into(), DataState::Retained, Some(NOW + 30 * DAY));
        assert_eq!(data(&store, "ana@contoso.com"), without);
        assert!(crate::check::run(&cx).unwrap().problems.is_empty());
        // The same catalog again moves nothing; Exchange back makes the mailbox active.
        crate::catalog::import(&cx, &e3(&all[1..])).unwrap();
        assert_eq!(data(&store, "ana@contoso.com"), without);
        crate::catalog::import(&cx, &e3(&all)).unwrap();
        assert_eq!(data(&store, "ana@contoso.com"), active);
        assert!(crate::check::run(&cx).unwrap().problems.is_empty());
    }

    #[test]
    fn l4_assigning_provisions_mailbox_site_teams() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 1);
        add_user(&store, "ana@contoso.com");
        crate::licenses::assign(
            &admin(&store),
            "ana@contoso.com",
            "SPE_E3",
            &["MCOSTANDARD".into()],
        )
        .unwrap();
        let d = data(&store, "ana@contoso.com");
        let active: Vec<_> = d
            .iter()
            .filter(|x| x.1 == DataState::Active)
            .map(|x| x.0.as_str())
            .collect();
        assert_eq!(
            active,
            vec!["mailbox", "onedrive", "team-site"],
            "MCOSTANDARD is off: no Teams features"
        );
    }

    #[test]
    fn l7_removing_a_license_keeps_exchange_data_30_days_then_purges_it() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 1);
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        crate::licenses::unassign(&cx, "ana@contoso.com", "SPE_E3").unwrap();
        let d = data(&store, "ana@contoso.com");
        assert_eq!(
            d[0],
            ("mailbox".into(), DataState::Retained, Some(NOW + 30 * DAY))
        );
        assert_eq!(
            d[1],
            ("onedrive".into(), DataState::Retained, None),
            "OneDrive stays until the user is deleted"
        );
        assert_eq!(d[2].1, DataState::Removed);
        crate::lifecycle::process(&crate::cx::Cx::new(&store, ADMIN, NOW + 31 * DAY)).unwrap();
        assert_eq!(data(&store, "ana@contoso.com")[0].1, DataState::Purged);
    }

    #[test]
    fn l7_a_retention_hold_keeps_the_mailbox() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 1);
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        crate::users::update_mailbox(&cx, "ana@contoso.com", None, Some(true)).unwrap();
        crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        crate::licenses::unassign(&cx, "ana@contoso.com", "SPE_E3").unwrap();
        crate::lifecycle::process(&crate::cx::Cx::new(&store, ADMIN, NOW + 400 * DAY)).unwrap();
        assert_eq!(
            data(&store, "ana@contoso.com")[0],
            ("mailbox".into(), DataState::Retained, None)
        );
    }

    #[test]
    fn l9_shared_room_and_resource_mailboxes_need_no_license_unless_over_50_gb() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 2);
        let cx = admin(&store);
        let mut n = new_user("info@contoso.com");
        n.kind = UserKind::SharedMailbox;
        n.mailbox_gb = 20;
        crate::users::create(&cx, &n).unwrap();
        let err = crate::licenses::assign(&cx, "info@contoso.com", "SPE_E3", &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(i) if i.message.contains("50 GB")),
            "{err:?}"
        );
        assert!(
            !crate::users::get(&cx, "info@contoso.com")
                .unwrap()
                .needs_license
        );
        crate::users::update_mailbox(&cx, "info@contoso.com", Some(75), None).unwrap();
        assert!(
            crate::users::get(&cx, "info@contoso.com")
                .unwrap()
                .needs_license
        );
        crate::licenses::assign(&cx, "info@contoso.com", "SPE_E3", &[]).unwrap();
    }
}
