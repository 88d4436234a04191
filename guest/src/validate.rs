//! Checks on the shape of input, shared by every module. Each returns a clear `invalid`.

use crate::error::{Result, invalid};

/// ISO 3166-1 alpha-2, officially assigned codes (249), sorted.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country(field: &str, code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    if is_country(code.as_bytes()) {
        Ok(code)
    } else {
        Err(invalid(
            field,
            format!("'{code}' is not an ISO 3166-1 alpha-2 country code (such as US, DK, DE)"),
        ))
    }
}

/// Binary search over the table's fixed-width entries ("AD ", "AE ", .., "ZW"): every user
/// a bulk load creates is checked, and a scan was 4% of `init --generate`.
fn is_country(code: &[u8]) -> bool {
    let (entries, last) = COUNTRIES.as_bytes().as_chunks::<3>();
    code.len() == 2 && (entries.binary_search_by(|e| e[..2].cmp(code)).is_ok() || last == code)
}

/// An ISO 4217 currency code: three letters, upper-cased.
pub fn currency(code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(invalid(
            "currency",
            format!("'{code}' is not an ISO 4217 currency code (such as USD, EUR, DKK)"),
        ))
    }
}

/// A user principal name: `name@domain.tld`, at most 113 characters (Entra's limit), no spaces.
pub fn upn(field: &str, upn: &str) -> Result<String> {
    let upn = upn.trim();
    let bad = |why: &str| {
        Err(invalid(
            field,
            format!("'{upn}' is not a user principal name: {why} (expected name@domain.com)"),
        ))
    };
    if upn.is_empty() {
        return bad("it is empty");
    }
    if upn.chars().count() > 113 {
        return bad("it is longer than 113 characters");
    }
    if upn.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains spaces");
    }
    let Some((local, domain)) = upn.split_once('@') else {
        return bad("it has no @");
    };
    if local.is_empty() || local.len() > 64 {
        return bad("the part before @ must be 1 to 64 characters");
    }
    if domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return bad("the part after @ must be a domain such as contoso.com");
    }
    Ok(upn.to_string())
}

/// Non-empty text after trimming, at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(field, format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    // Control characters (a terminal's escape sequences, line breaks) would act where the
    // text is shown or exported, not read as text.
    if value.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("{field} must not contain control characters (escapes, tabs, line breaks)"),
        ));
    }
    Ok(value.to_string())
}

/// A GUID in its 8-4-4-4-12 hex form, lower-cased.
pub fn guid(value: &str) -> Option<String> {
    let v = value.trim();
    let parts: Vec<&str> = v.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| v.to_ascii_lowercase())
}

/// Collapses runs of whitespace (tabs, non-breaking spaces) to one space and trims:
/// Microsoft's catalog has all of those inside names.
pub fn squash(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The most licenses one subscription can hold.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// A subscription's license count: 1 to [`MAX_QUANTITY`].
pub fn quantity(field: &str, value: i64) -> Result<u32> {
    if !(1..=MAX_QUANTITY).contains(&value) {
        return Err(invalid(
            field,
            format!("{value} is not a valid number of licenses: use 1 to {MAX_QUANTITY}"),
        ));
    }
    Ok(value as u32)
}

#[cfg(test)]
mod tests {

    #[test]
    fn text_that_would_act_where_it_is_shown_is_refused() {
        for bad in ["Ana\u{1b}[2J", "two\nlines", "tab\tbed"] {
            let e = text("display-name", bad, 256).unwrap_err();
            assert!(e.text().contains("control characters"), "{bad:?}");
        }
        assert_eq!(text("display-name", " Ana Berg ", 256).unwrap(), "Ana Berg");
    }

    use super::*;

    #[test]
    fn g1_country_codes_are_iso_3166_alpha_2() {
        assert_eq!(country("usage-location", " dk ").unwrap(), "DK");
        assert!(country("usage-location", "XX").is_err());
        assert!(country("usage-location", "DNK").is_err());
        assert_eq!(COUNTRIES.split(' ').count(), 249);
        // The binary search finds every entry, first and last too, and nothing between.
        for code in COUNTRIES.split(' ') {
            assert_eq!(country("usage-location", code).unwrap(), code);
        }
        for bad in ["", "A", "AA", "ZZ", "Z W", "DKK"] {
            assert!(country("usage-location", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn upn_shape() {
        assert!(upn("upn", "ana@contoso.com").is_ok());
        for bad in [
            "",
            "ana",
            "ana@",
            "@contoso.com",
            "ana@contoso",
            "a na@contoso.com",
            "a@b@c.com",
        ] {
            assert!(upn("upn", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn guid_shape() {
        assert_eq!(
            guid(" 05E9A617-0261-4CEE-BB44-138D3EF5D965 ").as_deref(),
            Some("05e9a617-0261-4cee-bb44-138d3ef5d965")
        );
        assert!(guid("SPE_E3").is_none());
        assert!(guid("05e9a617-0261-4cee-bb44-138d3ef5d96").is_none());
    }

    #[test]
    fn squash_collapses_whitespace() {
        assert_eq!(
            squash("Virtualization \tRights \tfor\u{a0}Windows "),
            "Virtualization Rights for Windows"
        );
    }

    #[test]
    fn quantity_range() {
        assert!(quantity("quantity", 0).is_err());
        assert!(quantity("quantity", -5).is_err());
        assert!(quantity("quantity", i64::MAX).is_err());
        assert_eq!(quantity("quantity", 105).unwrap(), 105);
    }
}
