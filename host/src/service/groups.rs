//! Groups (interface `groups`, GL1-GL10): one transaction each; a change of a group's
//! licenses or members reaches every member in that transaction.

use super::model::groups::{GroupChange, GroupDetails, MemberError};
use super::model::licenses::LicenseChoice;
use super::model::types::Group;
use super::{CallError, Session};

/// Groups per page of the listing.
const GROUP_PAGE: u32 = 1000;
/// Members in error per page.
const ERROR_PAGE: u32 = 5000;

impl Session {
    pub fn create_group(
        &mut self,
        name: &str,
        description: Option<&str>,
        rule: Option<&str>,
    ) -> Result<Group, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_groups()
                .call_create_group(st, actor, name, description, rule)
        })
    }

    /// A group's membership rule set: its members follow it from now on (GL1, GL8).
    pub fn set_group_rule(&mut self, group: &str, rule: &str) -> Result<GroupChange, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_groups()
                .call_set_rule(st, actor, group, rule)
        })
    }

    pub fn delete_group(&mut self, group: &str) -> Result<Group, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_groups()
                .call_delete_group(st, actor, group)
        })
    }

    /// Every group, page by page, by id.
    pub fn groups(&mut self) -> Result<Vec<Group>, CallError> {
        let (mut all, mut after) = (Vec::new(), None);
        loop {
            let page = self.call(|d, st, actor| {
                d.seats_licensing_groups()
                    .call_list_groups(st, actor, after, GROUP_PAGE)
            })?;
            all.extend(page.groups);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// The products a group gives, by GUID, without counting its members.
    pub fn group_licenses(
        &mut self,
        group: &str,
    ) -> Result<Vec<crate::service::model::types::GroupLicense>, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_groups()
                .call_group_licenses(st, actor, group)
        })
    }

    pub fn get_group(&mut self, group: &str) -> Result<GroupDetails, CallError> {
        self.call(|d, st, actor| d.seats_licensing_groups().call_get_group(st, actor, group))
    }

    pub fn add_members(&mut self, group: &str, upns: &[String]) -> Result<GroupChange, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_groups()
                .call_add_members(st, actor, group, upns)
        })
    }

    pub fn remove_members(
        &mut self,
        group: &str,
        upns: &[String],
    ) -> Result<GroupChange, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_groups()
                .call_remove_members(st, actor, group, upns)
        })
    }

    /// Set-MgGroupLicense: the group's products added and removed as one change (GL10).
    pub fn set_group_licenses(
        &mut self,
        group: &str,
        add: &[LicenseChoice],
        remove: &[String],
    ) -> Result<GroupChange, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_groups()
                .call_set_group_licenses(st, actor, group, add, remove)
        })
    }

    /// GL7: the group's products given again to its members in error.
    pub fn reprocess_group(&mut self, group: &str) -> Result<GroupChange, CallError> {
        self.call(|d, st, actor| d.seats_licensing_groups().call_reprocess(st, actor, group))
    }

    /// Members in error, of one group or all, oldest first, handed to `each` a page at a time.
    pub fn member_error_pages(
        &mut self,
        group: Option<&str>,
        mut each: impl FnMut(Vec<MemberError>) -> anyhow::Result<bool>,
    ) -> Result<(), CallError> {
        let mut after = 0u32;
        loop {
            let page = self.call(|d, st, actor| {
                d.seats_licensing_groups()
                    .call_group_errors(st, actor, group, after, ERROR_PAGE)
            })?;
            let n = page.len() as u32;
            if !each(page)? || n < ERROR_PAGE {
                return Ok(());
            }
            after += n;
        }
    }
}
