//! The application service: what every adapter works with (the CLI, scripts and the shell, the
//! seeders). A session is the component over one database, who acts, and how results are
//! printed; its operations are the component's exports, called in one transaction each. No
//! adapter depends on another, and none runs SQL: the storage does (`db`).

pub mod clock;

use crate::component::bulk::{BulkSummary, LicenseChange};
use crate::component::licenses::BulkResult;
use crate::component::users::UserFilter;
use crate::component::{CacheDir, CallError, Runtime, RuntimeOptions};
use crate::db::Db;
use crate::output::Format;
use anyhow::{Result, bail};
use std::path::PathBuf;

/// What opening a session takes: where the data is, who acts, the tenant's time, the policy
/// plugins named (more are found beside the database), how to print.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub db: PathBuf,
    /// The acting principal; the database's default actor when none.
    pub actor: Option<String>,
    /// Seconds since the epoch taken as now; the real time when none.
    pub now: Option<i64>,
    pub plugins: Vec<PathBuf>,
    pub verbose: bool,
    pub format: Format,
}

/// A command refused in part (a bulk change with failures): its report is printed, and
/// the command exits 1 with this summary.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// What a command works with: the runtime over the database, who acts, how to print.
pub struct Session {
    pub rt: Runtime,
    pub actor: String,
    pub format: Format,
}

impl Session {
    pub fn call<T>(
        &mut self,
        f: impl FnOnce(
            &crate::component::Domain,
            &mut wasmtime::Store<crate::component::HostState>,
            &String,
        ) -> wasmtime::Result<Result<T, crate::component::types::Error>>,
    ) -> Result<T, CallError> {
        let actor = self.actor.clone();
        self.rt.call(|d, s| f(d, s, &actor))
    }

    /// A bulk license change over the users named: one outcome per user.
    pub fn change_licenses(
        &mut self,
        users: &[String],
        change: &LicenseChange,
        all: bool,
    ) -> Result<BulkResult, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_bulk()
                .call_change(st, actor, users, change, all)
        })
    }

    /// Buys `quantity` licenses of a product for the organisation, charged at once to its
    /// default payment method (S4).
    pub fn buy(
        &mut self,
        product: &str,
        quantity: i64,
        billing: crate::component::types::BillingFrequency,
    ) -> Result<crate::component::billing::BillingResult, CallError> {
        let order = crate::component::billing::Purchase {
            product: product.to_string(),
            quantity,
            billing,
            channel: crate::component::types::PurchaseChannel::Direct,
            profile: None,
            payment_method: None,
            product_key: None,
            partner: None,
            idempotency_key: None,
        };
        self.call(|d, st, actor| d.seats_licensing_billing().call_buy(st, actor, &order))
    }

    /// A bulk license change over every user the filter selects, a page at a time in the
    /// component: counts and the first `FAILURES_SHOWN` failures.
    pub fn change_licenses_where(
        &mut self,
        filter: &UserFilter,
        change: &LicenseChange,
        all: bool,
    ) -> Result<BulkSummary, CallError> {
        self.call(|d, st, actor| {
            d.seats_licensing_bulk().call_change_where(
                st,
                actor,
                filter,
                change,
                all,
                FAILURES_SHOWN,
            )
        })
    }
}

/// Failures a bulk change over a filter lists in full; its counts cover them all.
pub const FAILURES_SHOWN: u32 = 1000;

/// Users one page of a listing reads: the component's largest.
pub const PAGE: u32 = 5000;
/// Invoices per page (the most the contract allows).
const INVOICE_PAGE: u32 = 1000;

/// Reads page after page from `after` on, handing each to `each` until it returns false or the
/// last page is read.
fn pages<T>(
    mut after: Option<u64>,
    mut read: impl FnMut(Option<u64>) -> Result<(Vec<T>, Option<u64>), CallError>,
    mut each: impl FnMut(Vec<T>) -> anyhow::Result<bool>,
) -> Result<(), CallError> {
    loop {
        let (items, next) = read(after)?;
        if !each(items)? || next.is_none() {
            return Ok(());
        }
        after = next;
    }
}

impl Session {
    /// Every user matching the filter, page by page.
    pub fn all_users(
        &mut self,
        filter: &crate::component::users::UserFilter,
    ) -> Result<Vec<crate::component::types::User>, CallError> {
        let mut users = Vec::new();
        self.user_pages(filter, |page| {
            users.extend(page);
            Ok(true)
        })?;
        Ok(users)
    }

    /// The users matching the filter, handed to `each` a page at a time as they are read, in
    /// flat memory, until it returns false.
    pub fn user_pages(
        &mut self,
        filter: &crate::component::users::UserFilter,
        each: impl FnMut(Vec<crate::component::types::User>) -> anyhow::Result<bool>,
    ) -> Result<(), CallError> {
        pages(None, |after| self.user_page(filter, after), each)
    }

    /// One page of the users matching the filter, after the cursor, and the next cursor.
    pub fn user_page(
        &mut self,
        filter: &crate::component::users::UserFilter,
        after: Option<u64>,
    ) -> Result<(Vec<crate::component::types::User>, Option<u64>), CallError> {
        let page = self.call(|d, st, actor| {
            d.seats_licensing_users()
                .call_list_users(st, actor, filter, after, PAGE)
        })?;
        Ok((page.users, page.next))
    }

    /// The audit entries matching the filter after entry `after`, oldest first, handed to
    /// `each` a page at a time as they are read, until it returns false.
    pub fn audit_pages(
        &mut self,
        filter: &crate::component::types::AuditFilter,
        after: Option<u64>,
        each: impl FnMut(Vec<crate::component::types::AuditEvent>) -> anyhow::Result<bool>,
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

    /// The invoices of the period (of one profile, or every one the actor may use), newest
    /// first, handed to `each` a page at a time as they are read, until it returns false.
    pub fn invoice_pages(
        &mut self,
        period: &crate::component::billing::InvoicePeriod,
        profile: Option<u64>,
        each: impl FnMut(Vec<crate::component::types::Invoice>) -> anyhow::Result<bool>,
    ) -> Result<(), CallError> {
        let read = |after| {
            let page = self.call(|d, st, actor| {
                d.seats_licensing_billing().call_list_invoices(
                    st,
                    actor,
                    *period,
                    profile,
                    after,
                    INVOICE_PAGE,
                )
            })?;
            Ok((page.invoices, page.next))
        };
        pages(None, read, each)
    }

    /// Every audit entry matching the filter after entry `after`, oldest first, page by page.
    pub fn all_audit(
        &mut self,
        filter: &crate::component::types::AuditFilter,
        after: Option<u64>,
    ) -> Result<Vec<crate::component::types::AuditEvent>, CallError> {
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
        filter: &crate::component::types::AuditFilter,
        n: usize,
    ) -> Result<Vec<crate::component::types::AuditEvent>, CallError> {
        let filter = crate::component::types::AuditFilter {
            newest_first: true,
            ..filter.clone()
        };
        let (mut records, mut after) = (Vec::new(), None);
        while records.len() < n {
            let limit = (n - records.len()).min(5000) as u32;
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
}

/// The runtime's options with `now` as the tenant's time, and the policy plugins (named, or in
/// a `plugins` folder beside the database) loaded as its gate.
pub fn runtime_options(o: &Options, now: Option<i64>) -> Result<RuntimeOptions> {
    let cache = CacheDir::from_env();
    let paths = crate::plugins::discover(&o.plugins, &o.db)?;
    let gate: Option<std::sync::Arc<dyn crate::component::Gate>> = if paths.is_empty() {
        None
    } else {
        let verbose = o.verbose;
        let mut log = |line: String| {
            if verbose {
                eprintln!("{line}");
            }
        };
        Some(std::sync::Arc::new(crate::plugins::Plugins::load(
            &paths, &cache, now, &mut log,
        )?))
    };
    Ok(RuntimeOptions {
        cache: Some(cache),
        now,
        verbose: o.verbose,
        gate,
    })
}

/// Opens the database and the component for work on an existing tenant.
pub fn open(o: &Options) -> Result<Session> {
    let db = Db::open(&o.db)?;
    // The tenant's clock runs ahead of the real (or given) one by what `clock advance` added.
    let offset = clock::offset(&db)?;
    let now = match offset {
        0 => o.now,
        off => Some(o.now.unwrap_or_else(clock::real_now) + off),
    };
    let options = runtime_options(o, now)?;
    let actor = match &o.actor {
        Some(a) => a.clone(),
        None => match db.setting("default_actor")? {
            Some(a) => a,
            None => bail!("say who acts: pass --as UPN (or set SEATS_AS)"),
        },
    };
    let rt = Runtime::new(db, &options)?;
    Ok(Session {
        rt,
        actor,
        format: o.format,
    })
}

impl Session {
    /// The Licenses page (L1, C2): the organisation's pools, by part number.
    pub fn licenses_page(
        &mut self,
    ) -> Result<Vec<crate::component::licenses::LicensePool>, CallError> {
        self.call(|d, st, actor| d.seats_licensing_licenses().call_licenses_page(st, actor))
    }

    /// Every product of the catalog, page by page, in the component's order (by GUID).
    pub fn products(
        &mut self,
    ) -> Result<Vec<crate::component::catalog::ProductDetails>, CallError> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.call(|d, st, actor| {
                d.seats_licensing_catalog()
                    .call_list_products(st, actor, after.as_deref(), 1000)
            })?;
            all.extend(page.products);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }
}
