//! The use case behind a platform's lifecycle status: record it once (by
//! the platform's status id), let it steer the invoice (a contest opens a
//! dispute, a rejection holds the reminders), tell finance the first time a
//! person must act, and record a collected payment once.

use chrono::TimeZone;
use ulid::Ulid;

use crate::context::Call;
use crate::domain::invoice::{InvoiceRuleError, PaymentMethod, PlatformStatus, PlatformStatusInput};
use crate::domain::message::{Message, Purpose};
use crate::domain::{CustomerId, HistoryEvent, InvoiceNumber, InvoiceStatus, Locale};
use crate::invoicing::{InvoicingError, PaymentInput, record_payment};
use crate::replay::{Answer, ReplayError, first_answer, request_hash};
use crate::retry::Retry;
use crate::store::{IdempotencyWrite, Store, TxOutcome, Versioned};

const SCOPE: &str = "platform_status";

async fn replay(store: &Store, key: &str, hash: &str, ctx: &Call<'_>) -> Result<Option<Answer>, InvoicingError> {
    first_answer(store, SCOPE, key, hash, ctx.now)
        .await
        .map_err(|e| match e {
            ReplayError::KeyReused => InvoicingError::Invalid(vec![crate::domain::FieldError::new(
                "status_id",
                "this status id was already recorded for this invoice with other content",
            )]),
            ReplayError::Store(e) => InvoicingError::Store(e),
        })
}

/// Why finance is alerted, in the company's language.
fn alert_reason(status: PlatformStatus, reason: Option<&str>, locale: Locale) -> String {
    let said = reason.unwrap_or(match locale {
        Locale::Fr => "aucun motif transmis",
        Locale::En => "no reason given",
    });
    match (status, locale) {
        (PlatformStatus::Rejected, Locale::Fr) => format!(
            "la plateforme a rejeté la facture, l'acheteur ne l'a donc pas reçue ({said}) ; aucune relance ne partira avant qu'elle soit corrigée et déposée à nouveau"
        ),
        (PlatformStatus::Rejected, Locale::En) => format!(
            "the platform rejected the invoice, so the buyer never received it ({said}); no reminder goes out until it is corrected and deposited again"
        ),
        (PlatformStatus::Suspended, Locale::Fr) => format!(
            "l'acheteur a suspendu la facture sur sa plateforme ({said}) ; les relances attendent votre réponse"
        ),
        (PlatformStatus::Suspended, Locale::En) => {
            format!("the buyer suspended the invoice on their platform ({said}); reminders wait for your answer")
        }
        (_, Locale::Fr) => format!(
            "l'acheteur conteste la facture sur sa plateforme (« {said} ») ; les relances sont suspendues jusqu'au règlement du litige"
        ),
        (_, Locale::En) => format!(
            "the buyer contests the invoice on their platform (\"{said}\"); reminders are paused until the dispute is settled"
        ),
    }
}

/// Records a platform status on an invoice. Returns the answer (the
/// invoice, 200; the same answer again for the same status id and body)
/// and the messages to send now (finance's alert, a thank-you).
pub async fn record(
    store: &Store,
    customer: &CustomerId,
    number: &InvoiceNumber,
    input: &PlatformStatusInput,
    hash: &str,
    ctx: Call<'_>,
) -> Result<(Answer, Vec<(CustomerId, Ulid)>), InvoicingError> {
    let state = input.check().map_err(InvoicingError::Invalid)?;
    let key = format!("{number}:{}", state.status_id);
    if let Some(answer) = replay(store, &key, hash, &ctx).await? {
        return Ok((answer, Vec::new()));
    }
    let mut queued = Vec::new();
    if state.status == PlatformStatus::Paid {
        // First the payment, by a key drawn from the status id: a retry
        // after a crash replays it instead of paying twice, and one
        // recorded another way first leaves nothing to record.
        let invoice = store
            .get_invoice(customer, number)
            .await?
            .ok_or(InvoicingError::UnknownInvoice)?
            .value;
        let due = invoice.remaining_minor();
        let amount = input.amount_minor.unwrap_or(due).min(due);
        if invoice.status == InvoiceStatus::Open && amount > 0 {
            let paid_on = chrono_tz::Europe::Paris
                .from_utc_datetime(&state.at.naive_utc())
                .date_naive()
                .min(ctx.today);
            let payment = PaymentInput {
                amount_minor: amount,
                currency: None,
                date: paid_on,
                method: PaymentMethod::Other,
                reference: Some(format!(
                    "{} {}",
                    state.platform.as_deref().unwrap_or("plateforme"),
                    state.status_id
                )),
            };
            let payment_hash = request_hash(
                "platform payment",
                &serde_json::json!({ "amount_minor": amount, "date": paid_on, "reference": payment.reference }),
            );
            match record_payment(
                store,
                customer,
                number,
                &payment,
                &format!("platform:{key}"),
                &payment_hash,
                ctx,
            )
            .await
            {
                Ok((_, thanks)) => queued.extend(thanks),
                Err(InvoicingError::Rule(
                    InvoiceRuleError::AlreadyPaid | InvoiceRuleError::Credited | InvoiceRuleError::Overpayment { .. },
                )) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let mut retry = Retry::contention();
    loop {
        let Versioned {
            value: mut invoice,
            version,
        } = store
            .get_invoice(customer, number)
            .await?
            .ok_or(InvoicingError::UnknownInvoice)?;
        let taken = invoice.take_platform_status(state.clone(), ctx.actor);
        let alert = taken.alert.then(|| {
            Message::new(
                customer.clone(),
                Purpose::FinanceAlert {
                    numbers: vec![number.clone()],
                    stage: format!("platform_{}", state.status.name()),
                    reason: alert_reason(state.status, state.reason.as_deref(), invoice.seller.locale),
                },
                ctx.now,
            )
        });
        let events: Vec<HistoryEvent> = taken
            .events
            .into_iter()
            .map(|kind| HistoryEvent::new(customer.clone(), ctx.now, ctx.actor.clone(), kind))
            .collect();
        let mut body = serde_json::to_value(&invoice).map_err(InvoicingError::Encode)?;
        if let Some(obj) = body.as_object_mut() {
            obj.insert("remaining_minor".into(), invoice.remaining_minor().into());
            obj.insert("status_current".into(), taken.current.into());
        }
        let body = body.to_string();
        let idem = IdempotencyWrite::new(SCOPE, &key, hash, 200, body.clone(), ctx.now);
        match store
            .update_invoices(&[(&invoice, version)], &events, alert.as_ref(), Some(&idem), ctx.now)
            .await?
        {
            TxOutcome::Committed => {
                queued.extend(alert.map(|m| (customer.clone(), m.id)));
                return Ok((Answer::first(200, body), queued));
            }
            _ => {
                if let Some(answer) = replay(store, &key, hash, &ctx).await? {
                    return Ok((answer, queued));
                }
                retry.again().await.map_err(|_| InvoicingError::Busy)?;
            }
        }
    }
}
