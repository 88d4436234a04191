//! Changing many users' licenses in one call (L5, L6) and one user's as one change (G2).
//!
//! Every call plans first, against exact pool counts that the plan itself updates user by
//! user, then writes the planned changes in batches. With all-or-nothing, a plan with a
//! failure writes nothing.

use crate::cx::Cx;
use crate::error::{Result, conflict, invalid, not_found};
use crate::exports::seats::licensing::bulk::{BulkSummary, LicenseChange};
use crate::exports::seats::licensing::licenses::{
    BulkResult, LicenseChoice, UserLicense, UserOutcome,
};
use crate::exports::seats::licensing::users::UserFilter;
use crate::plans::PlanCache;
use crate::pool::{self, Source};
use crate::types::ObjectKind;
use crate::types::{Assignment, Error, Operation, Product, ServiceData, Shortage, User};
use crate::{Store, catalog, directory, error, plans, provisioning, roles, view};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
        }
    }
}

struct Choice {
    product: Product,
    disabled: Vec<String>,
}

/// Pool counts for the pools a call touches, kept exact as the plan goes.
struct Pools<'s, S: Store + ?Sized> {
    store: &'s S,
    counts: HashMap<Source, pool::Counts>,
}

impl<'s, S: Store + ?Sized> Pools<'s, S> {
    fn new(store: &'s S) -> Self {
        Pools {
            store,
            counts: HashMap::new(),
        }
    }

    fn entry(&mut self, source: &Source) -> &mut pool::Counts {
        let store = self.store;
        self.counts
            .entry(source.clone())
            .or_insert_with(|| pool::counts(store, source))
    }

    /// L2, counted exactly: one user's removals (`freed`) give their licenses back to the
    /// pools they came from before its additions (`taken`) need one each; refused, naming the
    /// user, when a pool has none left, and then the counts are as they were.
    fn take(
        &mut self,
        freed: &[Source],
        taken: &[Source],
        chosen: &[Choice],
        upn: &str,
    ) -> Result<()> {
        for source in freed {
            self.entry(source).assigned -= 1;
        }
        let short = taken
            .iter()
            .find(|source| self.entry(source).available() < 1);
        if let Some(source) = short {
            for freed in freed {
                self.entry(freed).assigned += 1;
            }
            let counts = *self.entry(source);
            let part = |sku: &str| {
                chosen
                    .iter()
                    .find(|c| c.product.sku_id == sku)
                    .map_or(sku.to_string(), |c| c.product.part_number.clone())
            };
            let (product, subscription, from) = match source {
                Source::Product(sku) => (part(sku), None, String::new()),
                // A self-service subscription gives the one product it is of.
                Source::Subscription(id) => (
                    chosen
                        .first()
                        .map(|c| c.product.part_number.clone())
                        .unwrap_or_default(),
                    Some(*id),
                    format!(" on self-service subscription {id}"),
                ),
            };
            let message = format!(
                "no license of {product} is available{from} for {upn}: {} of {} are assigned",
                counts.assigned, counts.enabled
            );
            return Err(error::insufficient(Shortage {
                product,
                subscription,
                upn: upn.to_string(),
                requested: 1,
                available: counts.available(),
                total: counts.enabled,
                message,
            }));
        }
        for source in taken {
            self.entry(source).assigned += 1;
        }
        Ok(())
    }
}

/// A self-service subscription by id; the organisation's subscriptions give no licenses of
/// their own (their product's pool does).
fn self_service_subscription<S: Store + ?Sized>(
    cx: &Cx<S>,
    id: u64,
) -> Result<crate::types::Subscription> {
    let s = directory::subscription(cx.store, id)?;
    if pool::is_organisations(&s) {
        return Err(crate::error::forbidden(
            None,
            format!(
                "subscription {id} is the organisation's, not a self-service subscription: its \
                 licenses are assigned from the product's pool by administrators (`seats assign`)"
            ),
        ));
    }
    Ok(s)
}

/// The product of a self-service subscription.
fn own_product<S: Store + ?Sized>(cx: &Cx<S>, id: u64) -> Result<Product> {
    let s = self_service_subscription(cx, id)?;
    catalog::resolve(cx.store, &s.sku_id)
}

fn choices<S: Store + ?Sized>(store: &S, given: &[LicenseChoice]) -> Result<Vec<Choice>> {
    let mut out: Vec<Choice> = Vec::new();
    for c in given {
        let product = catalog::resolve(store, &c.product)?;
        if out.iter().any(|o| o.product.sku_id == product.sku_id) {
            return Err(invalid(
                "products",
                format!("{} is named twice", product.part_number),
            ));
        }
        let plans = store
            .plans_of(std::slice::from_ref(&product.sku_id))
            .remove(0);
        let disabled = plans::resolve(&product, &plans, &c.disabled_plans)?;
        out.push(Choice { product, disabled });
    }
    Ok(out)
}

fn products<S: Store + ?Sized>(store: &S, given: &[String]) -> Result<Vec<Product>> {
    given.iter().map(|p| catalog::resolve(store, p)).collect()
}

/// Part numbers by sku, fetched once per call.
struct Names<'s, S: Store + ?Sized> {
    store: &'s S,
    names: HashMap<String, String>,
}

impl<S: Store + ?Sized> Names<'_, S> {
    fn of(&mut self, skus: impl Iterator<Item = String>) -> Vec<String> {
        let mut out: Vec<String> = skus
            .map(|sku| {
                let store = self.store;
                self.names
                    .entry(sku.clone())
                    .or_insert_with(|| {
                        store
                            .get_product(&sku)
                            .map(|p| p.part_number)
                            .unwrap_or(sku)
                    })
                    .clone()
            })
            .collect();
        out.sort();
        out
    }
}

/// What one page's changes write.
#[derive(Default)]
struct Writes {
    delete: Vec<(u64, String)>,
    insert: Vec<Assignment>,
    replan: Vec<Assignment>,
    /// A deleted user's licenses, kept for a restore (L8).
    stash: Vec<(u64, Vec<Assignment>)>,
}

/// One bulk call's state across its pages: the exact pool counts, the caches, the counts so
/// far and, with all or nothing, the mark that undoes the pages written when a later user
/// fails. A page is planned whole, then written, so memory follows the page, not the call.
struct Planner<'c, 's, 'm, S: Store + ?Sized> {
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
    all_or_nothing: bool,
    mark: Option<u32>,
    applied: u32,
    unchanged: u32,
    failed: u32,
    /// Outcomes only for users that failed: a call over a filter returns no others, and
    /// building one per changed user (their name, licenses before and after) is most of a
    /// page's allocations.
    failures_only: bool,
}

impl<'c, 's, 'm, S: Store + ?Sized> Planner<'c, 's, 'm, S> {
    /// Checks the call before any user: the actor's roles and the products named.
    fn new(cx: &'c Cx<'s, S>, mode: Mode<'m>, all_or_nothing: bool, given: bool) -> Result<Self> {
        let (adds, removes): (&[LicenseChoice], Vec<Product>) = match &mode {
            Mode::Add(a)
            | Mode::AddFrom(a, _)
            | Mode::Replace(a)
            | Mode::Plans(a)
            | Mode::Restore(a, _) => (a, vec![]),
            Mode::RemoveAll | Mode::Delete => (&[], vec![]),
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
        Ok(Planner {
            cx,
            default_location: cx.store.get_tenant().and_then(|t| t.default_usage_location),
            pools: Pools::new(cx.store),
            names: Names {
                store: cx.store,
                names: HashMap::new(),
            },
            seen: given.then(HashSet::new),
            rules: cx.store.plan_rules(),
            cache: PlanCache::default(),
            mode,
            chosen,
            removes,
            all_or_nothing,
            mark: None,
            applied: 0,
            unchanged: 0,
            failed: 0,
            failures_only: false,
        })
    }

    /// True when all or nothing was asked and a user failed: nothing is applied.
    fn rolled_back(&self) -> bool {
        self.all_or_nothing && self.failed > 0
    }

    /// Reads what planning a page needs (at most `CHUNK` users, `None` for a UPN not found):
    /// what each user holds and their service data.
    fn read(&self, upns: Vec<String>, users: Vec<Option<User>>) -> Page {
        let store = self.cx.store;
        let ids: Vec<u64> = users.iter().flatten().map(|u| u.id).collect();
        Page {
            held: store.assignments_of_users(&ids),
            data: store.service_data_of(&ids),
            upns,
            users,
        }
    }

    /// Plans a read page: one outcome per user, and what the page writes (none when the call
    /// has failed all or nothing: then the pages written so far are undone here).
    fn plan(&mut self, page: Page) -> (Vec<UserOutcome>, Option<PageWrites>) {
        let Page {
            upns,
            users,
            held,
            data,
        } = page;
        let (mut held, mut data) = (held.into_iter(), data.into_iter());
        let mut outcomes = Vec::with_capacity(upns.len());
        let mut w = PageWrites::default();
        for (upn, user) in upns.into_iter().zip(users) {
            let (before, current): (BTreeMap<String, Assignment>, Vec<ServiceData>) = match &user {
                Some(_) => (
                    held.next()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| (a.sku_id.clone(), a))
                        .collect(),
                    data.next().unwrap_or_default(),
                ),
                None => Default::default(),
            };
            let before_names = self.names.of(before.keys().cloned());
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
                (&self.rules, &mut self.cache),
            );
            match planned {
                Err(e) => {
                    self.failed += 1;
                    outcomes.push(UserOutcome {
                        upn,
                        error: Some(e),
                        changed: false,
                        after: before_names.clone(),
                        before: before_names,
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
                        after: before_names.clone(),
                        before: before_names,
                    });
                }
                Ok(Some((after, planned))) => {
                    let user = user.expect("only a user that exists is planned");
                    self.applied += 1;
                    let after_names = self.names.of(after.keys().cloned());
                    let entry = if matches!(self.mode, Mode::Plans(_)) {
                        // A change of plans names the plans switched off, before and after.
                        let store = self.cx.store;
                        let mut label = |held: &BTreeMap<String, Assignment>| {
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
                        self.cx.audit_entry(
                            self.mode.action(),
                            format!("user:{}", user.upn),
                            Some(&before_names),
                            Some(&after_names),
                        )
                    };
                    w.audit.push(entry);
                    w.rows.delete.extend(planned.delete);
                    w.rows.insert.extend(planned.insert);
                    w.rows.replan.extend(planned.replan);
                    w.rows.stash.extend(planned.stash);
                    // L4, L7: what the user's data becomes under their new licenses.
                    let wanted = self.cache.provided(self.cx.store, after.values());
                    w.data.extend(provisioning::transition(
                        &user,
                        &current,
                        wanted,
                        matches!(self.mode, Mode::Delete),
                        self.cx.now,
                    ));
                    if self.failures_only {
                        continue;
                    }
                    outcomes.push(UserOutcome {
                        upn: user.upn,
                        error: None,
                        changed: true,
                        before: before_names,
                        after: after_names,
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
        let any = !(w.audit.is_empty() && w.data.is_empty());
        (outcomes, any.then_some(w))
    }

    /// Writes a planned page. `more` says whether pages may follow, which all or nothing must
    /// be able to undo this one for.
    fn write(&mut self, w: PageWrites, more: bool) {
        let store = self.cx.store;
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
        for a in &w.rows.replan {
            store.set_disabled_plans(a.user_id, &a.sku_id, &a.disabled_plans);
        }
        for (user, held) in &w.rows.stash {
            store.stash_assignments(*user, held);
        }
        store.append_audit(&w.audit);
        for c in w.data.chunks(CHUNK) {
            store.put_service_data(c);
        }
    }

    /// Plans and writes pages as they are read. Each page is read before the one planned
    /// ahead of it is written: a host that writes behind (the SQLite store does) then writes
    /// one page while the next is planned. No page's writes change what a later page reads:
    /// a filter's pages follow user ids, and a user listed twice is refused the second time.
    /// `next` reads the next page (and says whether more may follow); `done` takes each
    /// page's outcomes.
    fn run(
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
struct Page {
    upns: Vec<String>,
    users: Vec<Option<User>>,
    /// What each user found holds, and their service data, in the order of `users`.
    held: Vec<Vec<Assignment>>,
    data: Vec<Vec<ServiceData>>,
}

/// What a planned page writes.
#[derive(Default)]
struct PageWrites {
    rows: Writes,
    audit: Vec<crate::types::AuditEntry>,
    data: Vec<ServiceData>,
}

/// S7: the licenses of users about to be created, checked as any addition is (L2 against
/// exact pool counts, G1, G3, L9) before anything is written. New users hold nothing and
/// have no service data, so nothing is read per user, and each user's rows follow from
/// their list of licenses, resolved once per distinct list.
pub struct NewLicenses {
    sets: Vec<LicenseSet>,
    /// Per user, in the order given: the index of their set, or none.
    of_user: Vec<Option<usize>>,
}

struct LicenseSet {
    chosen: Vec<Choice>,
    /// The pools its licenses are drawn from.
    sources: Vec<Source>,
    /// Part numbers, sorted, as the audit log shows them.
    names: Vec<String>,
    /// The workloads the set provisions (L4).
    provided: BTreeSet<String>,
}

/// Plans the licenses of `users` (validated, not yet inserted); the first refusal, naming
/// its user, refuses them all. The caller has checked the actor may assign licenses.
pub fn plan_new<S: Store + ?Sized>(
    cx: &Cx<S>,
    users: &[User],
    licenses: &[&[LicenseChoice]],
) -> Result<NewLicenses> {
    let store = cx.store;
    let mut plan = NewLicenses {
        sets: Vec::new(),
        of_user: Vec::with_capacity(users.len()),
    };
    if licenses.iter().all(|given| given.is_empty()) {
        plan.of_user.resize(users.len(), None);
        return Ok(plan);
    }
    let mut pools = Pools::new(store);
    let rules = store.plan_rules();
    let default_location = store.get_tenant().and_then(|t| t.default_usage_location);
    let mut cache = PlanCache::default();
    // Each distinct list of licenses and its set; a call has a few, so a list is searched.
    let mut index: Vec<(&[LicenseChoice], usize)> = Vec::new();
    for (user, given) in users.iter().zip(licenses) {
        if given.is_empty() {
            plan.of_user.push(None);
            continue;
        }
        // What any addition checks per user (as `plan_user` does): L9 and G1, G3, then L2.
        directory::receivable(user, default_location.as_deref())?;
        let k = match index.iter().find(|(list, _)| list == given) {
            Some((_, k)) => *k,
            None => {
                let chosen = choices(store, given)?;
                let mut names: Vec<String> = chosen
                    .iter()
                    .map(|c| c.product.part_number.clone())
                    .collect();
                names.sort();
                let sources = chosen
                    .iter()
                    .map(|c| Source::Product(c.product.sku_id.clone()))
                    .collect();
                let held: Vec<Assignment> =
                    chosen.iter().map(|c| new_assignment(cx, 0, c)).collect();
                // G3 once per set (the first user who asks for it is named).
                cache.check(store, &rules, held.iter(), &user.upn)?;
                let provided = cache.provided(store, held.iter()).clone();
                plan.sets.push(LicenseSet {
                    chosen,
                    sources,
                    names,
                    provided,
                });
                index.push((given, plan.sets.len() - 1));
                plan.sets.len() - 1
            }
        };
        let set = &plan.sets[k];
        pools.take(&[], &set.sources, &set.chosen, &user.upn)?;
        plan.of_user.push(Some(k));
    }
    Ok(plan)
}

fn new_assignment<S: Store + ?Sized>(cx: &Cx<S>, user_id: u64, c: &Choice) -> Assignment {
    Assignment {
        user_id,
        sku_id: c.product.sku_id.clone(),
        disabled_plans: c.disabled.clone(),
        assigned_at: cx.now,
        assigned_by: cx.actor.clone(),
        subscription: None,
    }
}

/// Writes the planned licenses of `users`, now inserted, which start at position `from` of
/// the users planned: their assignments, audit entries and provisioned service data.
pub fn write_new<S: Store + ?Sized>(cx: &Cx<S>, plan: &NewLicenses, users: &[User], from: usize) {
    let store = cx.store;
    let (mut insert, mut audit, mut data) = (Vec::new(), Vec::new(), Vec::new());
    for (user, k) in users.iter().zip(&plan.of_user[from..]) {
        let Some(set) = k.map(|k| &plan.sets[k]) else {
            continue;
        };
        insert.extend(set.chosen.iter().map(|c| new_assignment(cx, user.id, c)));
        audit.push(cx.audit_entry(
            "license.add",
            format!("user:{}", user.upn),
            Some(&Vec::<String>::new()),
            Some(&set.names),
        ));
        data.extend(provisioning::transition(
            user,
            &[],
            &set.provided,
            false,
            cx.now,
        ));
    }
    for c in insert.chunks(CHUNK) {
        store.insert_assignments(c);
    }
    store.append_audit(&audit);
    for c in data.chunks(CHUNK) {
        store.put_service_data(c);
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
    Ok(BulkSummary {
        selected,
        applied: if rolled_back { 0 } else { planner.applied },
        unchanged: planner.unchanged,
        failed: planner.failed,
        rolled_back,
        failures,
    })
}

type Planned = Option<(BTreeMap<String, Assignment>, Writes)>;

#[allow(clippy::too_many_arguments)]
fn plan_user<S: Store + ?Sized>(
    cx: &Cx<S>,
    upn: &str,
    user: Option<&User>,
    before: &BTreeMap<String, Assignment>,
    mode: &Mode,
    chosen: &[Choice],
    removes: &[Product],
    seen: Option<&mut HashSet<u64>>,
    default_location: Option<&str>,
    pools: &mut Pools<S>,
    (rules, cache): (&[crate::types::PlanRule], &mut PlanCache),
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
    let mut after = before.clone();
    match mode {
        Mode::Replace(_) | Mode::RemoveAll | Mode::Delete => after.clear(),
        Mode::Remove(_) | Mode::Set { .. } => {
            for p in removes {
                after.remove(&p.sku_id);
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
        };
        let kept = before.get(&c.product.sku_id).map(|b| Assignment {
            disabled_plans: c.disabled.clone(),
            ..b.clone()
        });
        after.insert(c.product.sku_id.clone(), kept.unwrap_or(assignment));
    }

    let mut w = Writes::default();
    for sku in before.keys().filter(|k| !after.contains_key(*k)) {
        w.delete.push((user.id, sku.clone()));
    }
    for (sku, a) in &after {
        match before.get(sku) {
            None => w.insert.push(a.clone()),
            Some(b) if b.disabled_plans != a.disabled_plans => w.replan.push(a.clone()),
            Some(_) => {}
        }
    }
    if w.delete.is_empty() && w.insert.is_empty() && w.replan.is_empty() {
        return Ok(None);
    }
    if matches!(mode, Mode::Delete) {
        w.stash.push((user.id, before.values().cloned().collect()));
    }
    // P4: a license from a self-service subscription is its purchaser's to change.
    let touched = w
        .delete
        .iter()
        .map(|(_, sku)| sku)
        .chain(w.replan.iter().map(|a| &a.sku_id));
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
    if !w.insert.is_empty() || !w.replan.is_empty() {
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
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use crate::testkit::*;

    fn choice(product: &str) -> LicenseChoice {
        LicenseChoice {
            product: product.into(),
            disabled_plans: vec![],
        }
    }

    fn upns(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}@contoso.com")).collect()
    }

    fn tenant_with_users(n: usize) -> MemoryStore {
        let (store, _) = tenant_with_catalog();
        let cx = admin(&store);
        let new: Vec<_> = upns(n).iter().map(|u| new_user(u)).collect();
        crate::users::create_many(&cx, &new).unwrap();
        store
    }

    fn held(store: &MemoryStore, upn: &str) -> Vec<String> {
        let user = crate::directory::find(store, upn).unwrap();
        view::licenses_of(store, &user)
            .into_iter()
            .map(|l| l.part_number)
            .collect()
    }

    #[test]
    fn l5_add_to_existing_keeps_the_other_licenses() {
        let store = tenant_with_users(3);
        buy(&store, "SPE_E3", 3);
        buy(&store, "SPE_E5", 3);
        let cx = admin(&store);
        run(&cx, &upns(1), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
        let r = run(&cx, &upns(3), Mode::Add(&[choice("SPE_E5")]), false).unwrap();
        assert_eq!((r.applied, r.failed), (3, 0));
        assert_eq!(held(&store, "u0@contoso.com"), vec!["SPE_E3", "SPE_E5"]);
        assert_eq!(r.outcomes[0].before, vec!["SPE_E3"]);
        assert_eq!(r.outcomes[0].after, vec!["SPE_E3", "SPE_E5"]);
        // Adding again changes nothing.
        let r = run(&cx, &upns(3), Mode::Add(&[choice("SPE_E5")]), false).unwrap();
        assert_eq!((r.applied, r.unchanged), (0, 3));
    }

    #[test]
    fn l5_replace_swaps_each_users_licenses_in_one_change() {
        let store = tenant_with_users(4);
        buy(&store, "SPE_E3", 4);
        buy(&store, "SPE_E5", 4);
        let cx = admin(&store);
        run(&cx, &upns(4), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
        let r = run(&cx, &upns(4), Mode::Replace(&[choice("SPE_E5")]), true).unwrap();
        assert_eq!(r.applied, 4);
        for u in upns(4) {
            assert_eq!(held(&store, &u), vec!["SPE_E5"]);
        }
        let e3 = crate::pool::of_product(&store, &catalog::resolve(&store, "SPE_E3").unwrap());
        assert_eq!(e3.assigned, 0);
    }

    #[test]
    fn g2_adding_and_removing_for_one_user_is_one_change() {
        let store = tenant_with_users(2);
        buy(&store, "SPE_E3", 2);
        buy(&store, "SPE_E5", 1);
        let cx = admin(&store);
        run(&cx, &upns(2), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
        run(
            &cx,
            &["u1@contoso.com".into()],
            Mode::Add(&[choice("SPE_E5")]),
            false,
        )
        .unwrap();
        // E5 is full: the swap is refused whole, and u0 keeps E3 (never neither).
        let before = store.snapshot();
        let err = set_user_licenses(
            &cx,
            "u0@contoso.com",
            &[choice("SPE_E5")],
            &["SPE_E3".into()],
        )
        .unwrap_err();
        assert!(matches!(err, Error::InsufficientLicenses(_)), "{err:?}");
        assert_eq!(store.snapshot(), before);
        assert_eq!(held(&store, "u0@contoso.com"), vec!["SPE_E3"]);
        run(
            &cx,
            &["u1@contoso.com".into()],
            Mode::Remove(&["SPE_E5".into()]),
            false,
        )
        .unwrap();
        let r = set_user_licenses(
            &cx,
            "u0@contoso.com",
            &[choice("SPE_E5")],
            &["SPE_E3".into()],
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].part_number, "SPE_E5");
        let err = set_user_licenses(&cx, "u0@contoso.com", &[], &[]).unwrap_err();
        assert!(err.text().contains("no license changes"), "{}", err.text());
    }

    #[test]
    fn l5_remove_all_licenses_from_the_selected_users() {
        let store = tenant_with_users(3);
        buy(&store, "SPE_E3", 3);
        buy(&store, "SPE_E5", 3);
        let cx = admin(&store);
        run(
            &cx,
            &upns(3),
            Mode::Add(&[choice("SPE_E3"), choice("SPE_E5")]),
            false,
        )
        .unwrap();
        let r = run(&cx, &upns(2), Mode::RemoveAll, false).unwrap();
        assert_eq!(r.applied, 2);
        assert!(held(&store, "u0@contoso.com").is_empty());
        assert_eq!(held(&store, "u2@contoso.com"), vec!["SPE_E3", "SPE_E5"]);
        let r = run(&cx, &upns(2), Mode::RemoveAll, false).unwrap();
        assert_eq!((r.applied, r.unchanged), (0, 2));
    }

    #[test]
    fn l6_unassign_one_product_from_chosen_users() {
        let store = tenant_with_users(3);
        buy(&store, "SPE_E3", 3);
        buy(&store, "SPE_E5", 3);
        let cx = admin(&store);
        run(
            &cx,
            &upns(3),
            Mode::Add(&[choice("SPE_E3"), choice("SPE_E5")]),
            false,
        )
        .unwrap();
        let r = run(&cx, &upns(2), Mode::Remove(&["SPE_E5".into()]), false).unwrap();
        assert_eq!(r.applied, 2);
        assert_eq!(held(&store, "u1@contoso.com"), vec!["SPE_E3"]);
        assert_eq!(held(&store, "u2@contoso.com"), vec!["SPE_E3", "SPE_E5"]);
    }

    #[test]
    fn l5_counting_is_exact_within_one_call() {
        let store = tenant_with_users(10);
        buy(&store, "SPE_E3", 9);
        let cx = admin(&store);
        let r = run(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), false).unwrap();
        assert_eq!((r.applied, r.failed), (9, 1));
        let tenth = &r.outcomes[9];
        assert!(
            matches!(tenth.error, Some(Error::InsufficientLicenses(_))),
            "{tenth:?}"
        );
        assert!(held(&store, "u9@contoso.com").is_empty());
    }

    #[test]
    fn l5_all_or_nothing_applies_none_when_one_fails() {
        let store = tenant_with_users(10);
        buy(&store, "SPE_E3", 9);
        let cx = admin(&store);
        let before = store.snapshot();
        let r = run(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), true).unwrap();
        assert!(r.rolled_back);
        assert_eq!((r.applied, r.failed), (0, 1));
        assert!(r.outcomes.iter().all(|o| !o.changed));
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn l5_counting_is_exact_across_pages() {
        let store = tenant_with_users(10);
        buy(&store, "SPE_E3", 9);
        let cx = admin(&store);
        let r = run_paged(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), false, 3).unwrap();
        assert_eq!((r.applied, r.failed), (9, 1));
        assert!(r.outcomes[9].error.is_some());
        assert_eq!(held(&store, "u8@contoso.com"), vec!["SPE_E3"]);
        assert!(held(&store, "u9@contoso.com").is_empty());
    }

    #[test]
    fn l5_all_or_nothing_undoes_the_pages_already_written() {
        let store = tenant_with_users(10);
        buy(&store, "SPE_E3", 9);
        let cx = admin(&store);
        let before = store.snapshot();
        // Pages of 3: three pages are written before the tenth user fails.
        let r = run_paged(&cx, &upns(10), Mode::Add(&[choice("SPE_E3")]), true, 3).unwrap();
        assert!(r.rolled_back);
        assert_eq!((r.applied, r.failed), (0, 1));
        assert!(r.outcomes.iter().all(|o| !o.changed && o.before == o.after));
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn l5_a_user_listed_twice_is_refused_the_second_time_even_on_another_page() {
        let store = tenant_with_users(4);
        buy(&store, "SPE_E3", 4);
        let cx = admin(&store);
        // The same user under another spelling, two pages later (pages of 2).
        let mut list = upns(4);
        list.push("U1@Contoso.com".into());
        let r = run_paged(&cx, &list, Mode::Add(&[choice("SPE_E3")]), false, 2).unwrap();
        assert_eq!((r.applied, r.failed), (4, 1));
        let refused = r.outcomes[4].error.as_ref().expect("the repeat is refused");
        assert!(
            refused.text().contains("listed more than once"),
            "{refused:?}"
        );
        assert_eq!(held(&store, "u1@contoso.com"), vec!["SPE_E3"]);
    }

    fn holders_of_e3(n: usize, e5: i64) -> MemoryStore {
        let store = tenant_with_users(n);
        buy(&store, "SPE_E3", n as i64);
        buy(&store, "SPE_E5", e5);
        let cx = admin(&store);
        let even: Vec<String> = upns(n).into_iter().step_by(2).collect();
        run(&cx, &even, Mode::Add(&[choice("SPE_E3")]), true).unwrap();
        store
    }

    fn e3_holders() -> UserFilter {
        UserFilter {
            unlicensed_only: false,
            product: Some("SPE_E3".into()),
            department: None,
            usage_location: None,
            enabled: None,
            deleted: false,
        }
    }

    fn e3_to_e5() -> LicenseChange {
        LicenseChange::Set(crate::exports::seats::licensing::bulk::AddRemove {
            add: vec![choice("SPE_E5")],
            remove: vec!["SPE_E3".into()],
        })
    }

    #[test]
    fn l5_by_filter_changes_every_selected_user_a_page_at_a_time() {
        let store = holders_of_e3(10, 5);
        let cx = admin(&store);
        let r = change_where_paged(&cx, &e3_holders(), &e3_to_e5(), true, 100, 2).unwrap();
        assert_eq!((r.selected, r.applied, r.failed), (5, 5, 0));
        assert!(!r.rolled_back && r.failures.is_empty());
        assert_eq!(held(&store, "u0@contoso.com"), vec!["SPE_E5"]);
        assert_eq!(held(&store, "u8@contoso.com"), vec!["SPE_E5"]);
        assert!(held(&store, "u1@contoso.com").is_empty());
    }

    #[test]
    fn l5_by_filter_writes_what_the_same_call_by_upn_writes() {
        let (by_filter, by_upn) = (holders_of_e3(10, 5), holders_of_e3(10, 5));
        change_where_paged(&admin(&by_filter), &e3_holders(), &e3_to_e5(), false, 0, 3).unwrap();
        let even: Vec<String> = upns(10).into_iter().step_by(2).collect();
        let mode = Mode::Set {
            add: &[choice("SPE_E5")],
            remove: &["SPE_E3".into()],
        };
        run(&admin(&by_upn), &even, mode, false).unwrap();
        assert_eq!(by_filter.snapshot(), by_upn.snapshot());
    }

    #[test]
    fn l6_by_filter_all_or_nothing_undoes_written_pages_and_lists_failures() {
        // Five E3 holders, three E5 licenses: the fourth and fifth fail, on the last pages.
        let store = holders_of_e3(10, 3);
        let cx = admin(&store);
        let before = store.snapshot();
        let r = change_where_paged(&cx, &e3_holders(), &e3_to_e5(), true, 1, 2).unwrap();
        assert!(r.rolled_back);
        assert_eq!((r.selected, r.applied, r.failed), (5, 0, 2));
        assert_eq!(r.failures.len(), 1, "at most the limit is listed");
        assert_eq!(r.failures[0].upn, "u6@contoso.com");
        assert!(matches!(
            r.failures[0].error,
            Some(Error::InsufficientLicenses(_))
        ));
        assert_eq!(store.snapshot(), before);

        // Without all or nothing the first three move and the two failures stay as they were.
        let r = change_where_paged(&cx, &e3_holders(), &e3_to_e5(), false, 10, 2).unwrap();
        assert_eq!((r.applied, r.failed, r.failures.len()), (3, 2, 2));
        assert_eq!(held(&store, "u4@contoso.com"), vec!["SPE_E5"]);
        assert_eq!(held(&store, "u6@contoso.com"), vec!["SPE_E3"]);
    }

    #[test]
    fn l5_by_filter_refuses_bad_filters_and_changes_nothing() {
        let store = holders_of_e3(4, 2);
        let cx = admin(&store);
        let before = store.snapshot();
        let deleted = UserFilter {
            deleted: true,
            ..e3_holders()
        };
        let unknown = UserFilter {
            product: Some("NO_SUCH_SKU".into()),
            ..e3_holders()
        };
        for filter in [deleted, unknown] {
            let e = change_where(&cx, &filter, &LicenseChange::RemoveAll, false, 10).unwrap_err();
            assert!(matches!(e, Error::Invalid(_) | Error::NotFound(_)), "{e:?}");
        }
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn bulk_reports_unknown_deleted_and_repeated_users_one_by_one() {
        let store = tenant_with_users(2);
        buy(&store, "SPE_E3", 5);
        let cx = admin(&store);
        let list = vec![
            "u0@contoso.com".into(),
            "ghost@contoso.com".into(),
            "U0@contoso.com".into(),
        ];
        let r = run(&cx, &list, Mode::Add(&[choice("SPE_E3")]), false).unwrap();
        assert_eq!((r.applied, r.failed), (1, 2));
        assert!(matches!(r.outcomes[1].error, Some(Error::NotFound(_))));
        assert!(matches!(r.outcomes[2].error, Some(Error::Invalid(_))));
    }

    #[test]
    fn g1_a_license_needs_a_usage_location() {
        let (store, _) = tenant_with_catalog();
        buy(&store, "SPE_E3", 2);
        let cx = admin(&store);
        let mut n = new_user("nowhere@contoso.com");
        n.usage_location = None;
        crate::users::create(&cx, &n).unwrap();
        let before = store.snapshot();
        let err = crate::licenses::assign(&cx, "nowhere@contoso.com", "SPE_E3", &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(i) if i.field == "usage-location"),
            "{err:?}"
        );
        assert!(err.text().contains("usage location"));
        assert_eq!(store.snapshot(), before);
        let mut t = store.get_tenant().unwrap();
        t.default_usage_location = Some("DK".into());
        store.put_tenant(&t);
        crate::licenses::assign(&cx, "nowhere@contoso.com", "SPE_E3", &[]).unwrap();
    }
}
