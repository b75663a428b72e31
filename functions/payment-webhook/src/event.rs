//! What relance reads of a Stripe event (`{"id", "type", "created",
//! "data": {"object": …}}`): the payment it reports, and which invoice
//! it was for — the metadata relance put on the Checkout Session and its
//! PaymentIntent (`invoice`, `customer`).

use chrono::{DateTime, NaiveDate};
use relance::bank::CardPayment;
use relance::card::CardChange;
use relance::domain::{CustomerId, InvoiceNumber};
use serde_json::Value;

/// An event as relance acts on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reported {
    /// `checkout.session.completed` (once paid) or
    /// `payment_intent.succeeded`: the same payment, by its PaymentIntent.
    Paid(CardPaymentFields),
    /// `charge.refunded` (the running total refunded) or
    /// `charge.dispute.created`, about the PaymentIntent it names.
    Changed {
        event_id: String,
        payment_id: String,
        change: CardChange,
    },
    /// Any other type, or a payment for no invoice of relance's.
    Ignored { kind: String, why: &'static str },
}

#[derive(Debug, Clone, PartialEq)]
pub struct CardPaymentFields {
    pub event_id: String,
    pub payment_id: String,
    pub customer: String,
    pub number: String,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_on: NaiveDate,
}

impl CardPaymentFields {
    /// Checked: the metadata must name a customer and an invoice as
    /// relance writes them.
    pub fn payment(&self) -> Result<CardPayment, String> {
        Ok(CardPayment {
            payment_id: self.payment_id.clone(),
            customer: CustomerId::parse(&self.customer)?,
            number: InvoiceNumber::parse(&self.number)?,
            amount_minor: self.amount_minor,
            currency: self.currency.clone(),
            paid_on: self.paid_on,
        })
    }
}

/// Reads an event's JSON; `None` when it is not an event at all.
pub fn read(body: &[u8]) -> Option<Reported> {
    let event: Value = serde_json::from_slice(body).ok()?;
    let kind = event["type"].as_str()?.to_string();
    let event_id = event["id"].as_str()?.to_string();
    let object = &event["data"]["object"];
    let created = object["created"].as_i64().or(event["created"].as_i64()).unwrap_or(0);
    let paid_on = DateTime::from_timestamp(created, 0)
        .map(relance::domain::calendar::business_date)
        .unwrap_or_default();
    let text = |v: &Value| v.as_str().map(str::to_string);
    let (payment_id, amount) = match kind.as_str() {
        "checkout.session.completed" => {
            if object["payment_status"].as_str() != Some("paid") {
                return Some(Reported::Ignored {
                    kind,
                    why: "the checkout is complete but not paid yet",
                });
            }
            (text(&object["payment_intent"]), object["amount_total"].as_i64())
        }
        // `amount_received`; a succeeded PaymentIntent without it (older
        // API versions, stand-ins) received its `amount`.
        "payment_intent.succeeded" => (
            text(&object["id"]),
            object["amount_received"].as_i64().or_else(|| {
                (object["status"].as_str() == Some("succeeded"))
                    .then(|| object["amount"].as_i64())
                    .flatten()
            }),
        ),
        "charge.refunded" | "charge.dispute.created" => return Some(changed(kind, event_id, &event, object)),
        _ => {
            return Some(Reported::Ignored {
                kind,
                why: "not an event relance acts on",
            });
        }
    };
    let metadata = &object["metadata"];
    match (
        payment_id,
        amount,
        text(&metadata["customer"]),
        text(&metadata["invoice"]),
        text(&object["currency"]),
    ) {
        (Some(payment_id), Some(amount_minor), Some(customer), Some(number), Some(currency)) if amount_minor > 0 => {
            Some(Reported::Paid(CardPaymentFields {
                event_id,
                payment_id,
                customer,
                number,
                amount_minor,
                currency: currency.to_uppercase(),
                paid_on,
            }))
        }
        _ => Some(Reported::Ignored {
            kind,
            why: "no relance invoice in its metadata",
        }),
    }
}

/// A refund or a dispute, about the PaymentIntent the object names.
fn changed(kind: String, event_id: String, event: &Value, object: &Value) -> Reported {
    let Some(payment_id) = object["payment_intent"].as_str().map(str::to_string) else {
        return Reported::Ignored {
            kind,
            why: "it names no PaymentIntent",
        };
    };
    let change = if kind == "charge.refunded" {
        // The event's own moment: the charge's `created` is the payment's.
        let on = event["created"]
            .as_i64()
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .map(relance::domain::calendar::business_date);
        match (object["amount_refunded"].as_i64(), on) {
            (Some(total_minor), Some(on)) if total_minor >= 0 => CardChange::Refunded { total_minor, on },
            _ => {
                return Reported::Ignored {
                    kind,
                    why: "no refunded amount or date",
                };
            }
        }
    } else {
        match (
            object["id"].as_str(),
            object["amount"].as_i64(),
            object["currency"].as_str(),
        ) {
            (Some(id), Some(amount_minor), Some(currency)) => CardChange::Disputed {
                dispute_id: id.to_string(),
                reason: object["reason"].as_str().unwrap_or("unknown").to_string(),
                amount_minor,
                currency: currency.to_uppercase(),
            },
            _ => {
                return Reported::Ignored {
                    kind,
                    why: "not a dispute as Stripe describes one",
                };
            }
        }
    };
    Reported::Changed {
        event_id,
        payment_id,
        change,
    }
}
