//! Changing many users' licenses in one call (L5, L6) and one user's as one change (G2).
//!
//! Every call plans first, against exact pool counts that the plan itself updates user by
//! user, then writes the planned changes in batches. With all-or-nothing, a plan with a
//! failure writes nothing.

mod choices;
mod held;
mod new_users;
mod planner;
mod pools;
pub mod sources;
mod waiting;

use crate::cx::Cx;
use crate::error::{Result, invalid};
use crate::exports::seats::licensing::bulk::{BulkSummary, LicenseChange};
use crate::exports::seats::licensing::licenses::{BulkResult, LicenseChoice, UserLicense};
use crate::exports::seats::licensing::users::UserFilter;
use crate::types::{Error, User};
use crate::{Store, view};
use planner::Planner;

pub use new_users::{NewLicenses, plan_new, write_new};
pub use waiting::serve_waiting;

/// Most rows one store call reads or writes: big calls cross the boundary in batches of this
/// size (one crossing per batch, and the copy per crossing stays bounded: wasmtime stops a
/// host call that copies too much).
pub(crate) const CHUNK: usize = 10_000;

/// How a call changes each user's set of licenses.
pub enum Mode<'a> {
    /// Add these; keep the others (a held product gets the given disabled plans).
    Add(&'a [LicenseChoice]),
    /// Add these from a self-service subscription (its purchaser's pool, P1), by its id.
    AddFrom(&'a [LicenseChoice], u64),
    /// Remove the license a self-service subscription gave (its purchaser's, P2), by its id.
    RemoveFrom(u64),
    /// Switch the service plans of held licenses (L3): the product's plans given are off,
    /// the rest on; a product not held is refused.
    Plans(&'a [LicenseChoice]),
    /// Free every license of a user being deleted (L8), self-service ones too, and keep them
    /// for a restore.
    Delete,
    /// Bring back one license a deleted user held, from the pool it came from (L8).
    Restore(&'a [LicenseChoice], Option<u64>),
    /// These, and only these.
    Replace(&'a [LicenseChoice]),
    RemoveAll,
    /// Remove these products where held.
    Remove(&'a [String]),
    /// Remove, then add (Graph's assignLicense).
    Set {
        add: &'a [LicenseChoice],
        remove: &'a [String],
    },
    /// A group's change for its members (GL1, GL4, GL5, GL10): the group stops giving the
    /// products in `take` (sku ids) and gives every product in `give` (its licenses after),
    /// to each member all or none; a member who cannot have them all is in error for the group.
    Group {
        group: u64,
        give: &'a [crate::types::GroupLicense],
        take: &'a [String],
    },
}

impl Mode<'_> {
    fn action(&self) -> &'static str {
        match self {
            Mode::Add(_) => "license.add",
            Mode::AddFrom(..) => "license.self-service-assign",
            Mode::RemoveFrom(_) => "license.self-service-unassign",
            Mode::Plans(_) => "license.plans",
            Mode::Delete => "license.user-deleted",
            Mode::Restore(..) => "license.user-restored",
            Mode::Replace(_) => "license.replace",
            Mode::RemoveAll => "license.remove-all",
            Mode::Remove(_) => "license.remove",
            Mode::Set { .. } => "license.set",
            Mode::Group { .. } => "license.group",
        }
    }
}

/// Each change of the contract as the planner's mode.
fn mode(change: &LicenseChange) -> Mode<'_> {
    match change {
        LicenseChange::Add(a) => Mode::Add(a),
        LicenseChange::Replace(a) => Mode::Replace(a),
        LicenseChange::RemoveAll => Mode::RemoveAll,
        LicenseChange::Remove(p) => Mode::Remove(p),
        LicenseChange::Set(s) => Mode::Set {
            add: &s.add,
            remove: &s.remove,
        },
    }
}

/// L5, L6: a change of the users named by UPN (`bulk.change`).
pub fn change<S: Store + ?Sized>(
    cx: &Cx<S>,
    upns: &[String],
    change: &LicenseChange,
    all_or_nothing: bool,
) -> Result<BulkResult> {
    run(cx, upns, mode(change), all_or_nothing)
}

/// L5, L6 over the users given by UPN, in pages of `CHUNK`: one outcome per user, in order.
pub fn run<S: Store + ?Sized>(
    cx: &Cx<S>,
    upns: &[String],
    mode: Mode,
    all_or_nothing: bool,
) -> Result<BulkResult> {
    run_paged(cx, upns, mode, all_or_nothing, CHUNK)
}

fn run_paged<S: Store + ?Sized>(
    cx: &Cx<S>,
    upns: &[String],
    mode: Mode,
    all_or_nothing: bool,
    page: usize,
) -> Result<BulkResult> {
    let mut planner = Planner::new(cx, mode, all_or_nothing, true)?;
    let mut outcomes = Vec::with_capacity(upns.len());
    let mut pages = upns.chunks(page).peekable();
    planner.run(
        |p| {
            let upns = pages.next()?;
            let users = cx.store.find_users(upns);
            Some((p.read(upns.to_vec(), users), pages.peek().is_some()))
        },
        |page| outcomes.extend(page),
    );
    let rolled_back = planner.rolled_back();
    if !rolled_back {
        serve_waiting(cx, &planner.freed)?;
    }
    if rolled_back {
        for o in outcomes.iter_mut().filter(|o| o.error.is_none()) {
            o.after = o.before.clone();
            o.changed = false;
        }
    }
    Ok(BulkResult {
        outcomes,
        applied: if rolled_back { 0 } else { planner.applied },
        unchanged: planner.unchanged,
        failed: planner.failed,
        rolled_back,
    })
}

/// L5, L6 over every active user a filter selects, a page at a time: counts and the first
/// `failure_limit` failures instead of one outcome per user, so memory stays flat.
pub fn change_where<S: Store + ?Sized>(
    cx: &Cx<S>,
    filter: &UserFilter,
    change: &LicenseChange,
    all_or_nothing: bool,
    failure_limit: u32,
) -> Result<BulkSummary> {
    change_where_paged(cx, filter, change, all_or_nothing, failure_limit, CHUNK)
}

/// [`change_where`] with pages of `page` users: small pages let tests and the fuzzer cross
/// pages (and undo written ones) with a few users.
pub fn change_where_paged<S: Store + ?Sized>(
    cx: &Cx<S>,
    filter: &UserFilter,
    change: &LicenseChange,
    all_or_nothing: bool,
    failure_limit: u32,
    page: usize,
) -> Result<BulkSummary> {
    if filter.deleted {
        return Err(invalid(
            "filter",
            "deleted users hold no licenses to change: restore them first, or leave `deleted` out",
        ));
    }
    let mode = mode(change);
    // The actor's roles first: a forbidden call learns nothing about the filter's values.
    let mut planner = Planner::new(cx, mode, all_or_nothing, false)?;
    planner.failures_only = true;
    let query = crate::directory::query(cx.store, filter)?;
    let (mut selected, mut failures) = (0, Vec::new());
    let mut after = None;
    planner.run(
        |p| {
            let mut users = cx.store.list_users(&query, after, page as u32);
            after = Some(users.last()?.id);
            // Ids only grow, so a page's writes never move a user into or out of a later page.
            let more = users.len() == page;
            crate::directory::keep(filter, &mut users);
            selected += users.len() as u32;
            let upns: Vec<String> = users.iter().map(|u| u.upn.clone()).collect();
            Some((p.read(upns, users.into_iter().map(Some).collect()), more))
        },
        |outcomes| {
            let room = (failure_limit as usize).saturating_sub(failures.len());
            failures.extend(
                outcomes
                    .into_iter()
                    .filter(|o| o.error.is_some())
                    .take(room),
            );
        },
    );
    let rolled_back = planner.rolled_back();
    if !rolled_back {
        serve_waiting(cx, &planner.freed)?;
    }
    Ok(BulkSummary {
        selected,
        applied: if rolled_back { 0 } else { planner.applied },
        unchanged: planner.unchanged,
        failed: planner.failed,
        rolled_back,
        failures,
    })
}

/// The products a group is to give (GL1), each named product resolved with the plans it
/// leaves off, as a direct assignment resolves them.
pub fn group_licenses<S: Store + ?Sized>(
    store: &S,
    given: &[LicenseChoice],
) -> Result<Vec<(crate::types::Product, crate::types::GroupLicense)>> {
    Ok(choices::choices(store, given)?
        .into_iter()
        .map(|c| {
            let license = crate::types::GroupLicense {
                sku_id: c.product.sku_id.clone(),
                disabled_plans: c.disabled,
            };
            (c.product, license)
        })
        .collect())
}

/// The members in error for a group (GL3), read page by page.
pub fn in_error<S: Store + ?Sized>(store: &S, group: u64) -> crate::hash::HashSet<u64> {
    const PAGE: u32 = 10_000;
    let mut ids = crate::hash::HashSet::default();
    let mut skip = 0;
    loop {
        let page = store.group_errors(Some(group), skip, PAGE);
        skip += page.len() as u32;
        let last = page.len() < PAGE as usize;
        ids.extend(page.into_iter().map(|e| e.user_id));
        if last {
            return ids;
        }
    }
}

/// Whose licenses a group change goes over.
pub enum Members<'a> {
    /// These users (added to or removed from the group, or in error for it).
    Given(&'a [User]),
    /// Every member of the group, page by page.
    Of(u64),
}

/// What a group change did to the members it went over.
pub struct GroupRun {
    /// Products (sku ids) of the organisation's pools the change freed licenses of.
    pub freed: std::collections::BTreeSet<String>,
    pub changed: u32,
    pub unchanged: u32,
    /// Members left in error (GL4), and the first of them with why.
    pub errors: u32,
    pub failures: Vec<crate::exports::seats::licensing::licenses::UserOutcome>,
}

/// A group change over users handed in pages as the caller reads them (members joining or
/// leaving, GL1, GL5, GL8): each page's licenses are read when it is handed in, and its
/// writes queued when the next one is, so that SQLite writes one page while the next is
/// planned. Each user once; `finish` says what it did.
pub struct GroupPages<'c, 's, 'm, S: Store + ?Sized> {
    planner: Planner<'c, 's, 'm, S>,
}

impl<'c, 's, 'm, S: Store + ?Sized> GroupPages<'c, 's, 'm, S> {
    /// `outsiders`: none of the users is in error for the group (GL3: errors are its
    /// members', and these are joining it), so no error is cleared for them.
    pub fn new(
        cx: &'c Cx<'s, S>,
        group: u64,
        give: &'m [crate::types::GroupLicense],
        take: &'m [String],
        outsiders: bool,
    ) -> Result<Self> {
        let mut planner = Planner::new(cx, Mode::Group { group, give, take }, false, true)?;
        planner.failures_only = true;
        if outsiders {
            planner.in_error = Some(Default::default());
        }
        Ok(GroupPages { planner })
    }

    /// Plans these users (at most `CHUNK` a page); `between` runs once the previous page's
    /// writes are queued, for the caller to queue its own for that page after them.
    pub fn push(&mut self, users: &[User], between: impl FnOnce()) {
        let mut between = Some(between);
        for page in users.chunks(CHUNK) {
            self.planner.push(page.to_vec(), || {
                if let Some(f) = between.take() {
                    f()
                }
            });
        }
    }

    /// Queues the last page's writes; what the change did.
    pub fn finish(mut self) -> GroupRun {
        self.planner.flush();
        let p = &mut self.planner;
        GroupRun {
            freed: std::mem::take(&mut p.freed),
            changed: p.applied,
            unchanged: p.unchanged,
            errors: p.group_error_count,
            failures: std::mem::take(&mut p.group_errors),
        }
    }
}

/// GL1, GL4, GL5, GL10: the group stops giving `take` and gives `give` to each member it
/// goes over, in pages of `CHUNK` (flat memory at any group size), in this transaction.
pub fn change_group<S: Store + ?Sized>(
    cx: &Cx<S>,
    group: u64,
    give: &[crate::types::GroupLicense],
    take: &[String],
    members: Members,
) -> Result<GroupRun> {
    let mode = Mode::Group { group, give, take };
    let mut planner = Planner::new(cx, mode, false, matches!(members, Members::Given(_)))?;
    planner.failures_only = true;
    match members {
        Members::Given(users) => {
            let mut pages = GroupPages { planner };
            pages.push(users, || {});
            return Ok(pages.finish());
        }
        Members::Of(group) => {
            // Read once for the whole group, rather than a delete per member.
            planner.in_error = Some(in_error(cx.store, group));
            let query = crate::seats::licensing::store::UserQuery {
                member_of: Some(group),
                ..crate::directory::everyone()
            };
            let mut after = None;
            planner.run(
                |p| {
                    let users = cx.store.list_users(&query, after, CHUNK as u32);
                    after = Some(users.last()?.id);
                    let more = users.len() == CHUNK;
                    let upns = users.iter().map(|u| u.upn.clone()).collect();
                    Some((p.read(upns, users.into_iter().map(Some).collect()), more))
                },
                |_| {},
            );
        }
    }
    Ok(GroupRun {
        freed: std::mem::take(&mut planner.freed),
        changed: planner.applied,
        unchanged: planner.unchanged,
        errors: planner.group_error_count,
        failures: std::mem::take(&mut planner.group_errors),
    })
}

/// G2: one user's additions and removals as one change, refused whole with the reason.
pub fn set_user_licenses<S: Store + ?Sized>(
    cx: &Cx<S>,
    upn: &str,
    add: &[LicenseChoice],
    remove: &[String],
) -> Result<Vec<UserLicense>> {
    if add.is_empty() && remove.is_empty() {
        return Err(invalid(
            "licenses",
            "no license changes given: name at least one license to add or remove",
        ));
    }
    let result = run(cx, &[upn.to_string()], Mode::Set { add, remove }, true)?;
    if let Some(Some(e)) = result.outcomes.into_iter().next().map(|o| o.error) {
        return Err(e);
    }
    let user = crate::directory::find(cx.store, upn)?;
    Ok(view::licenses_of(cx.store, &user))
}

/// The first refusal of a one-user bulk call, as that call's error.
pub fn single(result: BulkResult) -> std::result::Result<(), Error> {
    match result.outcomes.into_iter().next().and_then(|o| o.error) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
