//! `seats catalog`: import Microsoft's CSV, list, show, set prices (G6).

use super::Session;
use crate::catalog_csv;
use crate::output;
use crate::service::model::catalog::PriceUpdate;
use crate::views::{ProductRow, RuleRow};
use anyhow::{Context, Result};
use clap::Subcommand;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Add or update products from Microsoft's "Product names and service plan identifiers
    /// for licensing" CSV.
    Import { file: PathBuf },
    /// Every product (JSON and CSV include the service plans).
    List,
    /// One product with its service plans.
    Show {
        /// Part number (SPE_E3) or GUID.
        product: String,
    },
    /// The rules about service plans one user may hold together.
    Rules,
    /// Replace the plan rules with those of a CSV (kind,name,plans).
    RulesImport { file: PathBuf },
    /// Set a product's list prices or trial availability.
    Price {
        /// Part number (SPE_E3) or GUID.
        product: String,
        /// Per license per month, monthly billing.
        #[arg(long)]
        monthly: Option<String>,
        /// Per license per year, annual billing.
        #[arg(long)]
        annual: Option<String>,
        /// Whether a free trial can be started.
        #[arg(long)]
        trial: Option<bool>,
        /// Whether users may buy it through self-service.
        #[arg(long)]
        self_service: Option<bool>,
    },
}

#[derive(Serialize)]
struct ImportView {
    rows: u32,
    products: u32,
    service_plans: u32,
    products_added: u32,
    ambiguous_part_numbers: Vec<String>,
    plans_with_several_names: Vec<String>,
}

/// A file that cannot be read as what it should be is bad input: a refusal (exit 1), not a
/// failure.
fn bad_file(e: anyhow::Error) -> anyhow::Error {
    super::Refused(format!("error[invalid]: {e:#}")).into()
}

pub fn run(s: &mut Session, cmd: &CatalogCommand) -> Result<()> {
    match cmd {
        CatalogCommand::Import { file } => {
            let f =
                std::fs::File::open(file).with_context(|| format!("open {}", file.display()))?;
            let rows =
                catalog_csv::read_catalog(f, &file.display().to_string()).map_err(bad_file)?;
            let sum = s.import_catalog(&rows)?;
            let view = ImportView {
                rows: sum.rows,
                products: sum.products,
                service_plans: sum.service_plans,
                products_added: sum.products_added,
                ambiguous_part_numbers: sum.ambiguous_part_numbers,
                plans_with_several_names: sum.plans_with_several_names,
            };
            output::print_one(&view, s.format)
        }
        CatalogCommand::Rules => {
            let rules = s.plan_rules()?;
            let rows: Vec<RuleRow> = rules.into_iter().map(RuleRow::from).collect();
            output::print(&rows, s.format, None)
        }
        CatalogCommand::RulesImport { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("read {}", file.display()))?;
            let rules = catalog_csv::read_plan_rules(&text, &file.display().to_string())
                .map_err(bad_file)?;
            let n = s.set_plan_rules(&rules)?;
            eprintln!("{n} plan rules in force.");
            Ok(())
        }
        CatalogCommand::List => {
            let rows = all_products(s)?;
            output::print(
                &rows,
                s.format,
                Some(&[
                    "product",
                    "name",
                    "sku_id",
                    "price_monthly",
                    "price_annual",
                    "trial",
                ]),
            )
        }
        CatalogCommand::Show { product } => {
            let p = s.get_product(product)?;
            let row = ProductRow::from(p);
            match s.format {
                output::Format::Table => {
                    output::print(
                        std::slice::from_ref(&row),
                        s.format,
                        Some(&[
                            "product",
                            "name",
                            "sku_id",
                            "price_monthly",
                            "price_annual",
                            "trial",
                        ]),
                    )?;
                    output::print(&row.service_plans, s.format, None)
                }
                _ => output::print_one(&row, s.format),
            }
        }
        CatalogCommand::Price {
            product,
            monthly,
            annual,
            trial,
            self_service,
        } => {
            let update = PriceUpdate {
                monthly: monthly.clone(),
                annual: annual.clone(),
                trial_available: *trial,
                self_service: *self_service,
            };
            s.set_price(product, &update)?;
            let p = s.get_product(product)?;
            output::print(
                &[ProductRow::from(p)],
                s.format,
                Some(&["product", "name", "price_monthly", "price_annual", "trial"]),
            )
        }
    }
}

/// Every product, sorted by part number.
pub fn all_products(s: &mut Session) -> Result<Vec<ProductRow>> {
    Ok(crate::views::product_rows(s.products()?))
}
