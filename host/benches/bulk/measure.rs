//! One child process measured: wall time from spawn to exit and peak resident memory; and
//! the `seats` command the benchmarks measure (shared by benches/bulk and benches/graph).

use anyhow::{Context, Result, bail, ensure};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One child process: wall time, peak resident memory, what it printed.
pub struct Sample {
    pub secs: f64,
    pub rss_mb: f64,
    pub stdout: String,
}

pub fn measure(cmd: &mut Command) -> Result<Sample> {
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

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `seats` on `db` at the tenant's time `now`, with the compiled component cached in `cache`
/// and nothing from the caller's environment.
pub fn seats(db: &std::path::Path, cache: &std::path::Path, now: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seats"));
    cmd.env("SEATS_CACHE_DIR", cache)
        .env_remove("SEATS_DB")
        .env_remove("SEATS_AS")
        .env_remove("SEATS_NOW")
        .arg("--db")
        .arg(db)
        .args(["--now", now]);
    cmd
}

/// Removes a database file and its journal.
pub fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
