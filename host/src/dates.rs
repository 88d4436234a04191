//! Dates and times as people type them: YYYY-MM-DD or RFC 3339.

use anyhow::Result;

/// Seconds since the epoch for a date or time given as YYYY-MM-DD or RFC 3339.
pub fn parse_now(text: &str) -> Result<i64> {
    time_arg(text).map_err(anyhow::Error::msg)
}

/// A date or time option (`--now`, `--since`, `--from`, ...): a mistake is a command-line
/// mistake, which clap reports naming the option, with exit code 2.
pub fn time_arg(text: &str) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    use time::{Date, OffsetDateTime, macros::format_description};
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let date = Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| {
        format!("'{text}' is not a date: use YYYY-MM-DD or an RFC 3339 time such as 2026-11-23T09:00:00Z")
    })?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}
