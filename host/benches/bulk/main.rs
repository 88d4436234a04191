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
//! - (d) the floor: the same writes as set-based statements (`floor.rs`), the audit entries
//!   appended packed as the store does;
//! - (d0) the old floor: the same statements on schema 10's layout (`old_layout.rs` converts
//!   the copy first, untimed): disabled plans as child rows, the audit log as text.
//!
//! Each child's wall time (spawn to exit, so opening the database counts) and peak resident
//! memory (`wait4`'s ru_maxrss) are measured; the table shows medians. After the first run of
//! each path the database is fingerprinted (assignments per product, audit rows per change,
//! service data per state): every path must leave the same one, or the runner says so.
//!
//! Under `cargo test` (no `--bench` argument) it runs a smoke test: 300 users, one run, and
//! fails if the paths disagree.

/// The allocator the `seats` binary uses (`src/main.rs`), so that (a) to (d) differ only in path.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod child;
mod floor;
mod floor_groups;
mod measure;
mod native;
mod old_layout;
mod table;

use anyhow::{Context, Result, bail, ensure};
use measure::{Sample, measure, median, remove_db};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use table::{Row, print_table};

pub const ADMIN: &str = "admin@contoso.com";
pub const DEPARTMENT: &str = "Sales";
/// The department the finance-e5 plugin lets hold E5.
pub const FINANCE: &str = "Finance";
pub const NOW: &str = "2026-03-02";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Replace,
    RemoveAll,
    AssignUnlicensed,
    /// The replace for the Finance department's holders only: what the finance-e5 plugin
    /// approves, reading every page.
    ReplaceFinance,
    /// The generated Workplace group (60% of the users) gives one more product (GL1).
    GroupAdd,
    /// Workplace stops giving its product (GL5): its members lose it.
    GroupRemove,
    /// Sales team's rule grows to Finance and Procurement: some 100,000 users of 1M join,
    /// with the group's product (GL1, GL8).
    RuleChange,
}

const OPS: [Op; 7] = [
    Op::Replace,
    Op::RemoveAll,
    Op::AssignUnlicensed,
    Op::ReplaceFinance,
    Op::GroupAdd,
    Op::GroupRemove,
    Op::RuleChange,
];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Replace => "replace",
            Op::RemoveAll => "remove-all",
            Op::AssignUnlicensed => "assign-unlicensed",
            Op::ReplaceFinance => "replace-finance",
            Op::GroupAdd => "group-add",
            Op::GroupRemove => "group-remove",
            Op::RuleChange => "rule-change",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Op::Replace => "replace SPE_E3 -> SPE_E5, all holders",
            Op::RemoveAll => "remove all licenses, department Sales",
            Op::AssignUnlicensed => "add SPE_E3 to every unlicensed user",
            Op::ReplaceFinance => "replace SPE_E3 -> SPE_E5, Finance holders",
            Op::GroupAdd => "group Workplace gives AAD_PREMIUM_P2 too",
            Op::GroupRemove => "group Workplace stops giving EMSPREMIUM",
            Op::RuleChange => "Sales team's rule adds Finance, Procurement",
        }
    }
    /// The ways this operation runs: every one for the replace (with an approving plugin);
    /// the component with and without plugins for the Finance replace.
    fn ways(self) -> &'static [Way] {
        match self {
            Op::Replace => &[
                Way::Script,
                Way::Component,
                Way::Native,
                Way::Floor,
                Way::OldFloor,
                Way::Approve,
            ],
            Op::ReplaceFinance => &[Way::Component, Way::Approve, Way::Finance],
            Op::GroupAdd | Op::GroupRemove | Op::RuleChange => {
                &[Way::Component, Way::Floor, Way::OldFloor]
            }
            _ => &[
                Way::Script,
                Way::Component,
                Way::Native,
                Way::Floor,
                Way::OldFloor,
            ],
        }
    }
    fn parse(s: &str) -> Result<Op> {
        OPS.into_iter()
            .find(|o| o.name() == s)
            .with_context(|| format!("unknown operation {s}"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
pub enum Way {
    Script,
    Component,
    Native,
    Floor,
    /// The floor's statements on schema 10's layout.
    OldFloor,
    /// (b) with the `approve` plugin, which decides from the change's summary.
    Approve,
    /// (b) with the example plugin `finance-e5`, which reads every page and queries each
    /// user who gains E5.
    Finance,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Script => "script",
            Way::Component => "component",
            Way::Native => "native",
            Way::Floor => "floor",
            Way::OldFloor => "floor-10",
            Way::Approve => "approve",
            Way::Finance => "finance-e5",
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

fn seats(db: &Path, cache: &Path) -> Command {
    measure::seats(db, cache, NOW)
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
                other => bail!("no script way for {}", other.name()),
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

/// What an operation left in the database, to check that every way did the same: on either
/// layout, the audit entries after `audit_mark` read as text and their states as JSON values.
fn fingerprint(db: &Path, audit_mark: i64) -> Result<BTreeMap<String, i64>> {
    let conn = rusqlite::Connection::open(db)?;
    let text = floor::text_audit(&conn)?;
    let mut out = BTreeMap::new();
    let mut stmt = conn.prepare(&floor::keyed(&conn, &format!(
        "SELECT 'assignments ' || p.sku_id || ' ' || direct || ' ' || coalesce(groups, '-'), count(*)
             FROM assignments a JOIN products p ON p.<pkey> = a.<key> GROUP BY 1
         UNION ALL SELECT 'members ' || group_id, count(*) FROM group_members GROUP BY group_id
         UNION ALL SELECT 'disabled plans', count(*) FROM {}
         UNION ALL SELECT 'service ' || <workload-name> || ' ' || <state-name> || ' ' || coalesce(until - since, '-')
             || CASE WHEN since = (SELECT max(at) FROM audit) THEN ' now' ELSE '' END, count(*)
             FROM service_data GROUP BY 1",
        if text {
            "disabled_plans"
        } else {
            "assignments a, json_each(a.disabled)"
        }
    ))?)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    for row in rows {
        let (k, v): (String, i64) = row?;
        out.insert(k, v);
    }
    let json = |s: &Option<String>| -> Result<String> {
        Ok(match s {
            Some(s) => serde_json::from_str::<serde_json::Value>(s)?.to_string(),
            None => String::new(),
        })
    };
    // The targets as text: since schema 13 a user's are kept by id.
    let mut targets = std::collections::HashSet::new();
    let mut entry = |action: &str, before: &Option<String>, after: &Option<String>| -> Result<()> {
        let key = format!("audit {action} {} -> {}", json(before)?, json(after)?);
        *out.entry(key).or_default() += 1;
        Ok(())
    };
    if text {
        let mut stmt = conn
            .prepare("SELECT action, before, after, target FROM audit WHERE id > ?1 ORDER BY id")?;
        let mut rows = stmt.query([audit_mark])?;
        while let Some(r) = rows.next()? {
            entry(&r.get::<_, String>(0)?, &r.get(1)?, &r.get(2)?)?;
            targets.insert(r.get::<_, String>(3)?);
        }
    } else {
        let mut last = audit_mark;
        loop {
            let page = seats::db::audit::page(&conn, last, 10_000)?;
            let Some((end, _)) = page.last() else { break };
            last = *end;
            for (_, e) in &page {
                entry(&e.action, &e.before, &e.after)?;
                targets.insert(e.target.clone());
            }
        }
    }
    out.insert("audit targets".into(), targets.len() as i64);
    Ok(out)
}

fn main() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match argv.first().map(String::as_str) {
        Some("--child") => return child::child(&argv[1..]),
        Some("--old-layout") if argv.len() == 2 => return old_layout::convert(Path::new(&argv[1])),
        _ => {}
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
    // The component compiled into the cache before any run is timed: with `--reuse` after a
    // change of the guest, the first run would otherwise pay for it (about 1 s).
    {
        let out = seats(&template, &cache).arg("licenses").output()?;
        ensure!(
            out.status.success(),
            "seats licenses on the template failed"
        );
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
            for &way in op.ways() {
                remove_db(&work);
                std::fs::copy(&template, &work)?;
                if way == Way::OldFloor {
                    // In a child, so that the runner's own size (which each child's peak
                    // memory counts) stays as it was.
                    let status = Command::new(std::env::current_exe()?)
                        .arg("--old-layout")
                        .arg(&work)
                        .status()?;
                    ensure!(status.success(), "converting to schema 10's layout failed");
                }
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
                    for line in s.stdout.lines().filter(|l| {
                        (l.contains(": ") && l.contains("s ")) || l.starts_with("floor steps")
                    }) {
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
