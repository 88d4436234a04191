//! The schema, as numbered migrations: `PRAGMA user_version` is how many have run.
//! Constraints repeat the domain's rules as a second line of defence: a violation traps.

use anyhow::{Context, Result, bail};
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the first licensing slice.
    r#"
CREATE TABLE tenant (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL CHECK (length(name) > 0),
    country TEXT NOT NULL CHECK (length(country) = 2),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    cloud TEXT NOT NULL CHECK (cloud IN ('worldwide', 'vianet')),
    default_usage_location TEXT CHECK (length(default_usage_location) = 2),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE products (
    sku_id TEXT PRIMARY KEY CHECK (length(sku_id) = 36 AND sku_id = lower(sku_id)),
    part_number TEXT NOT NULL CHECK (length(part_number) > 0),
    display_name TEXT NOT NULL CHECK (length(display_name) > 0),
    price_monthly TEXT,
    price_annual TEXT,
    trial_available INTEGER NOT NULL DEFAULT 0 CHECK (trial_available IN (0, 1))
) STRICT;
CREATE INDEX products_by_part_number ON products (part_number COLLATE NOCASE);

CREATE TABLE service_plans (
    plan_id TEXT PRIMARY KEY CHECK (length(plan_id) = 36 AND plan_id = lower(plan_id)),
    name TEXT NOT NULL CHECK (length(name) > 0),
    friendly_name TEXT NOT NULL
) STRICT;

CREATE TABLE product_plans (
    sku_id TEXT NOT NULL REFERENCES products (sku_id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES service_plans (plan_id),
    position INTEGER NOT NULL,
    PRIMARY KEY (sku_id, plan_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    upn TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (instr(upn, '@') > 1),
    display_name TEXT NOT NULL CHECK (length(display_name) > 0),
    department TEXT,
    usage_location TEXT CHECK (length(usage_location) = 2),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    kind TEXT NOT NULL CHECK (kind IN ('user', 'shared-mailbox', 'room-mailbox', 'resource-mailbox')),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
) STRICT;
CREATE INDEX users_by_department ON users (department COLLATE NOCASE);
CREATE INDEX users_by_usage_location ON users (usage_location);

CREATE TABLE roles (
    user_id INTEGER NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('global-admin', 'billing-admin', 'user-admin',
        'license-admin', 'service-admin', 'password-admin')),
    PRIMARY KEY (user_id, role)
) STRICT, WITHOUT ROWID;

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    sku_id TEXT NOT NULL REFERENCES products (sku_id),
    quantity INTEGER NOT NULL CHECK (quantity BETWEEN 0 AND 1000000),
    status TEXT NOT NULL CHECK (status IN ('trial', 'active', 'expired', 'disabled', 'deleted')),
    billing TEXT NOT NULL CHECK (billing IN ('monthly', 'annual')),
    channel TEXT NOT NULL CHECK (channel IN ('direct', 'product-key', 'reseller', 'self-service')),
    recurring INTEGER NOT NULL CHECK (recurring IN (0, 1)),
    created_at INTEGER NOT NULL,
    term_end INTEGER NOT NULL CHECK (term_end > created_at)
) STRICT;
CREATE INDEX subscriptions_by_product ON subscriptions (sku_id);

CREATE TABLE assignments (
    user_id INTEGER NOT NULL REFERENCES users (id),
    sku_id TEXT NOT NULL REFERENCES products (sku_id),
    assigned_at INTEGER NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (user_id, sku_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX assignments_by_product ON assignments (sku_id, user_id);

CREATE TABLE disabled_plans (
    user_id INTEGER NOT NULL,
    sku_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    PRIMARY KEY (user_id, sku_id, plan_id),
    FOREIGN KEY (user_id, sku_id) REFERENCES assignments (user_id, sku_id) ON DELETE CASCADE,
    FOREIGN KEY (sku_id, plan_id) REFERENCES product_plans (sku_id, plan_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT
) STRICT;
CREATE INDEX audit_by_target ON audit (target);
CREATE INDEX audit_by_time ON audit (at);

-- The host's own settings (not the domain's): e.g. who acts when --as is not given.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
"#,
    // 2: terms counted from an anchor date (renewals), audit by actor.
    r#"
ALTER TABLE subscriptions ADD COLUMN anchor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN terms INTEGER NOT NULL DEFAULT 1 CHECK (terms >= 1);
UPDATE subscriptions SET anchor = created_at;
CREATE INDEX audit_by_actor ON audit (actor COLLATE NOCASE);
"#,
    // 3: mailboxes (L9), retention (L7), deleted users' licenses (L8), provisioning (L4).
    r#"
ALTER TABLE users ADD COLUMN mailbox_gb INTEGER NOT NULL DEFAULT 0 CHECK (mailbox_gb >= 0);
ALTER TABLE users ADD COLUMN retention_hold INTEGER NOT NULL DEFAULT 0 CHECK (retention_hold IN (0, 1));
CREATE INDEX users_by_deleted_at ON users (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE deleted_assignments (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sku_id TEXT NOT NULL REFERENCES products (sku_id),
    disabled_plans TEXT NOT NULL,
    assigned_at INTEGER NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (user_id, sku_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE service_data (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workload TEXT NOT NULL CHECK (workload IN ('mailbox', 'onedrive', 'team-site', 'teams', 'office-apps')),
    state TEXT NOT NULL CHECK (state IN ('active', 'retained', 'removed', 'purged')),
    since INTEGER NOT NULL,
    until INTEGER CHECK (until IS NULL OR state = 'retained'),
    PRIMARY KEY (user_id, workload)
) STRICT, WITHOUT ROWID;
CREATE INDEX service_data_by_until ON service_data (until) WHERE until IS NOT NULL;
"#,
    // 4: service plan rules (G3).
    r#"
CREATE TABLE plan_rules (
    position INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('exclusive', 'requires')),
    name TEXT NOT NULL CHECK (length(name) > 0),
    plans TEXT NOT NULL CHECK (json_valid(plans))
) STRICT;
"#,
    // 5: self-service purchases (P1-P4).
    r#"
ALTER TABLE products ADD COLUMN self_service INTEGER NOT NULL DEFAULT 0 CHECK (self_service IN (0, 1));
ALTER TABLE subscriptions ADD COLUMN purchaser TEXT;
ALTER TABLE assignments ADD COLUMN subscription INTEGER REFERENCES subscriptions (id);
CREATE INDEX subscriptions_by_purchaser ON subscriptions (purchaser COLLATE NOCASE) WHERE purchaser IS NOT NULL;
CREATE INDEX assignments_by_subscription ON assignments (subscription) WHERE subscription IS NOT NULL;
"#,
    // 6: billing (B1-B5, S3-S7). Subscriptions are rebuilt for the `cancelled` status (SQLite
    // cannot change a CHECK in place); foreign keys are off while a migration runs.
    r#"
ALTER TABLE tenant ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) > 0);

CREATE TABLE billing_profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) > 0),
    owner TEXT,
    default_method INTEGER REFERENCES payment_methods (id),
    created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX billing_profiles_by_owner ON billing_profiles (owner COLLATE NOCASE) WHERE owner IS NOT NULL;
INSERT INTO billing_profiles (name, owner, default_method, created_at) SELECT name, NULL, NULL, created_at FROM tenant;

-- Never a card number or security code (B3): only what is shown back to the admin.
CREATE TABLE payment_methods (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES billing_profiles (id),
    kind TEXT NOT NULL CHECK (kind IN ('card', 'bank-account', 'invoice')),
    brand TEXT,
    last4 TEXT CHECK (last4 IS NULL OR length(last4) = 4),
    exp_month INTEGER CHECK (exp_month IS NULL OR exp_month BETWEEN 1 AND 12),
    exp_year INTEGER,
    holder TEXT,
    address TEXT,
    bank TEXT,
    email TEXT,
    added_at INTEGER NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    CHECK (kind != 'card' OR (brand IS NOT NULL AND last4 IS NOT NULL AND exp_month IS NOT NULL AND exp_year IS NOT NULL)),
    CHECK (kind != 'bank-account' OR (bank IS NOT NULL AND last4 IS NOT NULL)),
    CHECK (kind != 'invoice' OR email IS NOT NULL)
) STRICT;
CREATE INDEX payment_methods_by_profile ON payment_methods (profile_id);

CREATE TABLE new_subscriptions (
    id INTEGER PRIMARY KEY,
    sku_id TEXT NOT NULL REFERENCES products (sku_id),
    quantity INTEGER NOT NULL CHECK (quantity BETWEEN 0 AND 1000000),
    status TEXT NOT NULL CHECK (status IN ('trial', 'active', 'expired', 'disabled', 'deleted', 'cancelled')),
    billing TEXT NOT NULL CHECK (billing IN ('monthly', 'annual')),
    channel TEXT NOT NULL CHECK (channel IN ('direct', 'product-key', 'reseller', 'self-service')),
    recurring INTEGER NOT NULL CHECK (recurring IN (0, 1)),
    created_at INTEGER NOT NULL,
    term_end INTEGER NOT NULL CHECK (term_end > created_at),
    anchor INTEGER NOT NULL DEFAULT 0,
    terms INTEGER NOT NULL DEFAULT 1 CHECK (terms >= 1),
    purchaser TEXT,
    billing_profile INTEGER REFERENCES billing_profiles (id),
    payment_method INTEGER REFERENCES payment_methods (id),
    partner TEXT CHECK (partner IS NULL OR channel = 'reseller'),
    credit_check_until INTEGER,
    cancelled_at INTEGER CHECK ((cancelled_at IS NULL) = (status != 'cancelled')),
    cancel_reason TEXT CHECK (cancel_reason IS NULL OR cancel_reason IN
        ('no-longer-needed', 'too-expensive', 'switching-product', 'missing-features', 'other')),
    cancel_feedback TEXT
) STRICT;
INSERT INTO new_subscriptions (id, sku_id, quantity, status, billing, channel, recurring, created_at, term_end, anchor, terms, purchaser, billing_profile)
    SELECT id, sku_id, quantity, status, billing, channel, recurring, created_at, term_end, anchor, terms, purchaser,
           CASE WHEN channel = 'reseller' THEN NULL ELSE (SELECT min(id) FROM billing_profiles) END
    FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE new_subscriptions RENAME TO subscriptions;
CREATE INDEX subscriptions_by_product ON subscriptions (sku_id);
CREATE INDEX subscriptions_by_purchaser ON subscriptions (purchaser COLLATE NOCASE) WHERE purchaser IS NOT NULL;

-- The ledger: append-only; an entry changes once, when it goes on an invoice.
CREATE TABLE charges (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES billing_profiles (id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    payment_method INTEGER REFERENCES payment_methods (id),
    kind TEXT NOT NULL CHECK (kind IN ('purchase', 'renewal', 'reversal', 'prorated', 'remainder')),
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    unit_price TEXT NOT NULL,
    cycle_start INTEGER NOT NULL,
    cycle_end INTEGER NOT NULL CHECK (cycle_end > cycle_start),
    days_from INTEGER NOT NULL CHECK (days_from >= cycle_start),
    days_to INTEGER NOT NULL CHECK (days_to >= days_from AND days_to <= cycle_end),
    amount TEXT NOT NULL,
    -- A line is reversed at most once, and only a reversal names one.
    reverses INTEGER UNIQUE REFERENCES charges (id) CHECK ((reverses IS NULL) = (kind != 'reversal')),
    at INTEGER NOT NULL,
    invoice_id INTEGER REFERENCES invoices (id)
) STRICT;
CREATE INDEX charges_by_subscription ON charges (subscription_id);
CREATE INDEX charges_uninvoiced ON charges (profile_id) WHERE invoice_id IS NULL;
CREATE INDEX charges_by_invoice ON charges (invoice_id) WHERE invoice_id IS NOT NULL;
CREATE TRIGGER charges_change_only_to_be_invoiced BEFORE UPDATE ON charges
    WHEN OLD.invoice_id IS NOT NULL OR NEW.invoice_id IS NULL OR NEW.amount IS NOT OLD.amount
      OR NEW.quantity IS NOT OLD.quantity OR NEW.subscription_id IS NOT OLD.subscription_id
      OR NEW.profile_id IS NOT OLD.profile_id OR NEW.days_from IS NOT OLD.days_from OR NEW.days_to IS NOT OLD.days_to
BEGIN SELECT RAISE(ABORT, 'a ledger entry never changes, except to go on one invoice'); END;
CREATE TRIGGER charges_are_kept BEFORE DELETE ON charges
BEGIN SELECT RAISE(ABORT, 'a ledger entry is never deleted'); END;

-- Issued invoices never change, and no profile's period is invoiced twice.
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES billing_profiles (id),
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL CHECK (period_end > period_start),
    issued_at INTEGER NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    total TEXT NOT NULL,
    lines INTEGER NOT NULL CHECK (lines > 0),
    UNIQUE (profile_id, period_start)
) STRICT;
CREATE TRIGGER invoices_are_immutable BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, 'an issued invoice never changes: a correction is a line on a later one'); END;
CREATE TRIGGER invoices_are_kept BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'an issued invoice is never deleted'); END;

CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT;
"#,
    // 7: pool counts (licenses assigned from a product's pool) read the index alone, instead
    // of visiting every assignment row of the product to test its subscription.
    r#"
DROP INDEX assignments_by_product;
CREATE INDEX assignments_by_product ON assignments (sku_id, subscription, user_id);
"#,
    // 8: the two tables a bulk change writes most, rebuilt with the same constraints spelled
    // as `=`/`OR` and BETWEEN: SQLite builds a temporary table for every `IN (...)` list in a
    // CHECK on every row it checks (5.5 s of 8.5 s to write 4.7M service-data rows, measured).
    r#"
CREATE TABLE new_users (
    id INTEGER PRIMARY KEY,
    upn TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (instr(upn, '@') > 1),
    display_name TEXT NOT NULL CHECK (length(display_name) > 0),
    department TEXT,
    usage_location TEXT CHECK (length(usage_location) = 2),
    enabled INTEGER NOT NULL CHECK (enabled BETWEEN 0 AND 1),
    kind TEXT NOT NULL CHECK (kind = 'user' OR kind = 'shared-mailbox' OR kind = 'room-mailbox'
        OR kind = 'resource-mailbox'),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER,
    mailbox_gb INTEGER NOT NULL DEFAULT 0 CHECK (mailbox_gb >= 0),
    retention_hold INTEGER NOT NULL DEFAULT 0 CHECK (retention_hold BETWEEN 0 AND 1)
) STRICT;
INSERT INTO new_users SELECT id, upn, display_name, department, usage_location, enabled, kind,
    created_at, deleted_at, mailbox_gb, retention_hold FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
CREATE INDEX users_by_department ON users (department COLLATE NOCASE);
CREATE INDEX users_by_usage_location ON users (usage_location);
CREATE INDEX users_by_deleted_at ON users (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE new_service_data (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workload TEXT NOT NULL CHECK (workload = 'mailbox' OR workload = 'onedrive'
        OR workload = 'team-site' OR workload = 'teams' OR workload = 'office-apps'),
    state TEXT NOT NULL CHECK (state = 'active' OR state = 'retained' OR state = 'removed'
        OR state = 'purged'),
    since INTEGER NOT NULL,
    until INTEGER CHECK (until IS NULL OR state = 'retained'),
    PRIMARY KEY (user_id, workload)
) STRICT, WITHOUT ROWID;
INSERT INTO new_service_data SELECT user_id, workload, state, since, until FROM service_data;
DROP TABLE service_data;
ALTER TABLE new_service_data RENAME TO service_data;
CREATE INDEX service_data_by_until ON service_data (until) WHERE until IS NOT NULL;
"#,
    // 9: group-based licensing (GL1-GL10): groups, their members, licenses and members in
    // error; an assignment's sources as compact columns (one seat whatever the sources).
    r#"
ALTER TABLE assignments ADD COLUMN direct INTEGER NOT NULL DEFAULT 1 CHECK (direct BETWEEN 0 AND 1);
ALTER TABLE assignments ADD COLUMN groups TEXT;
ALTER TABLE assignments ADD COLUMN own_disabled TEXT;
CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT,
    rule TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE group_licenses (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    sku_id TEXT NOT NULL REFERENCES products (sku_id),
    disabled_plans TEXT NOT NULL,
    PRIMARY KEY (group_id, sku_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (user_id, group_id);
CREATE TABLE group_errors (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_errors_by_since ON group_errors (since, group_id, user_id);
CREATE INDEX group_errors_by_user ON group_errors (user_id);
"#,
    // 10: the host's own map of Microsoft Graph object ids (an imported tenant's, or made for
    // what seats created), so an export and `seats serve` show each object under one id.
    r#"
CREATE TABLE graph_ids (
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group', 'subscription', 'tenant')),
    local INTEGER NOT NULL,
    graph_id TEXT NOT NULL CHECK (length(graph_id) = 36 AND graph_id = lower(graph_id)),
    PRIMARY KEY (kind, local)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX graph_ids_by_id ON graph_ids (kind, graph_id);
-- Bearer tokens `seats serve` accepts (`seats tokens create`): only their SHA-256 is kept.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    upn TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
"#,
    // 11: the lean layout (the audit log and disabled plans; docs/storage.md). An assignment's
    // disabled plans are a column of its row (JSON, NULL when none) instead of child rows
    // whose cascade SQLite visited on every delete; the audit log keeps names once
    // (`audit_words`, `audit_targets`) and packed states (`convert_audit` copies the log).
    r#"
ALTER TABLE assignments ADD COLUMN disabled TEXT;
UPDATE assignments SET disabled = (SELECT json_group_array(plan_id) FROM (SELECT d.plan_id
        FROM disabled_plans d WHERE d.user_id = assignments.user_id AND d.sku_id = assignments.sku_id
        ORDER BY d.plan_id))
    WHERE EXISTS (SELECT 1 FROM disabled_plans d
        WHERE d.user_id = assignments.user_id AND d.sku_id = assignments.sku_id);
DROP TABLE disabled_plans;
DROP INDEX audit_by_target;
DROP INDEX audit_by_time;
DROP INDEX audit_by_actor;
ALTER TABLE audit RENAME TO audit_10;
CREATE TABLE audit_words (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
CREATE TABLE audit_targets (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor INTEGER NOT NULL REFERENCES audit_words (id),
    action INTEGER NOT NULL REFERENCES audit_words (id),
    target INTEGER NOT NULL REFERENCES audit_targets (id),
    before BLOB,
    after BLOB
) STRICT;
"#,
    // 12: small keys (docs/storage.md). An assignment names its product by `products.id`
    // instead of its 36-character GUID, in its row and in the by-product index (a third of
    // the assignments' bytes at 100k users); the store maps the two. Service data keep their
    // workload and state as small integers. The references of assignments and audit entries
    // are checked at COMMIT.
    r#"
CREATE TABLE new_products (
    id INTEGER PRIMARY KEY,
    sku_id TEXT NOT NULL UNIQUE CHECK (length(sku_id) = 36 AND sku_id = lower(sku_id)),
    part_number TEXT NOT NULL CHECK (length(part_number) > 0),
    display_name TEXT NOT NULL CHECK (length(display_name) > 0),
    price_monthly TEXT,
    price_annual TEXT,
    trial_available INTEGER NOT NULL DEFAULT 0 CHECK (trial_available IN (0, 1)),
    self_service INTEGER NOT NULL DEFAULT 0 CHECK (self_service IN (0, 1))
) STRICT;
INSERT INTO new_products (sku_id, part_number, display_name, price_monthly, price_annual,
        trial_available, self_service)
    SELECT sku_id, part_number, display_name, price_monthly, price_annual, trial_available,
        self_service FROM products ORDER BY sku_id;
DROP TABLE products;
ALTER TABLE new_products RENAME TO products;
CREATE INDEX products_by_part_number ON products (part_number COLLATE NOCASE);

-- The references of the two tables a bulk change appends to are checked at COMMIT
-- (deferred): an immediate one makes each multi-row INSERT keep a statement journal, a copy
-- of every page it changes (2.7 of the 3.2 GB a 1M-user replace wrote; docs/storage.md).
CREATE TABLE new_assignments (
    user_id INTEGER NOT NULL REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    product INTEGER NOT NULL REFERENCES products (id) DEFERRABLE INITIALLY DEFERRED,
    assigned_at INTEGER NOT NULL,
    assigned_by TEXT NOT NULL,
    subscription INTEGER REFERENCES subscriptions (id) DEFERRABLE INITIALLY DEFERRED,
    direct INTEGER NOT NULL DEFAULT 1 CHECK (direct BETWEEN 0 AND 1),
    groups TEXT,
    own_disabled TEXT,
    disabled TEXT,
    PRIMARY KEY (user_id, product)
) STRICT, WITHOUT ROWID;
INSERT INTO new_assignments SELECT a.user_id, p.id, a.assigned_at, a.assigned_by,
        a.subscription, a.direct, a.groups, a.own_disabled, a.disabled
    FROM assignments a LEFT JOIN products p ON p.sku_id = a.sku_id ORDER BY a.user_id, p.id;
DROP TABLE assignments;
ALTER TABLE new_assignments RENAME TO assignments;
CREATE INDEX assignments_by_product ON assignments (product, subscription, user_id);
CREATE INDEX assignments_by_subscription ON assignments (subscription)
    WHERE subscription IS NOT NULL;
DROP INDEX audit_by_target;
DROP INDEX audit_by_time;
DROP INDEX audit_by_actor;
CREATE TABLE new_audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor INTEGER NOT NULL REFERENCES audit_words (id) DEFERRABLE INITIALLY DEFERRED,
    action INTEGER NOT NULL REFERENCES audit_words (id) DEFERRABLE INITIALLY DEFERRED,
    target INTEGER NOT NULL REFERENCES audit_targets (id) DEFERRABLE INITIALLY DEFERRED,
    before BLOB,
    after BLOB
) STRICT;
INSERT INTO new_audit SELECT id, at, actor, action, target, before, after FROM audit ORDER BY id;
DROP TABLE audit;
ALTER TABLE new_audit RENAME TO audit;
CREATE INDEX audit_by_target ON audit (target);
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_actor ON audit (actor);

-- Service data's workload and state as small integers (`WORKLOADS`, `DATA_STATES` in
-- host/src/db/codes.rs: the workloads numbered in their names' order).
CREATE TABLE new_service_data (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workload INTEGER NOT NULL CHECK (workload BETWEEN 0 AND 4),
    state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),
    since INTEGER NOT NULL,
    until INTEGER CHECK (until IS NULL OR state = 1),
    PRIMARY KEY (user_id, workload)
) STRICT, WITHOUT ROWID;
INSERT INTO new_service_data SELECT user_id,
        CASE workload WHEN 'mailbox' THEN 0 WHEN 'office-apps' THEN 1 WHEN 'onedrive' THEN 2
            WHEN 'team-site' THEN 3 WHEN 'teams' THEN 4 END,
        CASE state WHEN 'active' THEN 0 WHEN 'retained' THEN 1 WHEN 'removed' THEN 2
            WHEN 'purged' THEN 3 END,
        since, until
    FROM service_data ORDER BY user_id, workload;
DROP TABLE service_data;
ALTER TABLE new_service_data RENAME TO service_data;
CREATE INDEX service_data_by_until ON service_data (until) WHERE until IS NOT NULL;
"#,
    // 13: an audit entry about a user names the user by id (`user_id`) while the user holds
    // the name the entry was written with, instead of a copy of the UPN in `audit_targets`
    // (90 bytes per user; docs/storage.md). A rename or a purge gives the user's entries their
    // name back (the triggers), so every entry reads as it was written. An assignment names
    // who assigned it by the id of that name in `audit_words`. No indexes on the audit log's
    // time or actor, nor on users' usage location (80 bytes per user): a filter on one of
    // them reads the table in id order, a whole scan 0.2-0.5 s at 1M users (docs/storage.md).
    r#"
DROP INDEX audit_by_target;
DROP INDEX audit_by_time;
DROP INDEX audit_by_actor;
CREATE TABLE new_audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor INTEGER NOT NULL REFERENCES audit_words (id) DEFERRABLE INITIALLY DEFERRED,
    action INTEGER NOT NULL REFERENCES audit_words (id) DEFERRABLE INITIALLY DEFERRED,
    target INTEGER REFERENCES audit_targets (id) DEFERRABLE INITIALLY DEFERRED,
    user_id INTEGER REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    before BLOB,
    after BLOB,
    CHECK ((target IS NULL) != (user_id IS NULL))
) STRICT;
-- Each named target's user, if a user holds exactly that name (the UPN's index ignores case).
CREATE TABLE target_users (target INTEGER PRIMARY KEY, user_id INTEGER NOT NULL) STRICT;
INSERT INTO target_users SELECT t.id, u.id FROM audit_targets t JOIN users u
    ON substr(t.name, 1, 5) = 'user:' AND u.upn = substr(t.name, 6)
        AND u.upn = substr(t.name, 6) COLLATE BINARY;
INSERT INTO new_audit SELECT a.id, a.at, a.actor, a.action,
        CASE WHEN k.user_id IS NULL THEN a.target END, k.user_id, a.before, a.after
    FROM audit a LEFT JOIN target_users k ON k.target = a.target ORDER BY a.id;
DROP TABLE target_users;
DROP TABLE audit;
ALTER TABLE new_audit RENAME TO audit;
CREATE INDEX audit_by_target ON audit (target) WHERE target IS NOT NULL;
CREATE INDEX audit_by_user ON audit (user_id) WHERE user_id IS NOT NULL;
DELETE FROM audit_targets WHERE NOT EXISTS (SELECT 1 FROM audit WHERE audit.target = audit_targets.id);

-- Who assigned a license: the id of the name in `audit_words` (where the actors' names are
-- kept), not a copy of the UPN in every assignment.
INSERT OR IGNORE INTO audit_words (name) SELECT DISTINCT assigned_by FROM assignments;
CREATE TABLE new_assignments (
    user_id INTEGER NOT NULL REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    product INTEGER NOT NULL REFERENCES products (id) DEFERRABLE INITIALLY DEFERRED,
    assigned_at INTEGER NOT NULL,
    assigned_by INTEGER NOT NULL REFERENCES audit_words (id) DEFERRABLE INITIALLY DEFERRED,
    subscription INTEGER REFERENCES subscriptions (id) DEFERRABLE INITIALLY DEFERRED,
    direct INTEGER NOT NULL DEFAULT 1 CHECK (direct BETWEEN 0 AND 1),
    groups TEXT,
    own_disabled TEXT,
    disabled TEXT,
    PRIMARY KEY (user_id, product)
) STRICT, WITHOUT ROWID;
INSERT INTO new_assignments SELECT a.user_id, a.product, a.assigned_at, w.id, a.subscription,
        a.direct, a.groups, a.own_disabled, a.disabled
    FROM assignments a JOIN audit_words w ON w.name = a.assigned_by ORDER BY a.user_id, a.product;
DROP TABLE assignments;
ALTER TABLE new_assignments RENAME TO assignments;
CREATE INDEX assignments_by_product ON assignments (product, subscription, user_id);
CREATE INDEX assignments_by_subscription ON assignments (subscription)
    WHERE subscription IS NOT NULL;
DROP INDEX users_by_usage_location;

-- A user's entries get their name back when the user loses it: renamed (a change of case
-- too: an entry keeps the spelling it was written with) or purged. No conflict clause inside
-- (an outer `OR REPLACE` would turn it into a delete of the kept name). A migration that
-- rebuilds `users` drops these with it and must create them again (a unit test checks).
CREATE TRIGGER audit_names_a_renamed_user AFTER UPDATE OF upn ON users
    WHEN OLD.upn IS NOT NEW.upn COLLATE BINARY
BEGIN
    INSERT INTO audit_targets (name) SELECT 'user:' || OLD.upn
        WHERE EXISTS (SELECT 1 FROM audit WHERE user_id = OLD.id)
            AND NOT EXISTS (SELECT 1 FROM audit_targets WHERE name = 'user:' || OLD.upn);
    UPDATE audit SET user_id = NULL,
            target = (SELECT id FROM audit_targets WHERE name = 'user:' || OLD.upn)
        WHERE user_id = OLD.id;
END;
CREATE TRIGGER audit_names_a_purged_user BEFORE DELETE ON users
BEGIN
    INSERT INTO audit_targets (name) SELECT 'user:' || OLD.upn
        WHERE EXISTS (SELECT 1 FROM audit WHERE user_id = OLD.id)
            AND NOT EXISTS (SELECT 1 FROM audit_targets WHERE name = 'user:' || OLD.upn);
    UPDATE audit SET user_id = NULL,
            target = (SELECT id FROM audit_targets WHERE name = 'user:' || OLD.upn)
        WHERE user_id = OLD.id;
END;
"#,
    // 14: the references an assignment and an audit entry make to rows never deleted
    // (products, subscriptions, the audit log's words and targets) are no longer declared:
    // SQLite probed each parent on every insert and delete of a bulk change, about a tenth of
    // the writer's time at 1M users (docs/storage.md). The store makes or looks up those ids
    // itself, and `seats check` checks them (`references.rs`). The references to users stay:
    // they keep a purge from leaving a user's rows behind. Only the tables' SQL changes, not
    // their rows (`convert`).
    "-- (convert: drop_undeclared_references)",
];

/// Runs after migration `version`'s SQL, in its transaction: what SQL alone cannot convert.
fn convert(version: usize, tx: &rusqlite::Transaction) -> Result<()> {
    if version == 11 {
        convert_audit(tx)?;
        tx.execute_batch(
            "DROP TABLE audit_10;
             CREATE INDEX audit_by_target ON audit (target);
             CREATE INDEX audit_by_time ON audit (at);
             CREATE INDEX audit_by_actor ON audit (actor);",
        )?;
    }
    if version == 14 {
        drop_undeclared_references(tx)?;
    }
    Ok(())
}

/// Takes the references `references::UNDECLARED` names out of the tables' SQL. Dropping a
/// constraint leaves the rows as they are stored, so SQLite's own way applies: the schema's
/// text rewritten with `writable_schema`, then its version moved on so every connection
/// reads it again (sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
/// Changes").
fn drop_undeclared_references(tx: &rusqlite::Transaction) -> Result<()> {
    let version: i64 = tx.pragma_query_value(None, "schema_version", |r| r.get(0))?;
    tx.pragma_update(None, "writable_schema", true)?;
    let mut update = tx.prepare(
        "UPDATE sqlite_schema SET sql = replace(sql, ?2, '') WHERE type = 'table' AND name = ?1",
    )?;
    for (table, column, parent) in super::references::UNDECLARED {
        let clause = format!(" REFERENCES {parent} (id) DEFERRABLE INITIALLY DEFERRED");
        if update.execute(rusqlite::params![table, clause])? != 1 {
            bail!("migration 14 found no table {table} (for {table}.{column})");
        }
    }
    drop(update);
    tx.pragma_update(None, "schema_version", version + 1)?;
    tx.pragma_update(None, "writable_schema", false)?;
    // Each table keeps exactly its reference to users, and parses.
    for table in ["assignments", "audit"] {
        let parents: Vec<String> = tx
            .prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1)")?
            .query_map([table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if parents != ["users"] {
            bail!("migration 14 left {table} referring to {parents:?}, not only to users");
        }
    }
    Ok(())
}

/// Copies the text audit log into the packed one, a page at a time, keeping each entry's id.
fn convert_audit(tx: &rusqlite::Transaction) -> Result<()> {
    use crate::bindings::types::AuditEntry;
    let mut read = tx.prepare(
        "SELECT id, at, actor, action, target, before, after FROM audit_10
         WHERE id > ?1 ORDER BY id LIMIT 10000",
    )?;
    let mut last = 0i64;
    loop {
        let page: Vec<(i64, AuditEntry)> = read
            .query_map([last], |r| {
                Ok((
                    r.get(0)?,
                    AuditEntry {
                        at: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        target: r.get(4)?,
                        before: r.get(5)?,
                        after: r.get(6)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(&(end, _)) = page.last() else {
            return Ok(());
        };
        let (ids, entries): (Vec<i64>, Vec<AuditEntry>) = page.into_iter().unzip();
        super::audit::insert(tx, &entries, Some(&ids), false, &[])?;
        last = end;
    }
}

/// The schema version this binary writes.
pub const VERSION: usize = MIGRATIONS.len();

pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, VERSION)
}

/// Runs the migrations up to `target` (tests stop early to check a later one).
fn migrate_to(conn: &mut Connection, target: usize) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let current = current as usize;
    if current > VERSION {
        bail!(
            "this database has schema version {current}, from a newer seats; this seats knows up to \
             version {VERSION}: upgrade seats"
        );
    }
    if current >= target {
        return Ok(());
    }
    // Off while tables are rebuilt (it cannot change inside a transaction); every
    // reference is checked before each migration commits.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let result = (|| -> Result<()> {
        for (i, sql) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)
                .map_err(anyhow::Error::from)
                .and_then(|()| convert(i + 1, &tx))
                .with_context(|| {
                    format!(
                        "migration {} of this database failed; nothing was changed",
                        i + 1
                    )
                })?;
            let broken: i64 =
                tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?;
            if broken > 0 {
                bail!(
                    "migration {} would break {broken} references; nothing was changed",
                    i + 1
                );
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", "ON")?;
    result?;
    reclaim(conn)
}

/// Gives the file back the pages a migration freed when they are over a quarter of it (11
/// frees schema 10's text log: 0.5 of 1.4 GB at 1M users, 8 s to reclaim). Best effort: a
/// reader holding the file open makes VACUUM fail, and the free pages are then reused by
/// later writes instead.
fn reclaim(conn: &Connection) -> Result<()> {
    let (free, pages): (i64, i64) = conn.query_row(
        "SELECT (SELECT freelist_count FROM pragma_freelist_count),
                (SELECT page_count FROM pragma_page_count)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if free * 4 > pages {
        let _ = conn.execute_batch("VACUUM");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database at `version`, with a user and his service data.
    fn at(version: usize) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, version).unwrap();
        // A retained mailbox: by name before migration 12, by code since.
        let data = if version < 12 {
            "(7, 'mailbox', 'retained', 5, 9)"
        } else {
            "(7, 0, 1, 5, 9)"
        };
        conn.execute_batch(&format!(
            "INSERT INTO users (id, upn, display_name, enabled, kind, created_at, mailbox_gb)
                 VALUES (7, 'ana@t.com', 'Ana', 1, 'user', 1, 3);
             INSERT INTO service_data VALUES {data};"
        ))
        .unwrap();
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        conn
    }

    #[test]
    fn pages_a_migration_frees_go_back_to_the_file_system() {
        let conn = Connection::open_in_memory().unwrap();
        let free = |conn: &Connection| -> i64 {
            conn.query_row(
                "SELECT freelist_count FROM pragma_freelist_count",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        conn.execute_batch(
            "CREATE TABLE kept (b BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
             INSERT INTO kept SELECT zeroblob(2000) FROM n;
             CREATE TABLE old (b BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO old SELECT zeroblob(2000) FROM n;
             DROP TABLE old;",
        )
        .unwrap();
        assert!(free(&conn) > 100);
        reclaim(&conn).unwrap();
        assert_eq!(free(&conn), 0);
        // A few free pages are left for later writes to reuse.
        conn.execute_batch("CREATE TABLE small (b BLOB); INSERT INTO small VALUES (zeroblob(9000)); DELETE FROM small;")
            .unwrap();
        let left = free(&conn);
        reclaim(&conn).unwrap();
        assert!(left > 0 && free(&conn) == left);
    }

    #[test]
    fn migration_8_keeps_users_and_service_data() {
        let conn = at(7);
        let row: (String, i64, i64, i64) = conn
            .query_row(
                "SELECT u.upn, u.mailbox_gb, s.state, s.until FROM users u
                 JOIN service_data s ON s.user_id = u.id WHERE u.id = 7",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        // Retained (its code since migration 12).
        assert_eq!(row, ("ana@t.com".into(), 3, 1, 9));
    }

    #[test]
    fn migration_12_codes_service_data_as_the_store_reads_them() {
        use super::super::rows::decode_service_data;
        use crate::bindings::text::{state_text, workload_text};
        use crate::bindings::types::{DataState, Workload};
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 11).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, upn, display_name, enabled, kind, created_at)
                 VALUES (7, 'ana@t.com', 'Ana', 1, 'user', 1), (8, 'bo@t.com', 'Bo', 1, 'user', 1);",
        )
        .unwrap();
        let workloads = [
            Workload::Mailbox,
            Workload::Onedrive,
            Workload::TeamSite,
            Workload::Teams,
            Workload::OfficeApps,
        ];
        let states = [
            DataState::Active,
            DataState::Retained,
            DataState::Removed,
            DataState::Purged,
        ];
        let mut written = Vec::new();
        for (user, shift) in [(7i64, 0), (8, 1)] {
            for (i, &w) in workloads.iter().enumerate() {
                let s = states[(i + shift) % states.len()];
                let until = (s == DataState::Retained).then_some(9i64);
                conn.execute(
                    "INSERT INTO service_data VALUES (?1, ?2, ?3, 5, ?4)",
                    rusqlite::params![user, workload_text(w), state_text(s), until],
                )
                .unwrap();
                written.push((user, workload_text(w), state_text(s), until));
            }
        }
        migrate(&mut conn).unwrap();
        let mut read: Vec<_> = conn
            .prepare("SELECT user_id, workload, state, since, until FROM service_data")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .map(|row| {
                let d = decode_service_data(row.unwrap()).unwrap();
                (
                    d.user_id as i64,
                    workload_text(d.workload),
                    state_text(d.state),
                    d.until,
                )
            })
            .collect();
        read.sort();
        written.sort();
        assert_eq!(read, written);
        // `ORDER BY workload` lists them in the order the text column did.
        let names: Vec<&str> = conn
            .prepare("SELECT workload FROM service_data WHERE user_id = 7 ORDER BY workload")
            .unwrap()
            .query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|code| workload_text(super::super::codes::workload_of(code.unwrap()).unwrap()))
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!((names.len(), &names), (5, &sorted));
    }

    #[test]
    fn the_rebuilt_tables_still_refuse_what_they_refused() {
        let conn = at(VERSION);
        for bad in [
            "INSERT INTO users (upn, display_name, enabled, kind, created_at) VALUES ('b@t.com', 'B', 2, 'user', 1)",
            "INSERT INTO users (upn, display_name, enabled, kind, created_at) VALUES ('b@t.com', 'B', 1, 'robot', 1)",
            "INSERT INTO users (upn, display_name, enabled, kind, created_at) VALUES ('ANA@t.com', 'B', 1, 'user', 1)",
            "UPDATE users SET retention_hold = 2",
            "INSERT INTO service_data VALUES (7, 'teams', 'active', 1, NULL)",
            "INSERT INTO service_data VALUES (7, 5, 0, 1, NULL)",
            "INSERT INTO service_data VALUES (7, 4, 4, 1, NULL)",
            "INSERT INTO service_data VALUES (7, 4, 0, 1, 5)",
            "INSERT INTO service_data VALUES (8, 4, 0, 1, NULL)",
        ] {
            assert!(conn.execute_batch(bad).is_err(), "{bad}");
        }
        for good in ["shared-mailbox", "room-mailbox", "resource-mailbox"] {
            conn.execute(
                "INSERT INTO users (upn, display_name, enabled, kind, created_at) VALUES (?1 || '@t.com', 'B', 0, ?1, 1)",
                [good],
            )
            .unwrap();
        }
        // onedrive removed, team-site purged, teams active, office-apps active.
        for (workload, state) in [(2, 2), (3, 3), (4, 0), (1, 0)] {
            conn.execute(
                "INSERT INTO service_data VALUES (7, ?1, ?2, 1, NULL)",
                [workload, state],
            )
            .unwrap();
        }
        conn.execute_batch("DELETE FROM users WHERE id = 7")
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM service_data", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "a user's service data goes with him");
    }

    #[test]
    fn a_users_audit_entries_get_their_name_back_whatever_the_statement() {
        let conn = at(VERSION);
        // A later migration that rebuilds `users` drops its triggers: they must be there.
        let triggers: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'
                 AND name IN ('audit_names_a_renamed_user', 'audit_names_a_purged_user')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(triggers, 2);
        // Ana (user 7): one entry kept under her name, one by her id; renamed by a statement
        // whose OR REPLACE would reach a conflict clause inside the trigger.
        conn.execute_batch(
            "INSERT INTO audit_words (name) VALUES ('tester');
             INSERT INTO audit_targets (name) VALUES ('user:ana@t.com');
             INSERT INTO audit (at, actor, action, target) SELECT 1, w.id, w.id, t.id
                 FROM audit_words w, audit_targets t
                 WHERE w.name = 'tester' AND t.name = 'user:ana@t.com';
             INSERT INTO audit (at, actor, action, user_id)
                 SELECT 2, id, id, 7 FROM audit_words WHERE name = 'tester';
             UPDATE OR REPLACE users SET upn = 'anna@t.com' WHERE id = 7;",
        )
        .unwrap();
        let names: Vec<String> = conn
            .prepare(
                "SELECT t.name FROM audit a JOIN audit_targets t ON t.id = a.target
                 WHERE a.at IN (1, 2) AND a.user_id IS NULL ORDER BY a.id",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(names, ["user:ana@t.com", "user:ana@t.com"]);
        let broken: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
    }

    /// Migration 14 changes the tables' SQL only: the rows read the same, the file is sound,
    /// and the references to users still hold at COMMIT.
    #[test]
    fn migration_14_drops_only_the_undeclared_references() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 13).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, upn, display_name, enabled, kind, created_at)
                 VALUES (7, 'ana@t.com', 'Ana', 1, 'user', 1);
             INSERT INTO products (id, sku_id, part_number, display_name)
                 VALUES (1, '00000000-0000-0000-0000-000000000001', 'P', 'P');
             INSERT INTO audit_words (id, name) VALUES (1, 'tester');
             INSERT INTO assignments (user_id, product, assigned_at, assigned_by, disabled)
                 VALUES (7, 1, 3, 1, '[\"x\"]');
             INSERT INTO audit (at, actor, action, user_id, after) VALUES (4, 1, 1, 7, x'0102');",
        )
        .unwrap();
        let rows = |conn: &Connection| -> Vec<String> {
            conn.prepare(
                "SELECT json_array(user_id, product, assigned_at, assigned_by, disabled) FROM assignments
                 UNION ALL SELECT json_array(id, at, actor, action, user_id, hex(after)) FROM audit",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        let before = rows(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(rows(&conn), before);
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        for table in ["assignments", "audit"] {
            let parents: Vec<String> = conn
                .prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1)")
                .unwrap()
                .query_map([table], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(parents, ["users"], "{table}");
        }
        // Purging a user who still holds a license is refused when the purge commits.
        let purge = conn.execute_batch("BEGIN; DELETE FROM users WHERE id = 7; COMMIT;");
        assert!(purge.is_err());
        conn.execute_batch("ROLLBACK").unwrap();
        // A product the catalog lacks is stored, and found by `references`.
        conn.execute_batch("UPDATE assignments SET product = 5")
            .unwrap();
        assert_eq!(super::super::references::broken(&conn).unwrap().count, 1);
    }
}
