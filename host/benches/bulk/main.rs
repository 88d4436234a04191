//! The bulk benchmark: seats' bulk license operations on a generated tenant, four ways.
//!
//! ```sh
//! cargo bench -p seats --bench bulk -- --users 100000 [--runs 5] [--dir DIR] [--reuse]
//! ```
//!
//! It generates a tenant (`seats init --generate N`) once as a template file, then for each
//! operation and each run copies the template and runs the operation in a child process:
//!
//! - (a) `seats run SCRIPT`: a Rhai script calling the bulk cmdlet (the shipped sample scripts);
//! - (b) the component's bulk export called directly by the host (the seats library's runtime);
//! - (c) the same domain code linked natively (the guest crate) over the host's SQLite store;
//! - (d) the raw-SQL floor: the same writes as set-based statements (`floor.rs`).
//!
//! Each child's wall time (spawn to exit, so opening the database counts) and peak resident
//! memory (`wait4`'s ru_maxrss) are measured; the table shows medians. After the first run of
//! each path the database is fingerprinted (assignments per product, audit rows per change,
//! service data per state): every path must leave the same one, or the runner says so.
//!
//! Under `cargo test` (no `--bench` argument) it runs a smoke test: 300 users, one run, and
//! fails if the paths disagree.

mod floor;
mod native;

use anyhow::{Context, Result, bail, ensure};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

pub const ADMIN: &str = "admin@contoso.com";
pub const DEPARTMENT: &str = "Sales";
const NOW: &str = "2026-03-02";
const SEATS: &str = env!("CARGO_BIN_EXE_seats");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Replace,
    RemoveAll,
    AssignUnlicensed,
}

const OPS: [Op; 3] = [Op::Replace, Op::RemoveAll, Op::AssignUnlicensed];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Replace => "replace",
            Op::RemoveAll => "remove-all",
            Op::AssignUnlicensed => "assign-unlicensed",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Op::Replace => "replace SPE_E3 -> SPE_E5, all holders",
            Op::RemoveAll => "remove all licenses, department Sales",
            Op::AssignUnlicensed => "add SPE_E3 to every unlicensed user",
        }
    }
    fn parse(s: &str) -> Result<Op> {
        OPS.into_iter()
            .find(|o| o.name() == s)
            .with_context(|| format!("unknown operation {s}"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
enum Way {
    Script,
    Component,
    Native,
    Floor,
}

const WAYS: [Way; 4] = [Way::Script, Way::Component, Way::Native, Way::Floor];

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Script => "script",
            Way::Component => "component",
            Way::Native => "native",
            Way::Floor => "floor",
        }
    }
}

struct Args {
    users: u32,
    runs: usize,
    dir: PathBuf,
    reuse: bool,
    smoke: bool,
    ops: Vec<Op>,
}

fn args() -> Result<Args> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let smoke = !argv.iter().any(|a| a == "--bench");
    let mut a = Args {
        users: if smoke { 300 } else { 100_000 },
        runs: if smoke { 1 } else { 5 },
        dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(if smoke {
            format!("bench-smoke-{}", std::process::id())
        } else {
            "bench".into()
        }),
        reuse: false,
        smoke,
        ops: OPS.to_vec(),
    };
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--users" => a.users = value()?.parse()?,
            "--runs" => a.runs = value()?.parse()?,
            "--dir" => a.dir = PathBuf::from(value()?),
            "--ops" => a.ops = value()?.split(',').map(Op::parse).collect::<Result<_>>()?,
            "--reuse" => a.reuse = true,
            // What cargo and libtest pass (`--bench`, filters, `--nocapture`) is not ours.
            _ => {}
        }
    }
    ensure!(a.runs > 0, "--runs must be at least 1");
    Ok(a)
}

/// One child process: wall time, peak resident memory, what it printed.
struct Sample {
    secs: f64,
    rss_mb: f64,
    stdout: String,
}

fn measure(cmd: &mut Command) -> Result<Sample> {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("start {cmd:?}"))?;
    let mut err = child.stderr.take().expect("piped");
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("piped"), &mut stdout)?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: waits for the child we spawned; status and usage are valid pointers.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = started.elapsed().as_secs_f64();
    ensure!(waited == pid, "wait4 failed for {cmd:?}");
    let stderr = stderr.join().unwrap_or_default();
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        bail!("{cmd:?} failed ({status}):\n{stdout}\n{stderr}");
    }
    Ok(Sample {
        secs,
        rss_mb: usage.ru_maxrss as f64 / 1024.0,
        stdout,
    })
}

fn seats(db: &Path, cache: &Path) -> Command {
    let mut cmd = Command::new(SEATS);
    cmd.env("SEATS_CACHE_DIR", cache)
        .env_remove("SEATS_DB")
        .env_remove("SEATS_AS")
        .env_remove("SEATS_NOW")
        .arg("--db")
        .arg(db)
        .args(["--now", NOW]);
    cmd
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// The first number in the line of `text` that contains `marker`.
fn number_after(text: &str, marker: &str) -> Result<usize> {
    let line = text
        .lines()
        .find(|l| l.contains(marker))
        .with_context(|| format!("no '{marker}' in the output:\n{text}"))?;
    let digits: String = line
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    Ok(digits.parse()?)
}

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts")
}

/// Runs one operation one way on `db`; returns the sample and how many users it changed.
fn run_way(way: Way, op: Op, db: &Path, cache: &Path) -> Result<(Sample, usize)> {
    let mut cmd = match way {
        Way::Script => {
            let mut cmd = seats(db, cache);
            // The scripts select their users with `users_where`: no array of user objects,
            // so the default limits hold at a million users.
            cmd.arg("run");
            match op {
                Op::Replace => cmd
                    .arg(scripts_dir().join("replace-product-licenses.rhai"))
                    .args(["SPE_E3", "SPE_E5"]),
                Op::RemoveAll => cmd
                    .arg(scripts_dir().join("remove-all-licenses.rhai"))
                    .arg(DEPARTMENT),
                Op::AssignUnlicensed => cmd.arg(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("benches/bulk/assign-unlicensed.rhai"),
                ),
            };
            cmd
        }
        _ => {
            let mut cmd = Command::new(std::env::current_exe()?);
            cmd.env("SEATS_CACHE_DIR", cache)
                .args(["--child", way.name(), op.name()])
                .arg(db);
            cmd
        }
    };
    let sample = measure(&mut cmd)?;
    let applied = match (way, op) {
        (Way::Script, Op::Replace) => number_after(&sample.stdout, "Moved")?,
        (Way::Script, Op::RemoveAll) => number_after(&sample.stdout, "had licenses removed")?,
        (Way::Script, Op::AssignUnlicensed) => number_after(&sample.stdout, "Assigned")?,
        _ => number_after(&sample.stdout, "applied=")?,
    };
    Ok((sample, applied))
}

/// What an operation left in the database, to check that every way did the same.
fn fingerprint(db: &Path, audit_mark: i64) -> Result<BTreeMap<String, i64>> {
    let conn = rusqlite::Connection::open(db)?;
    let mut out = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT 'assignments ' || sku_id, count(*) FROM assignments GROUP BY sku_id
         UNION ALL SELECT 'disabled plans', count(*) FROM disabled_plans
         UNION ALL SELECT 'audit ' || action || ' ' || coalesce(before, '') || ' -> ' || coalesce(after, ''), count(*)
             FROM audit WHERE id > ?1 GROUP BY 1
         UNION ALL SELECT 'audit targets', count(DISTINCT target) FROM audit WHERE id > ?1
         UNION ALL SELECT 'service ' || workload || ' ' || state || ' ' || coalesce(until - since, '-')
             || CASE WHEN since = (SELECT max(at) FROM audit) THEN ' now' ELSE '' END, count(*)
             FROM service_data GROUP BY 1",
    )?;
    let rows = stmt.query_map([audit_mark], |r| Ok((r.get(0)?, r.get(1)?)))?;
    for row in rows {
        let (k, v): (String, i64) = row?;
        out.insert(k, v);
    }
    Ok(out)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

struct Row {
    label: String,
    users: String,
    cells: BTreeMap<Way, (f64, f64)>,
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn print_table(title: &str, rows: &[Row]) {
    println!("\n{title}\n");
    let header = [
        "operation",
        "users",
        "(a) script",
        "(b) component",
        "(c) native",
        "(d) SQL floor",
        "a/d",
        "b/d",
        "b/c",
    ];
    let mut lines = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for r in rows {
        let cell = |w: Way| {
            r.cells
                .get(&w)
                .map(|(t, m)| format!("{} / {m:.0} MB", secs(*t)))
                .unwrap_or_else(|| "-".into())
        };
        let ratio = |x: Way, y: Way| match (r.cells.get(&x), r.cells.get(&y)) {
            (Some((a, _)), Some((b, _))) if *b > 0.0 => format!("{:.2}", a / b),
            _ => "-".into(),
        };
        lines.push(vec![
            r.label.clone(),
            r.users.clone(),
            cell(Way::Script),
            cell(Way::Component),
            cell(Way::Native),
            cell(Way::Floor),
            ratio(Way::Script, Way::Floor),
            ratio(Way::Component, Way::Floor),
            ratio(Way::Component, Way::Native),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| lines.iter().map(|l| l[i].len()).max().unwrap_or(0))
        .collect();
    for (n, l) in lines.iter().enumerate() {
        let cells: Vec<String> = l
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        println!("| {} |", cells.join(" | "));
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
}

fn main() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--child") {
        return child(&argv[1..]);
    }
    let a = args()?;
    std::fs::create_dir_all(&a.dir)?;
    let cache = a.dir.join("cache");
    std::fs::create_dir_all(&cache)?;
    let mut rows = Vec::new();

    // The tenant, once, as a template.
    let template = a.dir.join(format!("tenant-{}.db", a.users));
    let mut generated = None;
    if !(a.reuse && template.exists()) {
        remove_db(&template);
        let s = measure(
            seats(&template, &cache)
                .args(["init", "--generate"])
                .arg(a.users.to_string()),
        )?;
        eprintln!("generated {} users in {:.1} s", a.users, s.secs);
        generated = Some(s);
    }
    if let Some(s) = &generated {
        rows.push(Row {
            label: "generate the tenant (init --generate)".into(),
            users: a.users.to_string(),
            cells: BTreeMap::from([(Way::Script, (s.secs, s.rss_mb))]),
        });
    }
    let audit_mark: i64 =
        rusqlite::Connection::open(&template)?
            .query_row("SELECT max(id) FROM audit", [], |r| r.get(0))?;

    let work = a.dir.join("work.db");
    let mut disagree = Vec::new();
    for &op in &a.ops {
        let mut samples: BTreeMap<Way, Vec<(f64, f64)>> = BTreeMap::new();
        let mut applied: BTreeMap<Way, usize> = BTreeMap::new();
        let mut prints: BTreeMap<Way, BTreeMap<String, i64>> = BTreeMap::new();
        for run in 0..a.runs {
            for way in WAYS {
                remove_db(&work);
                std::fs::copy(&template, &work)?;
                let (s, n) = run_way(way, op, &work, &cache)
                    .with_context(|| format!("{} via {}", op.name(), way.name()))?;
                eprintln!(
                    "{} {} run {}: {} users, {:.3} s, {:.0} MB",
                    op.name(),
                    way.name(),
                    run + 1,
                    n,
                    s.secs,
                    s.rss_mb
                );
                samples.entry(way).or_default().push((s.secs, s.rss_mb));
                applied.insert(way, n);
                if run == 0 {
                    prints.insert(way, fingerprint(&work, audit_mark)?);
                    for line in s
                        .stdout
                        .lines()
                        .filter(|l| l.contains(": ") && l.contains("s "))
                    {
                        eprintln!("  {line}");
                    }
                }
            }
        }
        let reference = &prints[&Way::Component];
        for (way, print) in &prints {
            if print != reference {
                let diff: Vec<String> = reference
                    .iter()
                    .filter(|(k, v)| print.get(*k) != Some(v))
                    .map(|(k, v)| format!("{k}: component {v}, {} {:?}", way.name(), print.get(k)))
                    .chain(
                        print
                            .iter()
                            .filter(|(k, _)| !reference.contains_key(*k))
                            .map(|(k, v)| format!("{k}: only {} ({v})", way.name())),
                    )
                    .collect();
                disagree.push(format!(
                    "{}: {} left another database than the component:\n  {}",
                    op.name(),
                    way.name(),
                    diff.join("\n  ")
                ));
            }
        }
        let counts: Vec<usize> = applied.values().copied().collect();
        if counts.iter().any(|c| *c != counts[0]) {
            disagree.push(format!("{}: users changed differ: {applied:?}", op.name()));
        }
        rows.push(Row {
            label: op.label().into(),
            users: counts[0].to_string(),
            cells: samples
                .into_iter()
                .map(|(w, v)| {
                    let t = median(v.iter().map(|x| x.0).collect());
                    let m = median(v.iter().map(|x| x.1).collect());
                    (w, (t, m))
                })
                .collect(),
        });
    }
    remove_db(&work);

    // Start-up of `seats licenses` on a small tenant: cold (empty compile cache) and warm.
    let small = a.dir.join("small.db");
    remove_db(&small);
    measure(seats(&small, &cache).args(["init", "--demo"]))?;
    let mut cold = Vec::new();
    for i in 0..a.runs.min(3) {
        let dir = a.dir.join(format!("cold-cache-{i}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let s = measure(seats(&small, &dir).arg("licenses"))?;
        cold.push((s.secs, s.rss_mb));
        let _ = std::fs::remove_dir_all(&dir);
    }
    measure(seats(&small, &cache).arg("licenses"))?;
    let mut warm = Vec::new();
    for _ in 0..a.runs * 4 {
        let s = measure(seats(&small, &cache).arg("licenses"))?;
        warm.push((s.secs, s.rss_mb));
    }
    for (label, v) in [
        ("start-up: seats licenses, cold", cold),
        ("start-up: seats licenses, warm", warm),
    ] {
        rows.push(Row {
            label: label.into(),
            users: "300".into(),
            cells: BTreeMap::from([(
                Way::Script,
                (
                    median(v.iter().map(|x| x.0).collect()),
                    median(v.iter().map(|x| x.1).collect()),
                ),
            )]),
        });
    }

    print_table(
        &format!(
            "seats bulk benchmark: {} users, medians of {} run(s), wall time / peak RSS of each child process \
             ({} cores){}",
            a.users,
            a.runs,
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            if a.smoke { " [smoke run]" } else { "" }
        ),
        &rows,
    );
    if a.smoke {
        let _ = std::fs::remove_dir_all(&a.dir);
    } else {
        remove_db(&small);
    }
    if !disagree.is_empty() {
        bail!("the ways disagree:\n{}", disagree.join("\n"));
    }
    Ok(())
}

/// A child process: `--child WAY OP DB`, printing `applied=N`.
fn child(argv: &[String]) -> Result<()> {
    let [way, op, db] = argv else {
        bail!("usage: --child component|native|floor OP DB");
    };
    let op = Op::parse(op)?;
    let now = seats::dates::parse_now(NOW)?;
    let db = Path::new(db);
    let applied = match way.as_str() {
        "component" => component(op, db, now)?,
        "native" => native_run(op, db, now)?,
        "floor" => {
            let conn = rusqlite::Connection::open(db)?;
            seats::db::configure(&conn)?;
            floor::run(&conn, op, now, ADMIN)?
        }
        other => bail!("unknown way {other}"),
    };
    println!("applied={applied}");
    Ok(())
}

/// Path (b): the host's runtime and the component's exports, as the CLI uses them.
fn component(op: Op, db: &Path, now: i64) -> Result<usize> {
    use seats::component::users::UserFilter;
    use seats::component::{CacheDir, Runtime, RuntimeOptions};
    let options = RuntimeOptions {
        cache: Some(CacheDir::from_env()),
        now: Some(now),
        verbose: false,
        gate: None,
    };
    let rt = Runtime::new(seats::db::Db::open(db)?, &options)?;
    let mut s = seats::service::Session {
        rt,
        actor: ADMIN.into(),
        format: seats::output::Format::Table,
    };
    let filter = UserFilter {
        unlicensed_only: op == Op::AssignUnlicensed,
        product: (op == Op::Replace).then(|| "SPE_E3".into()),
        department: (op == Op::RemoveAll).then(|| DEPARTMENT.into()),
        usage_location: None,
        enabled: None,
        deleted: false,
    };
    let started = std::time::Instant::now();
    let r = s.change_licenses_where(&filter, &component_change(op), op == Op::Replace)?;
    ensure!(!r.rolled_back, "rolled back: {:?}", r.failures.first());
    println!(
        "component: {:.3}s the bulk call over {} selected users",
        started.elapsed().as_secs_f64(),
        r.selected
    );
    Ok(r.applied as usize)
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
                Op::Replace => LicenseChange::Set(AddRemove {
                    add: vec![choice("SPE_E5")],
                    remove: vec!["SPE_E3".into()],
                }),
                Op::RemoveAll => LicenseChange::RemoveAll,
                Op::AssignUnlicensed => LicenseChange::Add(vec![choice("SPE_E3")]),
            }
        }
    };
}
change_of!(component_change, seats::component);
change_of!(native_change, guest::exports::seats::licensing);

/// Path (c): the guest crate's rules natively, over the host's store, a transaction per call.
fn native_run(op: Op, db: &Path, now: i64) -> Result<usize> {
    use guest::cx::Cx;
    use guest::exports::seats::licensing::users::UserFilter;
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
        "native: {:.3}s the bulk call over {} selected users; in the store: {}",
        started.elapsed().as_secs_f64(),
        r.selected,
        store.1.report()
    );
    Ok(r.applied as usize)
}
