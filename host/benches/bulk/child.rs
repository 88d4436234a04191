//! The ways that run inside the benchmark's own binary as a child process: (b) the component
//! through the host's runtime (with policy plugins for (e) and (f)), (c) the domain linked
//! natively, (d) the SQL floor.

use crate::{ADMIN, DEPARTMENT, FINANCE, NOW, Op, floor, native};
use anyhow::{Result, bail, ensure};
use std::path::{Path, PathBuf};

/// A child process: `--child WAY OP DB`, printing `applied=N`.
pub fn child(argv: &[String]) -> Result<()> {
    let [way, op, db] = argv else {
        bail!("usage: --child component|approve|finance-e5|native|floor|floor-10 OP DB");
    };
    let op = Op::parse(op)?;
    let now = seats::dates::parse_now(NOW)?;
    let db = Path::new(db);
    let applied = match way.as_str() {
        "component" => component(op, db, now, None)?,
        "approve" | "finance-e5" => component(op, db, now, Some(way))?,
        "native" => native_run(op, db, now)?,
        "floor" | "floor-10" => {
            seats::db::sqlite_setup();
            let conn = rusqlite::Connection::open(db)?;
            seats::db::configure(&conn)?;
            floor::run(&conn, op, now, ADMIN)?
        }
        other => bail!("unknown way {other}"),
    };
    println!("applied={applied}");
    // What the process passed to write and read calls (the WAL, the checkpoint, temp files):
    // beside the machine's sequential write rate, the physical limit of a change.
    if let Ok(io) = std::fs::read_to_string("/proc/self/io") {
        let field = |name: &str| {
            io.lines()
                .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
                / 1e6
        };
        println!(
            "io: writes {:.0} MB, reads {:.0} MB ({way})",
            field("wchar:"),
            field("rchar:")
        );
    }
    Ok(())
}

/// Path (b): the host's runtime and the component's exports, as the CLI uses them; (e) and
/// (f) with a policy plugin of tests/plugins (built by host/build.rs) as its gate.
fn component(op: Op, db: &Path, now: i64, plugin: Option<&str>) -> Result<usize> {
    use seats::service::model::users::UserFilter;
    let plugins: Vec<PathBuf> = plugin
        .map(|p| PathBuf::from(env!("SEATS_TEST_PLUGINS")).join(format!("{p}.wasm")))
        .into_iter()
        .collect();
    let mut s = seats::service::open(&seats::service::Options {
        db: db.to_path_buf(),
        actor: Some(ADMIN.into()),
        now: Some(now),
        plugins,
        verbose: false,
        format: seats::output::Format::Table,
    })?;
    if let Some(applied) = group_op(&mut s, op)? {
        return Ok(applied);
    }
    let filter = UserFilter {
        unlicensed_only: op == Op::AssignUnlicensed,
        product: matches!(op, Op::Replace | Op::ReplaceFinance).then(|| "SPE_E3".into()),
        department: match op {
            Op::RemoveAll => Some(DEPARTMENT.into()),
            Op::ReplaceFinance => Some(FINANCE.into()),
            _ => None,
        },
        usage_location: None,
        enabled: None,
        deleted: false,
        group: None,
        in_error: false,
    };
    let started = std::time::Instant::now();
    let all_or_nothing = matches!(op, Op::Replace | Op::ReplaceFinance);
    let r = s.change_licenses_where(&filter, &component_change(op), all_or_nothing)?;
    ensure!(!r.rolled_back, "rolled back: {:?}", r.failures.first());
    println!(
        "component: {:.3}s the bulk call over {} selected users; behind: {:?}",
        started.elapsed().as_secs_f64(),
        r.selected,
        s.write_behind_stats()
    );
    Ok(r.applied as usize)
}

/// The group operations through the service, as `seats groups` runs them; none for the others.
fn group_op(s: &mut seats::service::Session, op: Op) -> Result<Option<usize>> {
    use seats::seed::generate::{SALES_PRODUCT, SALES_TEAM, WORKPLACE, WORKPLACE_PRODUCT};
    use seats::service::model::licenses::LicenseChoice;
    let started = std::time::Instant::now();
    let change = match op {
        Op::GroupAdd => {
            let add = [LicenseChoice {
                product: SALES_PRODUCT.into(),
                disabled_plans: vec![],
            }];
            s.set_group_licenses(WORKPLACE, &add, &[])?
        }
        Op::GroupRemove => s.set_group_licenses(WORKPLACE, &[], &[WORKPLACE_PRODUCT.into()])?,
        Op::RuleChange => s.set_group_rule(SALES_TEAM, crate::floor_groups::NEW_SALES_RULE)?,
        _ => return Ok(None),
    };
    ensure!(
        change.errors == 0,
        "members in error: {:?}",
        change.failures.first()
    );
    println!(
        "component: {:.3}s the group change over {} members",
        started.elapsed().as_secs_f64(),
        change.changed + change.unchanged
    );
    Ok(Some(change.changed as usize))
}

/// The operation's change, for (b) and (c): two generated type sets of one WIT.
macro_rules! change_of {
    ($name:ident, $($root:ident)::+) => {
        fn $name(op: Op) -> $($root)::+::bulk::LicenseChange {
            use $($root)::+::bulk::{AddRemove, LicenseChange};
            use $($root)::+::licenses::LicenseChoice;
            let choice = |p: &str| LicenseChoice {
                product: p.into(),
                disabled_plans: vec![],
            };
            match op {
                Op::Replace | Op::ReplaceFinance => LicenseChange::Set(AddRemove {
                    add: vec![choice("SPE_E5")],
                    remove: vec!["SPE_E3".into()],
                }),
                Op::RemoveAll => LicenseChange::RemoveAll,
                Op::AssignUnlicensed => LicenseChange::Add(vec![choice("SPE_E3")]),
                // Group changes are not bulk changes of users named or filtered.
                Op::GroupAdd | Op::GroupRemove | Op::RuleChange => {
                    unreachable!("{} runs through the groups interface", op.name())
                }
            }
        }
    };
}
change_of!(component_change, seats::service::model);
change_of!(native_change, guest::exports::seats::licensing);

/// Path (c): the guest crate's rules natively, over the host's store, a transaction per call.
fn native_run(op: Op, db: &Path, now: i64) -> Result<usize> {
    use guest::cx::Cx;
    use guest::exports::seats::licensing::users::UserFilter;
    ensure!(
        !matches!(
            op,
            Op::ReplaceFinance | Op::GroupAdd | Op::GroupRemove | Op::RuleChange
        ),
        "{} runs through the component",
        op.name()
    );
    let store = native::Native(
        std::cell::RefCell::new(seats::db::Db::open(db)?),
        native::Timings::default(),
    );
    let started = std::time::Instant::now();
    let exec = |sql: &str| -> Result<()> { Ok(store.0.borrow().conn().execute_batch(sql)?) };
    let call = |f: &mut dyn FnMut(&Cx<native::Native>) -> Result<(), guest::types::Error>| {
        exec("BEGIN IMMEDIATE")?;
        let cx = Cx::new(&store, ADMIN, now);
        match f(&cx) {
            Ok(()) => exec("COMMIT"),
            Err(e) => {
                exec("ROLLBACK")?;
                bail!("refused: {e:?}")
            }
        }
    };
    let filter = UserFilter {
        unlicensed_only: op == Op::AssignUnlicensed,
        product: (op == Op::Replace).then(|| "SPE_E3".into()),
        department: (op == Op::RemoveAll).then(|| DEPARTMENT.into()),
        usage_location: None,
        enabled: None,
        deleted: false,
        group: None,
        in_error: false,
    };
    let mut r = None;
    call(&mut |cx| {
        r = Some(guest::bulk::change_where(
            cx,
            &filter,
            &native_change(op),
            op == Op::Replace,
            10,
        )?);
        Ok(())
    })?;
    let r = r.expect("called");
    ensure!(!r.rolled_back, "rolled back: {:?}", r.failures.first());
    println!(
        "native: {:.3}s the bulk call over {} selected users; in the store: {}; behind: {:?}",
        started.elapsed().as_secs_f64(),
        r.selected,
        store.1.report(),
        store.0.borrow().behind_stats()
    );
    Ok(r.applied as usize)
}
