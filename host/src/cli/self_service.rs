//! `seats self-service`: purchases by users without an admin role (P1-P4).

use super::Session;
use super::subscriptions::Billing;
use crate::component::types::BillingFrequency;
use crate::output;
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

fn ss(d: &crate::component::Domain) -> &crate::component::subscriptions::Guest {
    d.seats_licensing_subscriptions()
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
            let order = crate::component::billing::Purchase {
                product: product.clone(),
                quantity: *quantity,
                billing,
                channel: crate::component::types::PurchaseChannel::SelfService,
                profile: None,
                payment_method: None,
                product_key: None,
                partner: None,
                idempotency_key: None,
            };
            let r =
                s.call(|d, st, actor| d.seats_licensing_billing().call_buy(st, actor, &order))?;
            output::print_one(&SubscriptionRow::from(r.subscription), s.format)
        }
        SelfServiceCommand::Mine | SelfServiceCommand::List => {
            let views = if matches!(cmd, SelfServiceCommand::Mine) {
                s.call(|d, st, actor| ss(d).call_my_subscriptions(st, actor))?
            } else {
                s.call(|d, st, actor| ss(d).call_self_service_overview(st, actor))?
            };
            let rows: Vec<SelfServiceRow> = views.into_iter().map(SelfServiceRow::from).collect();
            output::print(&rows, s.format, None)
        }
        SelfServiceCommand::Assign { subscription, upn } => {
            s.call(|d, st, actor| ss(d).call_assign_self_service(st, actor, *subscription, upn))?;
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
            s.call(|d, st, actor| ss(d).call_unassign_self_service(st, actor, *subscription, upn))?;
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
            let v = s.call(|d, st, actor| ss(d).call_take_over(st, actor, *subscription))?;
            output::print_one(&SubscriptionRow::from(v), s.format)
        }
    }
}
