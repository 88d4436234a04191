//! `--throttle`: Graph's answer to too many requests (429 with Retry-After), so that a
//! script's retry handling can be tried before it meets the real limit. Writes are counted per
//! token (Graph counts per app and tenant) in a sliding window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Graph's documented limit for identity and access writes: 3,000 requests per 2.5 minutes
/// per app and tenant (concepts/throttling-limits.md).
pub const GRAPH: (u32, u64) = (3000, 150);

pub struct Throttle {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    /// `graph` (Graph's limit) or `N/SECONDS` (N writes per that many seconds).
    pub fn parse(text: &str) -> Result<Throttle, String> {
        let (limit, seconds) = if text.eq_ignore_ascii_case("graph") {
            GRAPH
        } else {
            let bad = || {
                format!(
                    "'{text}' is not a throttle: use `graph` (3000 writes per 150 s) or N/SECONDS such as 20/1"
                )
            };
            let (n, s) = text.split_once('/').ok_or_else(bad)?;
            let n: u32 = n.trim().parse().map_err(|_| bad())?;
            let s: u64 = s.trim().trim_end_matches('s').parse().map_err(|_| bad())?;
            if n == 0 || s == 0 || s > 3600 {
                return Err(bad());
            }
            (n, s)
        };
        Ok(Throttle {
            limit,
            window: Duration::from_secs(seconds),
            seen: Mutex::new(HashMap::new()),
        })
    }

    /// Counts a write by `who`; when over the limit, the seconds to wait (Retry-After).
    pub fn admit(&self, who: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let log = seen.entry(who.to_string()).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            log.pop_front();
        }
        if log.len() as u32 >= self.limit {
            let oldest = *log.front().expect("full log");
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        log.push_back(now);
        Ok(())
    }

    pub fn describe(&self) -> String {
        format!(
            "{} writes per {} s per token",
            self.limit,
            self.window.as_secs()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_over_the_limit_wait_until_the_oldest_leaves_the_window() {
        let t = Throttle::parse("2/1").unwrap();
        assert!(t.admit("a").is_ok() && t.admit("a").is_ok());
        assert_eq!(t.admit("a"), Err(1));
        assert!(t.admit("b").is_ok(), "counted per token");
        assert!(
            Throttle::parse("graph")
                .unwrap()
                .describe()
                .starts_with("3000 writes per 150")
        );
        assert!(Throttle::parse("0/1").is_err() && Throttle::parse("x").is_err());
    }
}
