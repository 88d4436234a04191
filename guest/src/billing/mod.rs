//! Billing (S3-S7, B1-B5, P2): payment methods, the ledger, invoices, purchases.

pub mod idempotency;
pub mod invoices;
pub mod ledger;
pub mod money;
pub mod payments;
pub mod purchases;

#[cfg(test)]
mod model_test;
#[cfg(test)]
mod tests;
