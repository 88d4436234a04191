//! Dates on the tenant's calendar: terms that end on the same day of a later month, clamped
//! to the month's last day (a term started on the 31st ends on the 30th of a shorter month).

use crate::types::{BillingFrequency, Timestamp};
use time::{Date, Month, OffsetDateTime, Time};

pub fn date_of(ts: Timestamp) -> Date {
    OffsetDateTime::from_unix_timestamp(ts)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .date()
}

pub fn start_of(date: Date) -> Timestamp {
    date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp()
}

/// A valid IANA time zone name, as the database spells it.
pub fn zone_name(name: &str) -> crate::error::Result<String> {
    jiff::tz::TimeZone::get(name.trim())
        .ok()
        .and_then(|tz| tz.iana_name().map(String::from))
        .ok_or_else(|| {
            crate::error::invalid(
                "time-zone",
                format!(
                    "'{name}' is not a time zone: use an IANA name such as Europe/Copenhagen or UTC"
                ),
            )
        })
}

/// The tenant's wall-clock time at the instant `now`, as if it were UTC: the calendar of the
/// tenant's days, which terms, billing cycles and invoices count in.
pub fn local(zone: &str, now: Timestamp) -> Timestamp {
    let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
        return now;
    };
    let Ok(t) = jiff::Timestamp::from_second(now) else {
        return now;
    };
    now + i64::from(tz.to_offset(t).seconds())
}

/// `anchor`'s day of month, `months` later, clamped to the length of that month.
pub fn add_months(anchor: Date, months: u32) -> Date {
    let index = anchor.year() * 12 + (anchor.month() as i32 - 1) + months as i32;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).expect("month in 1..=12");
    let day = anchor.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).expect("clamped day is valid")
}

/// The day `months` before `end` that a term of that many months ending on `end` began on
/// (clamped, as `add_months` clamps).
pub fn months_before(end: Date, months: u32) -> Date {
    let index = end.year() * 12 + (end.month() as i32 - 1) - months as i32;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).expect("month in 1..=12");
    let day = end.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).expect("clamped day is valid")
}

/// Days in a term of this billing frequency's unit, in months.
pub fn term_months(billing: BillingFrequency) -> u32 {
    match billing {
        BillingFrequency::Monthly => 1,
        BillingFrequency::Annual => 12,
    }
}

/// The end of the `terms`-th term counted from `anchor` (midnight UTC of that date).
pub fn term_end(anchor: Timestamp, terms: u32, billing: BillingFrequency) -> Timestamp {
    start_of(add_months(date_of(anchor), terms * term_months(billing)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_term_from_the_31st_ends_on_the_last_day_of_shorter_months() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 01 - 31), 3), date!(2026 - 04 - 30));
        assert_eq!(add_months(date!(2026 - 01 - 31), 2), date!(2026 - 03 - 31));
        assert_eq!(add_months(date!(2028 - 02 - 29), 12), date!(2029 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 12 - 15), 1), date!(2027 - 01 - 15));
        assert_eq!(
            months_before(date!(2027 - 01 - 15), 1),
            date!(2026 - 12 - 15)
        );
        assert_eq!(
            months_before(date!(2028 - 02 - 29), 12),
            date!(2027 - 02 - 28)
        );
        assert_eq!(
            months_before(date!(2026 - 03 - 31), 1),
            date!(2026 - 02 - 28)
        );
    }
}
