//! The `groups` export (GL1-GL10).

use super::{Component, cx};
use crate::exports::seats::licensing::groups::{
    self, GroupChange, GroupDetails, GroupPage, MemberError,
};
use crate::exports::seats::licensing::licenses::LicenseChoice;
use crate::types::{Error, Group, GroupLicense, Principal};

impl groups::Guest for Component {
    fn create_group(
        actor: Principal,
        name: String,
        description: Option<String>,
        rule: Option<String>,
    ) -> Result<Group, Error> {
        crate::groups::create(&cx(actor), &name, description.as_deref(), rule.as_deref())
    }
    fn set_rule(actor: Principal, group: String, rule: String) -> Result<GroupChange, Error> {
        crate::groups::set_rule(&cx(actor), &group, &rule)
    }
    fn delete_group(actor: Principal, group: String) -> Result<Group, Error> {
        crate::groups::delete(&cx(actor), &group)
    }
    fn list_groups(actor: Principal, after: Option<u64>, limit: u32) -> Result<GroupPage, Error> {
        crate::groups::list(&cx(actor), after, limit)
    }
    fn get_group(actor: Principal, group: String) -> Result<GroupDetails, Error> {
        crate::groups::details(&cx(actor), &group)
    }
    fn add_members(
        actor: Principal,
        group: String,
        upns: Vec<String>,
    ) -> Result<GroupChange, Error> {
        crate::groups::add_members(&cx(actor), &group, &upns)
    }
    fn remove_members(
        actor: Principal,
        group: String,
        upns: Vec<String>,
    ) -> Result<GroupChange, Error> {
        crate::groups::remove_members(&cx(actor), &group, &upns)
    }
    fn set_group_licenses(
        actor: Principal,
        group: String,
        add: Vec<LicenseChoice>,
        remove: Vec<String>,
    ) -> Result<GroupChange, Error> {
        crate::groups::set_licenses(&cx(actor), &group, &add, &remove)
    }
    fn reprocess(actor: Principal, group: String) -> Result<GroupChange, Error> {
        crate::groups::reprocess(&cx(actor), &group)
    }
    fn group_licenses(actor: Principal, group: String) -> Result<Vec<GroupLicense>, Error> {
        crate::groups::licenses(&cx(actor), &group)
    }
    fn group_errors(
        actor: Principal,
        group: Option<String>,
        after: u32,
        limit: u32,
    ) -> Result<Vec<MemberError>, Error> {
        crate::groups::errors(&cx(actor), group.as_deref(), after, limit)
    }
}
