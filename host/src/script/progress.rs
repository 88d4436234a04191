//! A spinner while a bulk call over many users runs, only on a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Bulk calls over fewer users than this are quick enough to show nothing.
const SHOW_FROM: usize = 2000;

pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn start(users: usize, what: &str) -> Spinner {
        if users < SHOW_FROM || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("{what} for {users} users, in one transaction"));
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
