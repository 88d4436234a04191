//! Billing (S3-S7, B1-B5, P2): payment methods, the ledger, invoices, purchases.

mod calls;
mod cancel;
mod credit;
pub mod idempotency;
pub mod imports;
pub mod invoices;
pub mod ledger;
pub mod money;
pub mod payments;
mod product_keys;
pub mod purchases;
mod quantity;
mod trials;

#[cfg(test)]
mod model_test;
#[cfg(test)]
mod tests;
