//! The audit log (interface `audit`, A1): read page by page, oldest or newest first.

use super::model::types::{AuditEvent, AuditFilter};
use super::{CallError, PAGE, Session, pages};

impl Session {
    /// The audit entries matching the filter after entry `after`, oldest first, handed to
    /// `each` a page at a time as they are read, until it returns false.
    pub fn audit_pages(
        &mut self,
        filter: &AuditFilter,
        after: Option<u64>,
        each: impl FnMut(Vec<AuditEvent>) -> anyhow::Result<bool>,
    ) -> Result<(), CallError> {
        let read = |after| {
            let page = self.call(|d, st, actor| {
                d.seats_licensing_audit()
                    .call_list_audit(st, actor, filter, after, PAGE)
            })?;
            Ok((page.events, page.next))
        };
        pages(after, read, each)
    }

    /// Every audit entry matching the filter after entry `after`, oldest first, page by page.
    pub fn all_audit(
        &mut self,
        filter: &AuditFilter,
        after: Option<u64>,
    ) -> Result<Vec<AuditEvent>, CallError> {
        let mut records = Vec::new();
        self.audit_pages(filter, after, |page| {
            records.extend(page);
            Ok(true)
        })?;
        Ok(records)
    }

    /// The newest `n` audit entries matching the filter, oldest first: read newest first,
    /// so a long log costs only the pages asked for.
    pub fn newest_audit(
        &mut self,
        filter: &AuditFilter,
        n: usize,
    ) -> Result<Vec<AuditEvent>, CallError> {
        let filter = AuditFilter {
            newest_first: true,
            ..filter.clone()
        };
        let (mut records, mut after) = (Vec::new(), None);
        while records.len() < n {
            let limit = (n - records.len()).min(PAGE as usize) as u32;
            let page = self.call(|d, st, actor| {
                d.seats_licensing_audit()
                    .call_list_audit(st, actor, &filter, after, limit)
            })?;
            records.extend(page.events);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        records.reverse();
        Ok(records)
    }

    /// The users whose licenses the change begun after `mark` changes (in this transaction,
    /// before it ends), a page at a time, each once, in the order first changed.
    pub fn changed_users(&mut self, mark: u64) -> Result<Vec<String>, CallError> {
        let (mut users, mut seen) = (Vec::new(), std::collections::HashSet::new());
        let mut after = mark;
        loop {
            let page = self.rt.call(|d, st| {
                d.seats_licensing_audit()
                    .call_page_of_change(st, after, PAGE)
            })?;
            for l in page.licenses {
                if seen.insert(l.upn.to_lowercase()) {
                    users.push(l.upn);
                }
            }
            match page.next {
                Some(next) => after = next,
                None => return Ok(users),
            }
        }
    }

    /// The id of the newest audit entry: a mark to list what a run changed after it.
    pub fn audit_mark(&mut self) -> anyhow::Result<u64> {
        self.rt.db().last_audit_id()
    }

    /// Records, from now on in this transaction, the users' data a change stops (a preview's).
    pub fn watch_data(&mut self) -> anyhow::Result<()> {
        self.rt.db().watch_data()
    }

    /// The data rows stopped since `watch_data` (the first `limit`), and for how many users.
    pub fn data_changes(
        &mut self,
        limit: u32,
    ) -> anyhow::Result<(Vec<crate::db::preview::DataChange>, u64)> {
        self.rt.db().data_changes(limit)
    }
}
