//! Money: exact decimals, one rounding rule, per-day proration (B2).
//!
//! A line's amount is `quantity x unit price x days / days in the charge cycle`, computed
//! exactly and rounded once, half away from zero, to the currency's minor unit. Microsoft's
//! worked examples truncate instead (112.896 -> 112.89); half away from zero keeps every
//! line within half a minor unit of the exact accrual (docs/billing.md).

use crate::error::{Result, invalid};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Decimal places of the currency's minor unit (ISO 4217); two unless listed.
pub fn minor_units(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "XAF" | "XOF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

pub fn round(amount: Decimal, currency: &str) -> Decimal {
    amount.round_dp_with_strategy(
        minor_units(currency),
        RoundingStrategy::MidpointAwayFromZero,
    )
}

/// The amount of a line paying for `quantity` licenses over `days` of a cycle of
/// `cycle_days`, at `unit` per license per cycle.
pub fn prorate(
    quantity: u32,
    unit: Decimal,
    days: i64,
    cycle_days: i64,
    currency: &str,
) -> Decimal {
    debug_assert!(cycle_days > 0 && (0..=cycle_days).contains(&days));
    if days == cycle_days {
        return round(unit * Decimal::from(quantity), currency);
    }
    // Multiply before dividing: one division, exact to 28 digits.
    round(
        unit * Decimal::from(quantity) * Decimal::from(days) / Decimal::from(cycle_days),
        currency,
    )
}

/// Formats with the currency's minor unit ("6.72", "-100.80").
pub fn text(amount: Decimal, currency: &str) -> String {
    let mut a = round(amount, currency);
    a.rescale(minor_units(currency));
    a.to_string()
}

/// Reads a stored amount; the store only ever holds what [`text`] wrote.
pub fn parse(stored: &str) -> Decimal {
    Decimal::from_str(stored).unwrap_or_default()
}

/// Reads a price given by a caller.
pub fn parse_input(field: &str, given: &str) -> Result<Decimal> {
    Decimal::from_str(given.trim()).map_err(|_| {
        invalid(
            field,
            format!("'{given}' is not an amount: use a decimal such as 36.00"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn b2_microsofts_seat_change_prices_each_part_per_day() {
        // 10 -> 12 licenses at 10.08, after 2 days of a 30-day cycle.
        assert_eq!(prorate(10, dec("10.08"), 30, 30, "USD"), dec("100.80"));
        assert_eq!(prorate(10, dec("10.08"), 2, 30, "USD"), dec("6.72"));
        // 112.896: half away from zero gives 112.90 (Microsoft's examples truncate: 112.89).
        assert_eq!(prorate(12, dec("10.08"), 28, 30, "USD"), dec("112.90"));
        // The partner view: a refund of the old count from the change day, a charge of the new.
        assert_eq!(prorate(10, dec("10.08"), 28, 30, "USD"), dec("94.08"));
        let seed = dec("-100.80") + dec("6.72") + dec("112.90");
        let partner = dec("-94.08") + dec("112.90");
        assert_eq!(seed, partner);
    }

    #[test]
    fn rounding_is_half_away_from_zero_per_currency() {
        assert_eq!(round(dec("0.125"), "USD"), dec("0.13"));
        assert_eq!(round(dec("-0.125"), "USD"), dec("-0.13"));
        assert_eq!(round(dec("100.5"), "JPY"), dec("101"));
        assert_eq!(text(dec("6.7"), "DKK"), "6.70");
        assert_eq!(text(dec("-100.8"), "USD"), "-100.80");
    }
}
