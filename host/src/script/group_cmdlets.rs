//! The group cmdlets (GL1-GL10), named after Graph PowerShell's: Get-MgGroup, New-MgGroup,
//! Remove-MgGroup, New-MgGroupMember, Remove-MgGroupMemberByRef, Set-MgGroupLicense,
//! Invoke-MgLicenseUser, and the members in error (Get-MgUser's licenseAssignmentStates).

use super::cmdlets::Shared;
use super::convert::{Fallible, add_remove, from_call, opt_string, rows, to_dynamic, upns};
use crate::service::model::groups::GroupChange;
use crate::views::OutcomeRow;
use crate::views::groups::{GroupChangeView, GroupDetailsView, GroupRow, MemberErrorRow};
use rhai::{Dynamic, Engine, Map};

/// A change's counts, and the members left in error with why (`failures`).
fn changed(c: GroupChange) -> Fallible<Dynamic> {
    let mut m = to_dynamic(&GroupChangeView::from(&c))?.cast::<Map>();
    let failures: Vec<OutcomeRow> = c.failures.into_iter().map(OutcomeRow::from).collect();
    m.insert("failures".into(), rows(&failures)?);
    Ok(m.into())
}

pub fn register(engine: &mut Engine, s: &Shared) {
    let c = s.clone();
    engine.register_fn("get_groups", move || -> Fallible<Dynamic> {
        let groups = c.borrow_mut().groups().map_err(from_call)?;
        let rows_: Vec<GroupRow> = groups.into_iter().map(GroupRow::from).collect();
        rows(&rows_)
    });
    let c = s.clone();
    engine.register_fn("get_group", move |group: &str| -> Fallible<Dynamic> {
        let d = c.borrow_mut().get_group(group).map_err(from_call)?;
        to_dynamic(&GroupDetailsView::from(d))
    });
    let c = s.clone();
    engine.register_fn(
        "new_group",
        move |name: &str, m: Map| -> Fallible<Dynamic> {
            let (description, rule) = (opt_string(&m, "description"), opt_string(&m, "rule"));
            let g = c
                .borrow_mut()
                .create_group(name, description.as_deref(), rule.as_deref())
                .map_err(from_call)?;
            to_dynamic(&GroupRow::from(g))
        },
    );
    let c = s.clone();
    engine.register_fn("remove_group", move |group: &str| -> Fallible<Dynamic> {
        let g = c.borrow_mut().delete_group(group).map_err(from_call)?;
        to_dynamic(&GroupRow::from(g))
    });
    let c = s.clone();
    engine.register_fn(
        "add_group_members",
        move |group: &str, users: Dynamic| -> Fallible<Dynamic> {
            let upns = upns(users)?;
            changed(
                c.borrow_mut()
                    .add_members(group, &upns)
                    .map_err(from_call)?,
            )
        },
    );
    let c = s.clone();
    engine.register_fn(
        "remove_group_members",
        move |group: &str, users: Dynamic| -> Fallible<Dynamic> {
            let upns = upns(users)?;
            changed(
                c.borrow_mut()
                    .remove_members(group, &upns)
                    .map_err(from_call)?,
            )
        },
    );
    let c = s.clone();
    engine.register_fn(
        "set_group_license",
        move |group: &str, m: Map| -> Fallible<Dynamic> {
            let (add, remove) = add_remove(&m)?;
            changed(
                c.borrow_mut()
                    .set_group_licenses(group, &add, &remove)
                    .map_err(from_call)?,
            )
        },
    );
    let c = s.clone();
    engine.register_fn(
        "set_group_rule",
        move |group: &str, rule: &str| -> Fallible<Dynamic> {
            changed(
                c.borrow_mut()
                    .set_group_rule(group, rule)
                    .map_err(from_call)?,
            )
        },
    );
    let c = s.clone();
    engine.register_fn("reprocess_group", move |group: &str| -> Fallible<Dynamic> {
        changed(c.borrow_mut().reprocess_group(group).map_err(from_call)?)
    });
    let errors = |c: &Shared, group: Option<&str>| -> Fallible<Dynamic> {
        let mut all = Vec::new();
        c.borrow_mut()
            .member_error_pages(group, |page| {
                all.extend(page.into_iter().map(MemberErrorRow::from));
                Ok(true)
            })
            .map_err(from_call)?;
        rows(&all)
    };
    let c = s.clone();
    engine.register_fn("get_group_errors", move || errors(&c, None));
    let c = s.clone();
    engine.register_fn("get_group_errors", move |group: &str| {
        errors(&c, Some(group))
    });
}
