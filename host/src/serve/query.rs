//! OData query options on users, as Graph reads them: `$filter` (the licensing subset:
//! `assignedLicenses/any(x:x/skuId eq {guid})`, `department eq 'Sales'`, `usageLocation eq
//! 'DK'`, `accountEnabled eq true`, joined by `and`), `$select`, `$top`.

use crate::graph::export::everyone;
use crate::service::graph_ids::guid;
use crate::service::model::users::UserFilter;
use serde_json::Value;

/// Graph's largest page, and its default for users.
pub const MAX_TOP: u32 = 999;
pub const DEFAULT_TOP: u32 = 100;

/// Longest $filter read: Graph's URLs are bounded too.
const MAX_FILTER: usize = 2048;

/// The users a `$filter` selects; an error names the clause not understood.
pub fn filter(text: Option<&str>) -> Result<UserFilter, String> {
    let mut f = everyone();
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(f);
    };
    if text.len() > MAX_FILTER {
        return Err(format!("$filter is longer than {MAX_FILTER} characters"));
    }
    for clause in split_and(text) {
        let c = clause.trim();
        let lower = c.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("assignedlicenses/any(") {
            // x:x/skuId eq {guid})
            let inner = rest.strip_suffix(')').ok_or_else(|| unsupported(c))?;
            let (var, cond) = inner.split_once(':').ok_or_else(|| unsupported(c))?;
            let cond = cond.trim();
            let prefix = format!("{}/skuid eq ", var.trim());
            let sku = cond
                .strip_prefix(&prefix)
                .map(|g| g.trim().trim_matches('\''))
                .and_then(guid)
                .ok_or_else(|| unsupported(c))?;
            f.product = Some(sku);
            continue;
        }
        let (name, value) = c
            .split_once(" eq ")
            .or_else(|| c.split_once(" EQ "))
            .ok_or_else(|| unsupported(c))?;
        let name = name.trim();
        let value = value.trim();
        if name.eq_ignore_ascii_case("accountEnabled") {
            f.enabled = Some(match value.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(unsupported(c)),
            });
            continue;
        }
        let text = quoted(value).ok_or_else(|| unsupported(c))?;
        if name.eq_ignore_ascii_case("department") {
            f.department = Some(text);
        } else if name.eq_ignore_ascii_case("usageLocation") {
            f.usage_location = Some(text);
        } else {
            return Err(unsupported(c));
        }
    }
    Ok(f)
}

fn unsupported(clause: &str) -> String {
    format!(
        "Unsupported or invalid query filter clause: '{}'. seats serves assignedLicenses/any(x:x/skuId eq {{guid}}), department, usageLocation and accountEnabled with eq, joined by and.",
        crate::output::bounded(clause, 200)
    )
}

/// A quoted OData string: 'Sales', with '' for a quote.
fn quoted(v: &str) -> Option<String> {
    let inner = v.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// The clauses of `a and b and c`, not splitting inside quotes.
fn split_and(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            quoted = !quoted;
        }
        if !quoted && c == ' ' {
            let rest: String = chars[i..].iter().take(5).collect();
            if rest.eq_ignore_ascii_case(" and ") {
                out.push(std::mem::take(&mut cur));
                i += 5;
                continue;
            }
        }
        cur.push(c);
        i += 1;
    }
    out.push(cur);
    out
}

/// `$top`: 1 to 999.
pub fn top(text: Option<&str>) -> Result<u32, String> {
    match text {
        None => Ok(DEFAULT_TOP),
        Some(t) => match t.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_TOP).contains(&n) => Ok(n),
            _ => Err(format!(
                "Invalid page size specified: '{}'. Must be between 1 and {MAX_TOP} inclusive.",
                crate::output::bounded(t, 20)
            )),
        },
    }
}

/// Keeps only the `$select`ed properties of an object (and `id`, as Graph).
pub fn select(mut v: Value, fields: Option<&str>) -> Value {
    let Some(fields) = fields.filter(|f| !f.trim().is_empty()) else {
        return v;
    };
    let wanted: Vec<String> = fields
        .split(',')
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    if let Value::Object(map) = &mut v {
        map.retain(|k, _| k == "id" || wanted.iter().any(|w| w == &k.to_ascii_lowercase()));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_licensing_filters_read_as_a_user_filter() {
        let f = filter(Some(
            "assignedLicenses/any(x:x/skuId eq 05E9A617-0261-4cee-bb44-138d3ef5d965) and department eq 'R and D' and accountEnabled eq false",
        ))
        .unwrap();
        assert_eq!(
            f.product.as_deref(),
            Some("05e9a617-0261-4cee-bb44-138d3ef5d965")
        );
        assert_eq!(f.department.as_deref(), Some("R and D"));
        assert_eq!(f.enabled, Some(false));
        let f = filter(Some("usageLocation eq 'DK'")).unwrap();
        assert_eq!(f.usage_location.as_deref(), Some("DK"));
        for bad in [
            "startswith(displayName,'a')",
            "department eq Sales",
            "assignedLicenses/any(x:x/skuId eq nope)",
        ] {
            assert!(
                filter(Some(bad)).unwrap_err().contains("Unsupported"),
                "{bad}"
            );
        }
        assert_eq!(top(Some("999")), Ok(999));
        assert!(top(Some("1000")).is_err() && top(Some("0")).is_err());
    }
}
