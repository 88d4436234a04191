//! `seats self-service`: purchases by users without an admin role (P1-P4).

use super::Session;
use super::subscriptions::Billing;
use crate::output;
use crate::service::model::types::BillingFrequency;
use crate::views::{SelfServiceRow, SubscriptionRow};
use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

#[derive(Subcommand)]
pub enum SelfServiceCommand {
    /// Buy licenses of a self-service product for your team (act as yourself with --as).
    Buy {
        /// Part number or GUID.
        product: String,
        #[arg(long, short, allow_negative_numbers = true)]
        quantity: i64,
        #[arg(long, value_enum, default_value = "monthly")]
        billing: Billing,
    },
    /// The self-service subscriptions you bought.
    Mine,
    /// Assign a license of your subscription to a user of the organisation.
    Assign { subscription: u64, upn: String },
    /// Remove a license of your subscription from a user.
    Unassign { subscription: u64, upn: String },
    /// Every self-service subscription (admins; read-only).
    List,
    /// Take a self-service subscription over (admins): its licenses join the product's pool.
    TakeOver { subscription: u64 },
}

#[derive(Serialize)]
struct Done<'a> {
    subscription: u64,
    upn: &'a str,
    done: &'a str,
}

pub fn run(s: &mut Session, cmd: &SelfServiceCommand) -> Result<()> {
    match cmd {
        SelfServiceCommand::Buy {
            product,
            quantity,
            billing,
        } => {
            let billing = match billing {
                Billing::Monthly => BillingFrequency::Monthly,
                Billing::Annual => BillingFrequency::Annual,
            };
            // A self-service purchase is billing's buy through the self-service channel (P1).
            let order = crate::service::model::billing::Purchase {
                product: product.clone(),
                quantity: *quantity,
                billing,
                channel: crate::service::model::types::PurchaseChannel::SelfService,
                profile: None,
                payment_method: None,
                product_key: None,
                partner: None,
                idempotency_key: None,
            };
            let r = s.buy_order(&order)?;
            output::print_one(&SubscriptionRow::from(r.subscription), s.format)
        }
        SelfServiceCommand::Mine | SelfServiceCommand::List => {
            let views = if matches!(cmd, SelfServiceCommand::Mine) {
                s.my_subscriptions()?
            } else {
                s.self_service_overview()?
            };
            let rows: Vec<SelfServiceRow> = views.into_iter().map(SelfServiceRow::from).collect();
            output::print(&rows, s.format, None)
        }
        SelfServiceCommand::Assign { subscription, upn } => {
            s.assign_self_service(*subscription, upn)?;
            output::print_one(
                &Done {
                    subscription: *subscription,
                    upn,
                    done: "assigned",
                },
                s.format,
            )
        }
        SelfServiceCommand::Unassign { subscription, upn } => {
            s.unassign_self_service(*subscription, upn)?;
            output::print_one(
                &Done {
                    subscription: *subscription,
                    upn,
                    done: "unassigned",
                },
                s.format,
            )
        }
        SelfServiceCommand::TakeOver { subscription } => {
            let v = s.take_over(*subscription)?;
            output::print_one(&SubscriptionRow::from(v), s.format)
        }
    }
}
