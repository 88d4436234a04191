//! A spinner while long work runs (a bulk call over many users, a check), only on a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Bulk calls over fewer users than this are quick enough to show nothing.
const SHOW_FROM: usize = 2000;

pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn start(users: usize, what: &str) -> Spinner {
        if users < SHOW_FROM {
            return Spinner(None);
        }
        Self::show(format!("{what} for {users} users, in one transaction"))
    }

    /// For a bulk call over a filter: how many users it covers is known when it ends.
    pub fn selected(what: &str) -> Spinner {
        Self::show(format!("{what} for the selected users, in one transaction"))
    }

    /// For any work that may take more than a moment.
    pub fn working(what: &str) -> Spinner {
        Self::show(what.to_string())
    }

    fn show(message: String) -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

/// What this run has cost so far, for `-v`: "2.41 s, peak memory 54 MB" (the peak where the
/// system says it: Linux's VmHWM, this process's own high-water mark since it started).
pub fn cost(started: std::time::Instant) -> String {
    let secs = started.elapsed().as_secs_f64();
    match peak_memory_kib() {
        Some(kib) => format!("{secs:.2} s, peak memory {} MB", kib / 1024),
        None => format!("{secs:.2} s"),
    }
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
