//! Reading Microsoft's "Product names and service plan identifiers for licensing" CSV, and
//! the catalog and price list seats ships. Only the file format is handled here (byte-order
//! mark, header spellings, encoding); what a row means is the domain's to check.

use crate::service::model::catalog::{CatalogRow, PriceUpdate};
use crate::service::model::types::{PlanRule, PlanRuleKind};
use anyhow::{Context, Result, bail};
use std::io::Read;

/// Microsoft's catalog as of the copy in the repository (569 products, 723 service plans).
pub const SHIPPED_CATALOG: &str = include_str!("../data/catalog.csv");
/// List prices in USD for the common products, per license: monthly billing per month,
/// annual billing per year.
pub const SHIPPED_PRICES: &str = include_str!("../data/prices.csv");

/// Which service plans one user may hold together (G3), from Microsoft's service plan
/// reference: groups that cannot be held together, and add-ons with a prerequisite.
pub const SHIPPED_PLAN_RULES: &str = include_str!("../data/plan-rules.csv");

/// Plan rules from a CSV of `kind,name,plans` (plans separated by spaces).
pub fn read_plan_rules(text: &str, source: &str) -> Result<Vec<PlanRule>> {
    let mut reader =
        csv::Reader::from_reader(text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes());
    let mut rules = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
        let line = r.position().map_or(0, |p| p.line());
        let kind = match r.get(0).map(str::trim) {
            Some("exclusive") => PlanRuleKind::Exclusive,
            Some("requires") => PlanRuleKind::Requires,
            other => bail!(
                "{source} line {line}: the kind must be `exclusive` or `requires`, not '{}'",
                other.unwrap_or_default()
            ),
        };
        rules.push(PlanRule {
            kind,
            name: r.get(1).unwrap_or_default().to_string(),
            plans: r
                .get(2)
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect(),
        });
    }
    Ok(rules)
}

const COLUMNS: [&str; 6] = [
    "Product_Display_Name",
    "String_Id",
    "GUID",
    "Service_Plan_Name",
    "Service_Plan_Id",
    "Service_Plans_Included_Friendly_Names",
];

/// Header names compared without case, spaces or underscores: copies of the file spell
/// them differently (one has "String_ Id").
fn normalise(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

pub fn read_catalog(mut input: impl Read, source: &str) -> Result<Vec<CatalogRow>> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .with_context(|| format!("read {source}"))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{source} is not UTF-8 text (at byte {}); save it as UTF-8 CSV",
            e.valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("read the header of {source}"))?
        .iter()
        .map(normalise)
        .collect();
    let index: Vec<usize> = COLUMNS
        .iter()
        .map(|c| headers.iter().position(|h| *h == normalise(c)))
        .collect::<Option<_>>()
        .with_context(|| {
            format!(
                "{source} is not Microsoft's product and service plan CSV: its header must name {}",
                COLUMNS.join(", ")
            )
        })?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
        let line = record.position().map_or(0, |p| p.line() as u32);
        let field = |i: usize| record.get(index[i]).unwrap_or_default().to_string();
        rows.push(CatalogRow {
            line,
            product_display_name: field(0),
            string_id: field(1),
            guid: field(2),
            service_plan_name: field(3),
            service_plan_id: field(4),
            service_plan_friendly_name: field(5),
        });
    }
    if rows.is_empty() {
        bail!("{source} has a header but no rows");
    }
    Ok(rows)
}

/// The shipped price list: (product GUID, prices).
pub fn shipped_prices() -> Result<Vec<(String, PriceUpdate)>> {
    let mut reader = csv::Reader::from_reader(SHIPPED_PRICES.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let r = record?;
        out.push((
            r[1].to_string(),
            PriceUpdate {
                monthly: Some(r[2].to_string()),
                annual: Some(r[3].to_string()),
                trial_available: Some(&r[4] == "true"),
                self_service: Some(&r[5] == "true"),
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_reads_whole() {
        let rows = read_catalog(SHIPPED_CATALOG.as_bytes(), "shipped").unwrap();
        assert_eq!(rows.len(), 5457);
        let guids: std::collections::BTreeSet<_> =
            rows.iter().map(|r| r.guid.trim().to_lowercase()).collect();
        assert_eq!(guids.len(), 569);
        assert_eq!(shipped_prices().unwrap().len(), 24);
        assert_eq!(
            read_plan_rules(SHIPPED_PLAN_RULES, "shipped")
                .unwrap()
                .len(),
            9
        );
    }

    #[test]
    fn a_bom_and_odd_header_spellings_are_accepted() {
        let text = "\u{feff}Product_Display_Name,String_ Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\nA,B,C,D,E,F\n";
        let rows = read_catalog(text.as_bytes(), "t").unwrap();
        assert_eq!(rows[0].string_id, "B");
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn a_file_of_another_shape_is_refused() {
        let err = read_catalog("a,b\n1,2\n".as_bytes(), "x.csv").unwrap_err();
        assert!(
            format!("{err:#}").contains("must name Product_Display_Name"),
            "{err:#}"
        );
        let err = read_catalog(&[0xff, 0xfe, 0x00][..], "bin.csv").unwrap_err();
        assert!(format!("{err:#}").contains("not UTF-8"), "{err:#}");
    }
}
