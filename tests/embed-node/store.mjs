// An in-memory JavaScript implementation of the `store` import (wit/store.wit).
//
// Plain tables (Maps keyed by id) and one function per WIT store function, named as jco names
// them (kebab-case in WIT, camelCase here). It mirrors the SQLite store of the seats host
// (host/src/db/store.rs): the same orderings, the same case-insensitive lookups, ids from 1.
//
// To add a store function: add a table to `emptyTables` if it needs one, and a function to
// `functions` below. A function the component imports but this file lacks is not silently
// missing: calling it throws "not implemented in the JS store: <name>" (see `createStore`).
//
// Values arrive as jco lifts them: records as objects with camelCase fields, `option` as
// undefined or the value, u64/s64 as BigInt, enums as their WIT names; what is returned must use
// the same forms (BigInt for u64/s64). A list<u64> arrives as a BigUint64Array: use Array.from
// to map it to anything else.

/** Every table of the store, empty. */
export function emptyTables() {
  return {
    tenant: undefined,
    /** user id -> Set of roles */
    roles: new Map(),
    /** sku id -> product */
    products: new Map(),
    /** plan id -> service plan */
    plans: new Map(),
    /** sku id -> [plan id], in order */
    productPlans: new Map(),
    /** id -> subscription */
    subscriptions: new Map(),
    nextSubscription: 1,
    /** id -> user */
    users: new Map(),
    nextUser: 1,
    /** "user id/sku id" -> assignment */
    assignments: new Map(),
    /** user id -> [assignment] kept for a restore */
    stashed: new Map(),
    /** "user id/workload" -> service data */
    serviceData: new Map(),
    planRules: [],
    /** [{ id, entry }] */
    audit: [],
    // Billing.
    profiles: new Map(),
    nextProfile: 1,
    methods: new Map(),
    nextMethod: 1,
    /** id -> ledger line; append-only, a line changes once: when it goes on an invoice */
    charges: new Map(),
    nextCharge: 1,
    invoices: new Map(),
    nextInvoice: 1,
    /** key -> idempotency record */
    idempotency: new Map(),
    // Groups (GL1-GL10).
    /** id -> group */
    groups: new Map(),
    nextGroup: 1,
    /** group id -> [group license], by sku id */
    groupLicenses: new Map(),
    /** "group id/user id" */
    members: new Set(),
    /** "group id/user id" -> group error */
    groupErrors: new Map(),
  };
}

// ---- small helpers

const num = (v) => Number(v);
const lower = (s) => (s === undefined || s === null ? s : String(s).toLowerCase());
const sameText = (a, b) => lower(a) === lower(b);
const key = (userId, skuId) => `${num(userId)}/${skuId}`;
const byId = (a, b) => num(a.id) - num(b.id);
const byText = (f) => (a, b) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0);
const clone = (v) => structuredClone(v);
/** Rows of a Map ordered by id, after a cursor, at most `limit`. */
function page(rows, after, limit) {
  const from = after === undefined ? 0 : num(after);
  return rows.filter((r) => num(r.id) > from).sort(byId).slice(0, limit);
}
function userByUpn(t, upn) {
  for (const u of t.users.values()) if (sameText(u.upn, upn)) return u;
  return undefined;
}
function assignmentsWhere(t, pred) {
  return [...t.assignments.values()]
    .filter(pred)
    .sort((a, b) => num(a.userId) - num(b.userId) || byText((x) => x.skuId)(a, b))
    .map(clone);
}

/** The store functions, each over the tables `t`. */
const functions = {
  // Tenant and roles.
  getTenant: (t) => clone(t.tenant),
  putTenant: (t, tenant) => {
    // The creation time is kept once set, as the SQLite store does.
    t.tenant = { ...clone(tenant), createdAt: t.tenant ? t.tenant.createdAt : tenant.createdAt };
  },
  rolesOf: (t, upn) => {
    const user = userByUpn(t, upn);
    if (!user) return [];
    return [...(t.roles.get(num(user.id)) ?? [])].sort();
  },
  grantRole: (t, userId, role) => {
    const set = t.roles.get(num(userId)) ?? new Set();
    set.add(role);
    t.roles.set(num(userId), set);
  },

  // Catalog.
  putProducts: (t, products) => {
    for (const p of products) {
      const old = t.products.get(p.skuId);
      t.products.set(p.skuId, {
        ...clone(p),
        priceMonthly: p.priceMonthly ?? old?.priceMonthly,
        priceAnnual: p.priceAnnual ?? old?.priceAnnual,
      });
    }
  },
  putServicePlans: (t, plans) => {
    for (const p of plans) t.plans.set(p.id, clone(p));
  },
  setProductPlans: (t, skuId, planIds) => {
    t.productPlans.set(skuId, [...planIds]);
  },
  setProductPrice: (t, skuId, monthly, annual, trialAvailable, selfService) => {
    const p = t.products.get(skuId);
    if (!p) return;
    if (monthly !== undefined) p.priceMonthly = monthly;
    if (annual !== undefined) p.priceAnnual = annual;
    if (trialAvailable !== undefined) p.trialAvailable = trialAvailable;
    if (selfService !== undefined) p.selfService = selfService;
  },
  getProduct: (t, skuId) => clone(t.products.get(skuId)),
  findProducts: (t, partNumber) =>
    [...t.products.values()]
      .filter((p) => sameText(p.partNumber, partNumber))
      .sort(byText((p) => p.skuId))
      .map(clone),
  listProducts: (t, after, limit) =>
    [...t.products.values()]
      .filter((p) => after === undefined || p.skuId > after)
      .sort(byText((p) => p.skuId))
      .slice(0, limit)
      .map(clone),
  plansOf: (t, skuIds) =>
    skuIds.map((sku) =>
      (t.productPlans.get(sku) ?? []).filter((id) => t.plans.has(id)).map((id) => clone(t.plans.get(id))),
    ),
  countProducts: (t) => t.products.size,
  planRules: (t) => clone(t.planRules),
  setPlanRules: (t, rules) => {
    t.planRules = clone(rules);
  },

  // Subscriptions.
  insertSubscription: (t, s) => {
    const id = t.nextSubscription++;
    t.subscriptions.set(id, { ...clone(s), id: BigInt(id) });
    return BigInt(id);
  },
  updateSubscription: (t, s) => {
    if (!t.subscriptions.has(num(s.id))) throw new Error(`no subscription ${s.id} to update`);
    t.subscriptions.set(num(s.id), clone(s));
  },
  getSubscription: (t, id) => clone(t.subscriptions.get(num(id))),
  subscriptionsOf: (t, skuId) => [...t.subscriptions.values()].filter((s) => s.skuId === skuId).sort(byId).map(clone),
  subscriptionsBoughtBy: (t, upn) =>
    [...t.subscriptions.values()].filter((s) => s.purchaser !== undefined && sameText(s.purchaser, upn)).sort(byId).map(clone),
  listSubscriptions: (t, after, limit) => page([...t.subscriptions.values()], after, limit).map(clone),

  // Users.
  insertUsers: (t, users) =>
    users.map((u) => {
      if (userByUpn(t, u.upn)) throw new Error(`UNIQUE constraint failed: users.upn (${u.upn})`);
      const id = t.nextUser++;
      t.users.set(id, { ...clone(u), id: BigInt(id) });
      return BigInt(id);
    }),
  getUser: (t, id) => clone(t.users.get(num(id))),
  findUsers: (t, upns) => upns.map((upn) => clone(userByUpn(t, upn))),
  listUsers: (t, q, after, limit) => {
    const holds = (u, pred) => [...t.assignments.values()].some((a) => num(a.userId) === num(u.id) && pred(a));
    const rows = [...t.users.values()].filter(
      (u) =>
        (q.includeDeleted || u.deletedAt === undefined) &&
        (!q.unlicensedOnly || !holds(u, () => true)) &&
        (q.holding === undefined || holds(u, (a) => a.skuId === q.holding)) &&
        (q.department === undefined || sameText(u.department, q.department)) &&
        (q.usageLocation === undefined || u.usageLocation === q.usageLocation) &&
        (q.enabled === undefined || u.enabled === q.enabled) &&
        (q.kind === undefined || u.kind === q.kind) &&
        (q.memberOf === undefined || t.members.has(`${num(q.memberOf)}/${num(u.id)}`)) &&
        (q.notMemberOf === undefined || !t.members.has(`${num(q.notMemberOf)}/${num(u.id)}`)) &&
        (!q.inError || [...t.groupErrors.values()].some((e) => num(e.userId) === num(u.id))),
    );
    return page(rows, after, limit).map(clone);
  },
  updateUser: (t, u) => {
    if (!t.users.has(num(u.id))) throw new Error(`no user ${u.id} to update`);
    // The creation time is kept, as the SQLite store does.
    t.users.set(num(u.id), { ...clone(u), createdAt: t.users.get(num(u.id)).createdAt });
  },
  purgeUser: (t, userId) => {
    t.roles.delete(num(userId));
    t.users.delete(num(userId));
    for (const m of [...t.members]) if (m.endsWith(`/${num(userId)}`)) t.members.delete(m);
    for (const k of [...t.groupErrors.keys()]) if (k.endsWith(`/${num(userId)}`)) t.groupErrors.delete(k);
  },
  deletedBefore: (t, before, limit) =>
    page([...t.users.values()].filter((u) => u.deletedAt !== undefined && u.deletedAt < before), undefined, limit).map(clone),

  // License assignments.
  assignmentsOf: (t, userId) => assignmentsWhere(t, (a) => num(a.userId) === num(userId)),
  assignmentsOfUsers: (t, userIds) => Array.from(userIds, (id) => functions.assignmentsOf(t, id)),
  insertAssignment: (t, a) => {
    const k = key(a.userId, a.skuId);
    if (t.assignments.has(k)) throw new Error(`UNIQUE constraint failed: assignments (${k})`);
    if (!t.users.has(num(a.userId))) throw new Error(`FOREIGN KEY constraint failed: no user ${a.userId}`);
    t.assignments.set(k, clone(a));
  },
  insertAssignments: (t, list) => {
    for (const a of list) functions.insertAssignment(t, a);
  },
  deleteAssignments: (t, keys) => {
    for (const [userId, skuId] of keys) t.assignments.delete(key(userId, skuId));
  },
  deleteAssignment: (t, userId, skuId) => t.assignments.delete(key(userId, skuId)),
  updateAssignments: (t, list) => {
    for (const a of list) {
      const held = t.assignments.get(key(a.userId, a.skuId));
      // The time and who assigned it are kept, as the SQLite store does.
      if (held) t.assignments.set(key(a.userId, a.skuId), { ...clone(a), assignedAt: held.assignedAt, assignedBy: held.assignedBy });
    }
  },
  assignedCounts: (t) => {
    const counts = new Map();
    for (const a of t.assignments.values()) {
      if (a.subscription === undefined) counts.set(a.skuId, (counts.get(a.skuId) ?? 0) + 1);
    }
    return [...counts.entries()].sort(byText(([sku]) => sku));
  },
  countAssigned: (t, skuId) =>
    [...t.assignments.values()].filter((a) => a.skuId === skuId && a.subscription === undefined).length,
  assignedFrom: (t, subscriptionId) =>
    assignmentsWhere(t, (a) => a.subscription !== undefined && num(a.subscription) === num(subscriptionId)),
  releaseToPool: (t, subscriptionId) => {
    for (const a of t.assignments.values()) {
      if (a.subscription !== undefined && num(a.subscription) === num(subscriptionId)) a.subscription = undefined;
    }
  },
  stashAssignments: (t, userId, list) => {
    const kept = new Map((t.stashed.get(num(userId)) ?? []).map((a) => [a.skuId, a]));
    for (const a of list) kept.set(a.skuId, { ...clone(a), userId, subscription: undefined, direct: true, groups: [], ownDisabledPlans: undefined });
    t.stashed.set(num(userId), [...kept.values()]);
  },
  takeStashed: (t, userId) => {
    const list = (t.stashed.get(num(userId)) ?? []).sort(byText((a) => a.skuId));
    t.stashed.delete(num(userId));
    return list;
  },

  // Provisioned service data.
  serviceDataOf: (t, userIds) =>
    Array.from(userIds, (id) =>
      [...t.serviceData.values()]
        .filter((d) => num(d.userId) === num(id))
        .sort(byText((d) => d.workload))
        .map(clone),
    ),
  putServiceData: (t, data) => {
    for (const d of data) t.serviceData.set(`${num(d.userId)}/${d.workload}`, clone(d));
  },
  retainedDue: (t, before, limit) =>
    [...t.serviceData.values()]
      .filter((d) => d.until !== undefined && d.until < before)
      .sort((a, b) => (a.until < b.until ? -1 : a.until > b.until ? 1 : 0))
      .slice(0, limit)
      .map(clone),

  // Groups.
  insertGroup: (t, g) => {
    for (const o of t.groups.values()) if (sameText(o.name, g.name)) throw new Error(`UNIQUE constraint failed: groups.name (${g.name})`);
    const id = t.nextGroup++;
    t.groups.set(id, { ...clone(g), id: BigInt(id) });
    return BigInt(id);
  },
  updateGroup: (t, g) => {
    if (t.groups.has(num(g.id))) t.groups.set(num(g.id), clone(g));
  },
  deleteGroup: (t, id) => {
    t.groups.delete(num(id));
    t.groupLicenses.delete(num(id));
    for (const m of [...t.members]) if (m.startsWith(`${num(id)}/`)) t.members.delete(m);
    for (const k of [...t.groupErrors.keys()]) if (k.startsWith(`${num(id)}/`)) t.groupErrors.delete(k);
  },
  getGroup: (t, id) => clone(t.groups.get(num(id))),
  findGroup: (t, name) => clone([...t.groups.values()].find((g) => sameText(g.name, name))),
  listGroups: (t, after, limit) => page([...t.groups.values()], after, limit).map(clone),
  groupLicenses: (t, id) => clone(t.groupLicenses.get(num(id)) ?? []),
  setGroupLicenses: (t, id, list) => t.groupLicenses.set(num(id), clone(list).sort(byText((l) => l.skuId))),
  addMembers: (t, id, userIds) => {
    for (const u of Array.from(userIds)) t.members.add(`${num(id)}/${num(u)}`);
  },
  removeMembers: (t, id, userIds) => {
    for (const u of Array.from(userIds)) t.members.delete(`${num(id)}/${num(u)}`);
  },
  countMembers: (t, id) => [...t.members].filter((m) => m.startsWith(`${num(id)}/`)).length,
  groupsOf: (t, userId) =>
    BigUint64Array.from(
      [...t.members].filter((m) => m.endsWith(`/${num(userId)}`)).map((m) => BigInt(m.split("/")[0])).sort((a, b) => (a < b ? -1 : 1)),
    ),
  putGroupErrors: (t, errors) => {
    for (const e of errors) {
      // An error that was there keeps its place in the waiting line (GL8).
      const k = `${num(e.groupId)}/${num(e.userId)}`;
      t.groupErrors.set(k, { ...clone(e), since: t.groupErrors.get(k)?.since ?? e.since });
    }
  },
  groupErrorsOf: (t, userId) =>
    [...t.groupErrors.values()]
      .filter((e) => num(e.userId) === num(userId))
      .sort((a, b) => num(a.since) - num(b.since) || num(a.groupId) - num(b.groupId))
      .map(clone),
  clearGroupErrors: (t, id, userIds) => {
    for (const u of Array.from(userIds)) t.groupErrors.delete(`${num(id)}/${num(u)}`);
  },
  groupErrors: (t, group, after, limit) =>
    [...t.groupErrors.values()]
      .filter((e) => group === undefined || num(e.groupId) === num(group))
      .sort((a, b) => num(a.since) - num(b.since) || num(a.groupId) - num(b.groupId) || num(a.userId) - num(b.userId))
      .slice(after, after + limit)
      .map(clone),

  // The audit log.
  appendAudit: (t, entries) => {
    for (const entry of entries) t.audit.push({ id: BigInt(t.audit.length + 1), entry: clone(entry) });
  },
  countTargetsAfter: (t, after, prefix) =>
    new Set(t.audit.filter((r) => num(r.id) > num(after) && r.entry.target.startsWith(prefix)).map((r) => r.entry.target)).size,
  listAudit: (t, f, after, limit) => {
    const action = (a) => f.action === undefined || a === f.action || lower(a).startsWith(`${lower(f.action)}.`);
    const rows = t.audit.filter(
      ({ entry: e }) =>
        (f.actor === undefined || sameText(e.actor, f.actor)) &&
        action(e.action) &&
        (f.target === undefined || e.target === f.target) &&
        (f.since === undefined || e.at >= f.since) &&
        (f.until === undefined || e.at < f.until),
    );
    if (!f.newestFirst) return page(rows, after, limit).map(clone);
    const before = after === undefined ? Infinity : num(after);
    return rows.filter((r) => num(r.id) < before).sort(byId).reverse().slice(0, limit).map(clone);
  },

  // Billing: the same guarantees as the SQLite store's constraints (one invoice per profile
  // and period, a line invoiced once, invoices never changed).
  insertBillingProfile: (t, p) => {
    const id = t.nextProfile++;
    t.profiles.set(id, { ...clone(p), id: BigInt(id) });
    return BigInt(id);
  },
  updateBillingProfile: (t, p) => {
    if (!t.profiles.has(num(p.id))) throw new Error(`no billing profile ${p.id} to update`);
    t.profiles.set(num(p.id), clone(p));
  },
  listBillingProfiles: (t) => [...t.profiles.values()].sort(byId).map(clone),
  insertPaymentMethod: (t, m) => {
    const id = t.nextMethod++;
    t.methods.set(id, { ...clone(m), id: BigInt(id) });
    return BigInt(id);
  },
  updatePaymentMethod: (t, m) => {
    if (!t.methods.has(num(m.id))) throw new Error(`no payment method ${m.id} to update`);
    t.methods.set(num(m.id), clone(m));
  },
  getPaymentMethod: (t, id) => clone(t.methods.get(num(id))),
  paymentMethodsOf: (t, profileId) =>
    [...t.methods.values()].filter((m) => num(m.profileId) === num(profileId)).sort(byId).map(clone),
  insertCharges: (t, charges) =>
    charges.map((c) => {
      if (c.reverses !== undefined && [...t.charges.values()].some((o) => o.reverses !== undefined && num(o.reverses) === num(c.reverses)))
        throw new Error(`UNIQUE constraint failed: charges.reverses (${c.reverses})`);
      const id = t.nextCharge++;
      t.charges.set(id, { ...clone(c), id: BigInt(id), invoiceId: undefined });
      return BigInt(id);
    }),
  chargesOf: (t, subscriptionId) =>
    [...t.charges.values()].filter((c) => num(c.subscriptionId) === num(subscriptionId)).sort(byId).map(clone),
  uninvoicedCharges: (t, profileId) =>
    [...t.charges.values()]
      .filter((c) => c.invoiceId === undefined && (profileId === undefined || num(c.profileId) === num(profileId)))
      .sort(byId)
      .map(clone),
  insertInvoice: (t, invoice, chargeIds) => {
    for (const i of t.invoices.values())
      if (num(i.profileId) === num(invoice.profileId) && i.periodStart === invoice.periodStart)
        throw new Error('UNIQUE constraint failed: invoices.profile_id, invoices.period_start');
    const id = t.nextInvoice++;
    t.invoices.set(id, { ...clone(invoice), id: BigInt(id) });
    for (const c of Array.from(chargeIds)) {
      const line = t.charges.get(num(c));
      if (!line || line.invoiceId !== undefined) throw new Error(`ledger entry ${c} is missing or on an invoice already`);
      line.invoiceId = BigInt(id);
    }
    return BigInt(id);
  },
  getInvoice: (t, id) => clone(t.invoices.get(num(id))),
  listInvoices: (t, profileIds, since, until, after, limit) => {
    const profiles = new Set(Array.from(profileIds, num));
    const newestFirst = (a, b) => (a.periodStart === b.periodStart ? num(b.id) - num(a.id) : a.periodStart > b.periodStart ? -1 : 1);
    const rows = [...t.invoices.values()]
      .filter((i) => profiles.has(num(i.profileId)) && i.periodStart >= since && i.periodStart < until)
      .sort(newestFirst);
    if (after === undefined) return rows.slice(0, limit).map(clone);
    // Past the cursor in the same order; an unknown cursor reads nothing, as SQLite's does.
    const cursor = t.invoices.get(num(after));
    if (!cursor) return [];
    return rows.filter((i) => newestFirst(cursor, i) < 0).slice(0, limit).map(clone);
  },
  lastInvoice: (t, profileId) =>
    clone(
      [...t.invoices.values()]
        .filter((i) => num(i.profileId) === num(profileId))
        .sort((a, b) => (a.periodStart === b.periodStart ? num(b.id) - num(a.id) : a.periodStart > b.periodStart ? -1 : 1))[0],
    ),
  invoiceLines: (t, invoiceId) =>
    [...t.charges.values()].filter((c) => c.invoiceId !== undefined && num(c.invoiceId) === num(invoiceId)).sort(byId).map(clone),
  getIdempotency: (t, key) => clone(t.idempotency.get(key)),
  putIdempotency: (t, entry) => {
    if (t.idempotency.has(entry.key)) throw new Error(`UNIQUE constraint failed: idempotency.key (${entry.key})`);
    t.idempotency.set(entry.key, clone(entry));
  },
};

/** camelCase (jco's name) -> kebab-case (the WIT name), for messages. */
export const witName = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A store over fresh tables: `imports` is the object to pass as the
 * `seats:licensing/store` import; `begin`/`commit`/`rollback` give each export call its
 * transaction (a refused call or a trap leaves the tables as they were).
 *
 * Any function the component asks for that `functions` lacks throws
 * "not implemented in the JS store: <name>" when called. `without` (WIT names) leaves
 * functions out, to see that happen.
 */
export function createStore({ without = [] } = {}) {
  let tables = emptyTables();
  let saved;
  const implemented = Object.fromEntries(
    Object.entries(functions)
      .filter(([name]) => !without.includes(witName(name)))
      .map(([name, f]) => [name, (...args) => f(tables, ...args)]),
  );
  // Savepoints inside a call (a bulk call that writes page by page undoes them all or
  // nothing): the tables as they were at each mark; the call's end forgets them.
  let marks = [];
  if (!without.includes('savepoint')) {
    implemented.savepoint = () => {
      marks.push(structuredClone(tables));
      return marks.length;
    };
  }
  if (!without.includes('rollback-to')) {
    implemented.rollbackTo = (mark) => {
      tables = structuredClone(marks[mark - 1]);
      marks = marks.slice(0, mark);
    };
  }
  const imports = new Proxy(implemented, {
    get(target, name) {
      if (typeof name !== 'string' || name in target) return target[name];
      if (name === 'then') return undefined; // not a thenable
      return () => {
        throw new Error(`not implemented in the JS store: ${witName(name)} (add it to tests/embed-node/store.mjs)`);
      };
    },
    has: () => true,
  });
  return {
    imports,
    get tables() {
      return tables;
    },
    begin() {
      saved = structuredClone(tables);
    },
    commit() {
      saved = undefined;
      marks = [];
    },
    rollback() {
      tables = saved;
      saved = undefined;
      marks = [];
    },
  };
}
