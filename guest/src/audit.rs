//! The audit log: every change writes an entry in its own transaction (see `Cx::audit`); this
//! module reads it back.

use crate::Store;
use crate::cx::Cx;
use crate::error::{Result, invalid};
use crate::exports::seats::licensing::audit::AuditPage;
use crate::roles::Operation;
use crate::types::AuditFilter;

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
    let records = cx.store.list_audit(filter, after, limit);
    let next = (records.len() == limit as usize).then(|| records[records.len() - 1].id);
    Ok(AuditPage { records, next })
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
        assert_eq!(page.records.len(), 1);
        let e = &page.records[0].entry;
        assert_eq!(
            (e.actor.as_str(), e.action.as_str(), e.target.as_str()),
            (ADMIN, "license.add", "user:ana@contoso.com")
        );
        assert_eq!(e.before.as_deref(), Some("[]"));
        assert_eq!(e.after.as_deref(), Some("[\"SPE_E3\"]"));
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
        assert_eq!(by_target.records.len(), 2, "created, then licensed");
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
