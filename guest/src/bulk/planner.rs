//! The planner of a bulk call: pages of users read, each user's change planned against the
//! pool counts (`plan_user`), then the page written (or, all or nothing, undone).

use super::choices::{Choice, choices, own_product, products, self_service_subscription};
use super::held::Held;
use super::pools::Pools;
use super::sources::{GroupPlans, differs, direct_plans, settle};
use super::{CHUNK, Mode};
use crate::audited::Audited;
use crate::cx::Cx;
use crate::error::{Result, conflict, invalid, not_found};
use crate::exports::seats::licensing::licenses::{LicenseChoice, UserOutcome};
use crate::hash::{HashMap, HashSet};
use crate::plans::PlanCache;
use crate::pool::Source;
use crate::types::ObjectKind;
use crate::types::{Assignment, Operation, Product, ServiceData, User};
use crate::{Store, directory, provisioning, roles};
use std::collections::BTreeSet;
use std::rc::Rc;

/// Part numbers by sku, fetched once per call, and the sorted lists of them per set of skus:
/// a bulk call over many users meets a few sets, and each user's lists are shared, not built.
struct Names<'s, S: Store + ?Sized> {
    store: &'s S,
    names: HashMap<String, String>,
    lists: HashMap<String, Rc<NameList>>,
    /// The key of the set looked up last, kept to spare an allocation per user.
    key: String,
}

impl<S: Store + ?Sized> Names<'_, S> {
    fn new(store: &S) -> Names<'_, S> {
        Names {
            store,
            names: HashMap::default(),
            lists: HashMap::default(),
            key: String::new(),
        }
    }

    /// Part numbers of the skus, sorted; each sku is looked up in the store once per call.
    fn of<'k>(&mut self, skus: impl Iterator<Item = &'k String> + Clone) -> Rc<NameList> {
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        for sku in skus.clone() {
            key.push_str(sku);
            key.push(';');
        }
        let list = match self.lists.get(&key) {
            Some(list) => list.clone(),
            None => {
                let mut names: Vec<String> = skus.map(|sku| self.name(sku)).collect();
                names.sort();
                let stored = names.stored(self.store);
                let list = Rc::new(NameList { names, stored });
                self.lists.insert(key.clone(), list.clone());
                list
            }
        };
        self.key = key;
        list
    }

    fn name(&mut self, sku: &String) -> String {
        if let Some(name) = self.names.get(sku) {
            return name.clone();
        }
        let name = self
            .store
            .get_product(sku)
            .map_or_else(|| sku.clone(), |p| p.part_number);
        self.names.insert(sku.clone(), name.clone());
        name
    }
}

/// A set of licenses by part number, sorted, and as the audit log stores it.
struct NameList {
    names: Vec<String>,
    stored: String,
}

impl NameList {
    fn to_vec(&self) -> Vec<String> {
        self.names.clone()
    }
}

/// What one page's changes write.
#[derive(Default)]
struct Writes {
    delete: Vec<(u64, String)>,
    insert: Vec<Assignment>,
    /// Held licenses whose sources or disabled plans change (L3, GL2).
    update: Vec<Assignment>,
    /// A deleted user's licenses, kept for a restore (L8).
    stash: Vec<(u64, Vec<Assignment>)>,
}

/// One bulk call's state across its pages: the exact pool counts, the caches, the counts so
/// far and, with all or nothing, the mark that undoes the pages written when a later user
/// fails. A page is planned whole, then written, so memory follows the page, not the call.
pub(super) struct Planner<'c, 's, 'm, S: Store + ?Sized> {
    cx: &'c Cx<'s, S>,
    mode: Mode<'m>,
    chosen: Vec<Choice>,
    removes: Vec<Product>,
    default_location: Option<String>,
    pools: Pools<'s, S>,
    names: Names<'s, S>,
    /// Users seen (by id), when the users are given (a filter selects each user once).
    seen: Option<HashSet<u64>>,
    rules: Vec<crate::types::PlanRule>,
    cache: PlanCache,
    groups: GroupPlans<'s, S>,
    /// Whether the call can change what users' licenses provision (L4, L7). A group change
    /// gives and takes only its own products: when none of them provisions a workload, the
    /// users' data is neither read nor written.
    touches_data: bool,
    /// A group change over all its members: those in error for the group before it (GL3),
    /// the only ones with an error to clear when they get its products (`None`: clear any).
    pub(super) in_error: Option<HashSet<u64>>,
    all_or_nothing: bool,
    mark: Option<u32>,
    /// With pages handed in (`push`): the last page's writes, queued when the next is read.
    pending: Option<PageWrites>,
    pub(super) applied: u32,
    pub(super) unchanged: u32,
    pub(super) failed: u32,
    /// Outcomes only for users that failed: a call over a filter returns no others, and
    /// building one per changed user (their name, licenses before and after) is most of a
    /// page's allocations.
    pub(super) failures_only: bool,
    /// A group change's members left in error (GL4), with why; they are not failures of the
    /// call: the rest of the members get the group's products.
    pub(super) group_errors: Vec<UserOutcome>,
    pub(super) group_error_count: u32,
    /// Products whose organisation's pool the call freed licenses of: the waiting line may
    /// be served from them (GL8).
    pub(super) freed: BTreeSet<String>,
}

/// Members in error a group change lists with why (the count covers them all).
const GROUP_ERRORS_SHOWN: usize = 1000;

impl<'c, 's, 'm, S: Store + ?Sized> Planner<'c, 's, 'm, S> {
    /// Checks the call before any user: the actor's roles and the products named.
    pub(super) fn new(
        cx: &'c Cx<'s, S>,
        mode: Mode<'m>,
        all_or_nothing: bool,
        given: bool,
    ) -> Result<Self> {
        let (adds, removes): (&[LicenseChoice], Vec<Product>) = match &mode {
            Mode::Add(a)
            | Mode::AddFrom(a, _)
            | Mode::Replace(a)
            | Mode::Plans(a)
            | Mode::Restore(a, _) => (a, vec![]),
            Mode::RemoveAll | Mode::Delete | Mode::Group { .. } => (&[], vec![]),
            Mode::Remove(r) => (&[], products(cx.store, r)?),
            Mode::RemoveFrom(id) => (&[], vec![own_product(cx, *id)?]),
            Mode::Set { add, remove } => (add, products(cx.store, remove)?),
        };
        match &mode {
            // R2, P2: a self-service subscription's licenses are its purchaser's to give and take.
            Mode::AddFrom(_, id) | Mode::RemoveFrom(id) => {
                let op = if matches!(mode, Mode::AddFrom(..)) {
                    Operation::AssignLicense
                } else {
                    Operation::RemoveLicense
                };
                let s = self_service_subscription(cx, *id)?;
                roles::for_subscription(cx.store, &cx.actor, &s, op)?;
            }
            // L8: deleting and restoring a user is the user administrator's, licenses and all.
            Mode::Delete | Mode::Restore(..) => {
                cx.require(Operation::DeleteUser)?;
            }
            // The group's operations ask for the roles they need before they plan (GL1).
            Mode::Group { .. } => {}
            _ => {
                if !adds.is_empty() || matches!(mode, Mode::Replace(_)) {
                    cx.require(Operation::AssignLicense)?;
                }
                if !matches!(mode, Mode::Add(_) | Mode::Plans(_)) {
                    cx.require(Operation::RemoveLicense)?;
                }
            }
        }
        let chosen = choices(cx.store, adds)?;
        if matches!(
            mode,
            Mode::Add(_) | Mode::AddFrom(..) | Mode::Plans(_) | Mode::Restore(..)
        ) && chosen.is_empty()
        {
            return Err(invalid("products", "name at least one product to add"));
        }
        if let Mode::Set { add, remove } = &mode
            && add.is_empty()
            && remove.is_empty()
        {
            return Err(invalid(
                "licenses",
                "no license changes given: name at least one license to add or remove",
            ));
        }
        if matches!(mode, Mode::Remove(_)) && removes.is_empty() {
            return Err(invalid("products", "name at least one product to remove"));
        }
        let mut cache = PlanCache::default();
        let touches_data = match &mode {
            Mode::Group { give, take, .. } => give
                .iter()
                .map(|l| l.sku_id.as_str())
                .chain(take.iter().map(String::as_str))
                .any(|sku| cache.provisions(cx.store, sku)),
            _ => true,
        };
        Ok(Planner {
            cx,
            touches_data,
            in_error: None,
            default_location: cx.store.get_tenant().and_then(|t| t.default_usage_location),
            pools: Pools::new(cx.store),
            names: Names::new(cx.store),
            seen: given.then(HashSet::default),
            rules: cx.store.plan_rules(),
            cache,
            groups: GroupPlans::new(cx.store),
            mode,
            chosen,
            removes,
            all_or_nothing,
            mark: None,
            pending: None,
            applied: 0,
            unchanged: 0,
            failed: 0,
            failures_only: false,
            group_errors: Vec::new(),
            group_error_count: 0,
            freed: BTreeSet::new(),
        })
    }

    /// True when all or nothing was asked and a user failed: nothing is applied.
    pub(super) fn rolled_back(&self) -> bool {
        self.all_or_nothing && self.failed > 0
    }

    /// Reads what planning a page needs (at most `CHUNK` users, `None` for a UPN not found):
    /// what each user holds. Their service data is read once the page is planned, only for
    /// the users whose licenses come to provide other workloads (`settle_data`).
    pub(super) fn read(&self, upns: Vec<String>, users: Vec<Option<User>>) -> Page {
        let ids: Vec<u64> = users.iter().flatten().map(|u| u.id).collect();
        Page {
            held: self.cx.store.assignments_of_users(&ids),
            upns,
            users,
        }
    }

    /// Plans a read page: one outcome per user, and what the page writes (none when the call
    /// has failed all or nothing: then the pages written so far are undone here).
    fn plan(&mut self, page: Page) -> (Vec<UserOutcome>, Option<PageWrites>) {
        let Page { upns, users, held } = page;
        let mut held = held.into_iter();
        let mut outcomes = Vec::with_capacity(upns.len());
        let mut w = PageWrites::default();
        for (upn, user) in upns.into_iter().zip(users) {
            let before = match &user {
                Some(_) => Held::new(held.next().unwrap_or_default()),
                None => Held::default(),
            };
            let before_names = self.names.of(before.keys());
            let planned = plan_user(
                self.cx,
                &upn,
                user.as_ref(),
                &before,
                &self.mode,
                &self.chosen,
                &self.removes,
                self.seen.as_mut(),
                self.default_location.as_deref(),
                &mut self.pools,
                (&self.rules, &mut self.cache, &mut self.groups),
            );
            let planned = match (planned, &self.mode, &user) {
                // GL4: a member who cannot have all of a group's products gets none of them
                // from it, and is in error for the group (the intent is kept).
                (Err(e), Mode::Group { group, give, take }, Some(u)) => {
                    let group = *group;
                    let every: Vec<String> = give
                        .iter()
                        .map(|l| l.sku_id.clone())
                        .chain(take.iter().cloned())
                        .collect();
                    let none = Mode::Group {
                        group,
                        give: &[],
                        take: &every,
                    };
                    let fallback = plan_user(
                        self.cx,
                        &upn,
                        user.as_ref(),
                        &before,
                        &none,
                        &[],
                        &[],
                        None,
                        self.default_location.as_deref(),
                        &mut self.pools,
                        (&self.rules, &mut self.cache, &mut self.groups),
                    );
                    w.errors.push(crate::types::GroupError {
                        user_id: u.id,
                        group_id: group,
                        code: crate::groups::code_of(&e),
                        message: crate::groups::reason_of(&e),
                        since: self.cx.now,
                    });
                    self.group_error_count += 1;
                    if self.group_errors.len() < GROUP_ERRORS_SHOWN {
                        self.group_errors.push(UserOutcome {
                            upn: upn.clone(),
                            error: Some(e),
                            changed: false,
                            after: before_names.to_vec(),
                            before: before_names.to_vec(),
                        });
                    }
                    fallback
                }
                (Ok(p), Mode::Group { .. }, Some(u)) => {
                    if self.in_error.as_ref().is_none_or(|e| e.contains(&u.id)) {
                        w.cleared.push(u.id);
                    }
                    Ok(p)
                }
                (planned, ..) => planned,
            };
            match planned {
                Err(e) => {
                    self.failed += 1;
                    outcomes.push(UserOutcome {
                        upn,
                        error: Some(e),
                        changed: false,
                        after: before_names.to_vec(),
                        before: before_names.to_vec(),
                    });
                }
                Ok(None) => {
                    self.unchanged += 1;
                    if self.failures_only {
                        continue;
                    }
                    outcomes.push(UserOutcome {
                        upn,
                        error: None,
                        changed: false,
                        after: before_names.to_vec(),
                        before: before_names.to_vec(),
                    });
                }
                Ok(Some((after, planned))) => {
                    let user = user.expect("only a user that exists is planned");
                    self.applied += 1;
                    let after_names = self.names.of(after.keys());
                    let entry = if matches!(self.mode, Mode::Plans(_)) {
                        // A change of plans names the plans switched off, before and after.
                        let store = self.cx.store;
                        let mut label = |held: &Held| {
                            let mut l: Vec<String> =
                                held.values().map(|a| self.cache.label(store, a)).collect();
                            l.sort();
                            l
                        };
                        let (b, a) = (label(&before), label(&after));
                        self.cx.audit_entry(
                            self.mode.action(),
                            format!("user:{}", user.upn),
                            Some(&b),
                            Some(&a),
                        )
                    } else {
                        self.cx.audit_entry_stored(
                            self.mode.action(),
                            format!("user:{}", user.upn),
                            Some(before_names.stored.clone()),
                            Some(after_names.stored.clone()),
                        )
                    };
                    w.audit.push(entry);
                    for (_, sku) in &planned.delete {
                        if before.get(sku).is_some_and(|a| a.subscription.is_none()) {
                            self.freed.insert(sku.clone());
                        }
                    }
                    w.rows.delete.extend(planned.delete);
                    w.rows.insert.extend(planned.insert);
                    w.rows.update.extend(planned.update);
                    w.rows.stash.extend(planned.stash);
                    // L4, L7: the user's data follows the workloads their licenses provide. Where
                    // those stay the same, so does the data (it is active exactly for them, which
                    // `seats check` holds), and it is not read; deleting a user moves it always.
                    if self.touches_data {
                        let store = self.cx.store;
                        let had = self.cache.provided(store, before.values()).clone();
                        let wanted = self.cache.provided(store, after.values());
                        let deleted = matches!(self.mode, Mode::Delete);
                        if deleted || *wanted != had {
                            w.moves.push(DataMove {
                                user: user.clone(),
                                wanted: wanted.clone(),
                                deleted,
                            });
                        }
                    }
                    if self.failures_only {
                        continue;
                    }
                    outcomes.push(UserOutcome {
                        upn: user.upn,
                        error: None,
                        changed: true,
                        before: before_names.to_vec(),
                        after: after_names.to_vec(),
                    });
                }
            }
        }
        if self.rolled_back() {
            // The rest is planned (so every failure is reported), never written.
            if let Some(mark) = self.mark.take() {
                self.cx.store.rollback_to(mark);
            }
            return (outcomes, None);
        }
        let any = !(w.audit.is_empty()
            && w.moves.is_empty()
            && w.errors.is_empty()
            && w.cleared.is_empty());
        (outcomes, any.then_some(w))
    }

    /// Writes a planned page. `more` says whether pages may follow, which all or nothing must
    /// be able to undo this one for.
    fn write(&mut self, w: PageWrites, more: bool) {
        let store = self.cx.store;
        let data = settle_data(self.cx, &w.moves);
        if self.all_or_nothing && more && self.mark.is_none() {
            self.mark = Some(store.savepoint());
        }
        // A user can hold several licenses: rows, not users, bound a crossing.
        for c in w.rows.delete.chunks(CHUNK) {
            store.delete_assignments(c);
        }
        for c in w.rows.insert.chunks(CHUNK) {
            store.insert_assignments(c);
        }
        for c in w.rows.update.chunks(CHUNK) {
            store.update_assignments(c);
        }
        if let Mode::Group { group, .. } = self.mode {
            if !w.cleared.is_empty() {
                store.clear_group_errors(group, &w.cleared);
            }
            if !w.errors.is_empty() {
                store.put_group_errors(&w.errors);
            }
        }
        for (user, held) in &w.rows.stash {
            store.stash_assignments(*user, held);
        }
        store.append_audit(&w.audit);
        for c in data.chunks(CHUNK) {
            store.put_service_data(c);
        }
    }

    /// Plans a page of users handed in (a group's joiners or leavers, as the caller reads
    /// them): their licenses are read first, then the previous page's writes are queued, then
    /// `between` runs (the caller queues its own writes for that previous page), then this
    /// page is planned while a host that writes behind writes. Its writes wait for the next
    /// `push` or `flush`. Outcomes are not kept: only failures count (`failures_only`).
    pub(super) fn push(&mut self, users: Vec<User>, between: impl FnOnce()) {
        let upns = users.iter().map(|u| u.upn.clone()).collect();
        let page = self.read(upns, users.into_iter().map(Some).collect());
        if let Some(w) = self.pending.take() {
            self.write(w, true);
        }
        between();
        let (_, writes) = self.plan(page);
        self.pending = writes;
    }

    /// Queues the writes of the last page pushed.
    pub(super) fn flush(&mut self) {
        if let Some(w) = self.pending.take() {
            self.write(w, false);
        }
    }

    /// Plans and writes pages as they are read. Each page is read before the one planned
    /// ahead of it is written: a host that writes behind (the SQLite store does) then writes
    /// one page while the next is planned. No page's writes change what a later page reads:
    /// a filter's pages follow user ids, and a user listed twice is refused the second time.
    /// `next` reads the next page (and says whether more may follow); `done` takes each
    /// page's outcomes.
    pub(super) fn run(
        &mut self,
        mut next: impl FnMut(&Self) -> Option<(Page, bool)>,
        mut done: impl FnMut(Vec<UserOutcome>),
    ) {
        let Some((mut page, mut more)) = next(self) else {
            return;
        };
        loop {
            let (outcomes, writes) = self.plan(page);
            done(outcomes);
            let ahead = if more { next(self) } else { None };
            if let Some(w) = writes {
                self.write(w, more);
            }
            match ahead {
                Some((p, m)) => (page, more) = (p, m),
                None => return,
            }
        }
    }
}

/// A page of users as read, before it is planned.
pub(super) struct Page {
    upns: Vec<String>,
    users: Vec<Option<User>>,
    /// What each user found holds, in the order of `users`.
    held: Vec<Vec<Assignment>>,
}

/// A changed user whose data moves (L4, L7): their licenses now provide `wanted`.
struct DataMove {
    user: User,
    wanted: BTreeSet<crate::types::Workload>,
    /// The user is being deleted (L8): their OneDrive is retained too.
    deleted: bool,
}

/// What the users' data becomes, read when the page is written: after the next page is read
/// (the reads then wait for no writer) and before anything of this page is (so each user's
/// data is as the page was planned against).
fn settle_data<S: Store + ?Sized>(cx: &Cx<S>, moves: &[DataMove]) -> Vec<ServiceData> {
    if moves.is_empty() {
        return Vec::new();
    }
    let ids: Vec<u64> = moves.iter().map(|m| m.user.id).collect();
    let current = cx.store.service_data_of(&ids);
    moves
        .iter()
        .zip(current)
        .flat_map(|(m, current)| {
            provisioning::transition(&m.user, &current, &m.wanted, m.deleted, cx.now)
        })
        .collect()
}

/// What a planned page writes.
#[derive(Default)]
struct PageWrites {
    rows: Writes,
    audit: Vec<crate::types::AuditEntry>,
    /// Users whose data moves; what it becomes is settled when the page is written.
    moves: Vec<DataMove>,
    /// Members in error for the group changed (GL4), and those no longer in error.
    errors: Vec<crate::types::GroupError>,
    cleared: Vec<u64>,
}

type Planned = Option<(Held, Writes)>;

#[allow(clippy::too_many_arguments)]
fn plan_user<S: Store + ?Sized>(
    cx: &Cx<S>,
    upn: &str,
    user: Option<&User>,
    before: &Held,
    mode: &Mode,
    chosen: &[Choice],
    removes: &[Product],
    seen: Option<&mut HashSet<u64>>,
    default_location: Option<&str>,
    pools: &mut Pools<S>,
    (rules, cache, groups): (
        &[crate::types::PlanRule],
        &mut PlanCache,
        &mut GroupPlans<S>,
    ),
) -> Result<Planned> {
    let Some(user) = user else {
        return Err(not_found(
            ObjectKind::User,
            upn.trim(),
            format!("no user '{}' in this tenant", upn.trim()),
        ));
    };
    if let Some(seen) = seen
        && !seen.insert(user.id)
    {
        return Err(invalid(
            "users",
            format!("{} is listed more than once", user.upn),
        ));
    }
    if user.deleted_at.is_some() {
        return Err(conflict(format!(
            "{} was deleted; restore the user first",
            user.upn
        )));
    }
    // Only what the change may keep is copied: a license removed that no group gives goes
    // (`drop_direct` below handles the rest), and copying it to drop it was a page's largest
    // allocation.
    let goes = |a: &Assignment| {
        a.groups.is_empty()
            && match mode {
                Mode::Delete | Mode::Replace(_) | Mode::RemoveAll => true,
                Mode::Remove(_) | Mode::Set { .. } => removes.iter().any(|p| p.sku_id == a.sku_id),
                _ => false,
            }
    };
    let mut after = before.kept(|a| !goes(a));
    match mode {
        Mode::Delete => after.clear(),
        // A direct change leaves what groups give (GL5): only the direct source goes.
        Mode::Replace(_) | Mode::RemoveAll => {
            for sku in before.keys() {
                drop_direct(&mut after, sku, groups);
            }
        }
        Mode::Remove(_) | Mode::Set { .. } => {
            for p in removes {
                if let Some(a) = before.get(&p.sku_id)
                    && !a.direct
                {
                    return Err(inherited(cx, user, a, &p.part_number));
                }
                drop_direct(&mut after, &p.sku_id, groups);
            }
        }
        Mode::Group { group, give, take } => {
            for sku in *take {
                if let Some(a) = after.get(sku).filter(|a| a.groups.contains(group)) {
                    let mut sources: BTreeSet<u64> = a.groups.iter().copied().collect();
                    sources.remove(group);
                    let direct = direct_plans(a);
                    if direct.is_none() && sources.is_empty() {
                        after.remove(sku);
                    } else {
                        let mut a = a.clone();
                        settle(&mut a, direct, sources, groups);
                        after.insert(a);
                    }
                }
            }
            for l in *give {
                let mut a = after.get(&l.sku_id).cloned().unwrap_or_else(|| Assignment {
                    user_id: user.id,
                    sku_id: l.sku_id.clone(),
                    disabled_plans: Vec::new(),
                    assigned_at: cx.now,
                    assigned_by: cx.actor.clone(),
                    subscription: None,
                    direct: false,
                    groups: Vec::new(),
                    own_disabled_plans: None,
                });
                let mut sources: BTreeSet<u64> = a.groups.iter().copied().collect();
                sources.insert(*group);
                let direct = direct_plans(&a);
                settle(&mut a, direct, sources, groups);
                after.insert(a);
            }
        }
        Mode::RemoveFrom(id) => {
            let from = removes
                .iter()
                .find(|p| before.get(&p.sku_id).and_then(|a| a.subscription) == Some(*id));
            let Some(p) = from else {
                return Err(not_found(
                    ObjectKind::License,
                    format!("{}/subscription {id}", user.upn),
                    format!("{} holds no license of subscription {id}", user.upn),
                ));
            };
            after.remove(&p.sku_id);
        }
        Mode::Plans(_) => {
            if let Some(c) = chosen
                .iter()
                .find(|c| !before.contains_key(&c.product.sku_id))
            {
                return Err(not_found(
                    ObjectKind::License,
                    format!("{}/{}", user.upn, c.product.part_number),
                    format!(
                        "{} holds no license of {}; assign one first",
                        user.upn, c.product.part_number
                    ),
                ));
            }
            if let Some((a, c)) = chosen
                .iter()
                .filter_map(|c| before.get(&c.product.sku_id).map(|a| (a, c)))
                .find(|(a, _)| !a.direct)
            {
                return Err(inherited(cx, user, a, &c.product.part_number));
            }
        }
        Mode::Add(_) | Mode::AddFrom(..) | Mode::Restore(..) => {}
    }
    for c in chosen {
        let assignment = Assignment {
            user_id: user.id,
            sku_id: c.product.sku_id.clone(),
            disabled_plans: c.disabled.clone(),
            assigned_at: cx.now,
            assigned_by: cx.actor.clone(),
            subscription: match mode {
                Mode::AddFrom(_, id) => Some(*id),
                Mode::Restore(_, from) => *from,
                _ => None,
            },
            direct: true,
            groups: Vec::new(),
            own_disabled_plans: None,
        };
        // Held already: the direct source comes (or changes) beside what groups give (GL2).
        let kept = after.get(&c.product.sku_id).map(|b| {
            let mut k = b.clone();
            if b.groups.is_empty() {
                k.disabled_plans = c.disabled.clone();
                k.direct = true;
            } else {
                let sources = b.groups.iter().copied().collect();
                settle(&mut k, Some(c.disabled.clone()), sources, groups);
            }
            k
        });
        after.insert(kept.unwrap_or(assignment));
    }

    let mut w = Writes::default();
    for sku in before.keys().filter(|k| !after.contains_key(k)) {
        w.delete.push((user.id, sku.clone()));
    }
    for a in after.values() {
        match before.get(&a.sku_id) {
            None => w.insert.push(a.clone()),
            Some(b) if differs(b, a) => w.update.push(a.clone()),
            Some(_) => {}
        }
    }
    if w.delete.is_empty() && w.insert.is_empty() && w.update.is_empty() {
        return Ok(None);
    }
    if matches!(mode, Mode::Delete) {
        // Only what was assigned to the user comes back with a restore; what groups gave
        // comes from the groups again (GL1, L8).
        let direct = before.values().filter_map(|a| {
            Some(Assignment {
                disabled_plans: direct_plans(a)?,
                groups: Vec::new(),
                own_disabled_plans: None,
                ..a.clone()
            })
        });
        w.stash.push((user.id, direct.collect()));
    }
    // P4: a license from a self-service subscription is its purchaser's to change.
    let touched = w
        .delete
        .iter()
        .map(|(_, sku)| sku)
        .chain(w.update.iter().map(|a| &a.sku_id));
    // Deleting a user frees every license, self-service ones too (L8).
    let own = |id: u64| match mode {
        Mode::RemoveFrom(from) => id == *from,
        Mode::Delete => true,
        _ => false,
    };
    if let Some((a, id)) = touched
        .filter_map(|sku| before.get(sku))
        .find_map(|a| a.subscription.filter(|id| !own(*id)).map(|id| (a, id)))
    {
        let part = cx
            .store
            .get_product(&a.sku_id)
            .map_or_else(|| a.sku_id.clone(), |p| p.part_number);
        let way_out = format!(
            "ask its purchaser, or take the subscription over (`seats self-service take-over {id}`)"
        );
        return Err(crate::error::blocked(
            crate::types::BlockedReason::SelfServiceLicense,
            way_out,
            format!(
                "{}'s license of {part} comes from self-service subscription {id}: only its \
                 purchaser can change it, until an admin takes the subscription over (`seats \
                 self-service take-over {id}`)",
                user.upn,
            ),
        ));
    }
    if !w.insert.is_empty() {
        directory::receivable(user, default_location)?;
    }
    if !w.insert.is_empty() || !w.update.is_empty() {
        cache.check(cx.store, rules, after.values(), &user.upn)?;
    }
    let freed: Vec<Source> = w
        .delete
        .iter()
        .filter_map(|(_, sku)| before.get(sku).map(Source::of))
        .collect();
    let taken: Vec<Source> = w.insert.iter().map(Source::of).collect();
    pools.take(&freed, &taken, chosen, &user.upn)?;
    Ok(Some((after, w)))
}

/// Takes the direct source from a held license: the license goes unless groups give it (GL5).
fn drop_direct<S: Store + ?Sized>(after: &mut Held, sku: &str, groups: &mut GroupPlans<S>) {
    let Some(a) = after.get(sku) else { return };
    if a.groups.is_empty() {
        after.remove(sku);
    } else if a.direct {
        let mut a = a.clone();
        let sources = a.groups.iter().copied().collect();
        settle(&mut a, None, sources, groups);
        after.insert(a);
    }
}

/// GL5: a license only groups give cannot be removed or changed on the user.
fn inherited<S: Store + ?Sized>(
    cx: &Cx<S>,
    user: &User,
    a: &Assignment,
    part: &str,
) -> crate::types::Error {
    let names: Vec<String> = a
        .groups
        .iter()
        .map(|g| {
            cx.store
                .get_group(*g)
                .map_or_else(|| g.to_string(), |g| g.name)
        })
        .collect();
    conflict(format!(
        "{}'s license of {part} comes from the group(s) {}: it cannot be removed or changed on \
         the user; remove the user from the group (`seats groups remove-members`) or change \
         the group's licenses (`seats groups license`)",
        user.upn,
        names.join(", ")
    ))
}
