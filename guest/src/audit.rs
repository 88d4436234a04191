//! The audit log: every change writes an entry in its own transaction (see `Cx::audit`); this
//! module reads it back.

use crate::Store;
use crate::audited;
use crate::cx::Cx;
use crate::error::{Result, invalid};
use crate::exports::seats::licensing::audit::AuditPage;
use crate::types::AuditFilter;
use crate::types::Operation;

pub const MAX_PAGE: u32 = 5000;

pub fn list<S: Store + ?Sized>(
    cx: &Cx<S>,
    filter: &AuditFilter,
    after: Option<u64>,
    limit: u32,
) -> Result<AuditPage> {
    cx.require(Operation::Read)?;
    if limit == 0 || limit > MAX_PAGE {
        return Err(invalid(
            "limit",
            format!("a page holds 1 to {MAX_PAGE} entries"),
        ));
    }
    if let (Some(s), Some(u)) = (filter.since, filter.until)
        && s > u
    {
        return Err(invalid("since", "the start of the range is after its end"));
    }
    let mut filter = filter.clone();
    filter.target = filter.target.map(|t| canonical_target(cx.store, &t));
    let records = cx.store.list_audit(&filter, after, limit);
    let next = (records.len() == limit as usize).then(|| records[records.len() - 1].id);
    Ok(AuditPage {
        events: records.into_iter().map(audited::event).collect(),
        next,
    })
}

/// A target as the entries spell it ("user:" and the UPN as created, "product:" and the part
/// number), however it was typed: the store compares targets exactly, by its index.
fn canonical_target<S: Store + ?Sized>(store: &S, target: &str) -> String {
    let Some((kind, key)) = target.trim().split_once(':') else {
        return target.trim().to_string();
    };
    let kind = kind.to_ascii_lowercase();
    let found = match kind.as_str() {
        "user" => store.find_user(key).map(|u| u.upn),
        "product" => match store.find_products(key).as_slice() {
            [one] => Some(one.part_number.clone()),
            _ => None,
        },
        "tenant" => store
            .get_tenant()
            .map(|t| t.name)
            .filter(|name| name.eq_ignore_ascii_case(key)),
        _ => None,
    };
    format!("{kind}:{}", found.as_deref().unwrap_or(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn filter() -> AuditFilter {
        AuditFilter {
            actor: None,
            action: None,
            target: None,
            since: None,
            until: None,
            newest_first: false,
        }
    }

    #[test]
    fn every_change_is_audited_with_who_what_and_before_after() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 2);
        add_user(&store, "ana@contoso.com");
        let cx = admin(&store);
        crate::licenses::assign(&cx, "ana@contoso.com", "SPE_E3", &[]).unwrap();
        let page = list(
            &cx,
            &AuditFilter {
                action: Some("license".into()),
                ..filter()
            },
            None,
            100,
        )
        .unwrap();
        assert_eq!(page.events.len(), 1);
        let e = &page.events[0];
        assert_eq!(
            (e.actor.as_str(), e.action.as_str(), e.target.as_str()),
            (ADMIN, "license.add", "user:ana@contoso.com")
        );
        assert_eq!(e.before, Some(crate::types::AuditState::Licenses(vec![])));
        assert_eq!(
            e.after,
            Some(crate::types::AuditState::Licenses(vec!["SPE_E3".into()]))
        );
        let by_target = list(
            &cx,
            &AuditFilter {
                target: Some("user:ana@contoso.com".into()),
                ..filter()
            },
            None,
            100,
        )
        .unwrap();
        assert_eq!(by_target.events.len(), 2, "created, then licensed");
        // However the target is typed.
        let typed = AuditFilter {
            target: Some(" USER:Ana@Contoso.COM".into()),
            ..filter()
        };
        assert_eq!(
            list(&cx, &typed, None, 100).unwrap().events,
            by_target.events
        );
        let product = AuditFilter {
            target: Some("product:spe_e3".into()),
            ..filter()
        };
        let prices = list(&cx, &product, None, 100).unwrap().events;
        assert!(
            !prices.is_empty() && prices.iter().all(|r| r.target == "product:SPE_E3"),
            "{prices:?}"
        );
    }

    #[test]
    fn newest_first_pages_back_from_the_end_with_the_same_filter() {
        let (store, _) = tenant_with_catalog();
        for i in 0..5 {
            add_user(&store, &format!("u{i}@contoso.com"));
        }
        let cx = admin(&store);
        let users = AuditFilter {
            action: Some("user".into()),
            ..filter()
        };
        let oldest_first = list(&cx, &users, None, 100).unwrap().events;
        assert_eq!(oldest_first.len(), 5);
        let newest = AuditFilter {
            newest_first: true,
            ..users
        };
        let (mut got, mut after) = (Vec::new(), None);
        loop {
            let page = list(&cx, &newest, after, 2).unwrap();
            got.extend(page.events);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        got.reverse();
        assert_eq!(got, oldest_first);
        // Unfiltered, newest first starts at the log's last entry.
        let everything = list(&cx, &filter(), None, 5000).unwrap().events;
        let last = list(
            &cx,
            &AuditFilter {
                newest_first: true,
                ..filter()
            },
            None,
            1,
        )
        .unwrap()
        .events;
        assert_eq!(last.as_slice(), &everything[everything.len() - 1..]);
    }

    #[test]
    fn a_refused_change_writes_no_audit_entry() {
        let (store, _) = tenant_with_catalog();
        add_user(&store, "ana@contoso.com");
        let before = store.snapshot().audit.len();
        assert!(crate::licenses::assign(&admin(&store), "ana@contoso.com", "SPE_E3", &[]).is_err());
        assert_eq!(store.snapshot().audit.len(), before);
    }
}
