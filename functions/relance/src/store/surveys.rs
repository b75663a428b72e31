//! Survey records, the per-customer survey state that enforces the
//! cooling-off period, and help-request notes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::envelope::Envelope;
use super::keys;
use super::tx::{Cond, Part, Tx, TxOutcome, n, s, to_item};
use super::{Store, StoreError};
use crate::domain::message::Message;
use crate::domain::survey::Survey;
use crate::domain::{CustomerId, HistoryEvent, Invoice};

/// When a customer was last asked anything, and last asked NPS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyState {
    pub last_at: Option<DateTime<Utc>>,
    pub last_nps_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
struct StateItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(flatten)]
    state: SurveyState,
    /// Epoch milliseconds of `last_at`, for the claim's condition.
    last_at_ms: i64,
}

#[derive(Serialize)]
struct NoteItem<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: &'static str,
    text: &'a str,
    expires_at: i64,
}

#[derive(Deserialize)]
struct NoteRead {
    text: String,
    expires_at: i64,
}

impl Store {
    pub async fn survey_state(&self, customer: &CustomerId) -> Result<SurveyState, StoreError> {
        let item: Option<StateItem> = self.get(keys::customer_pk(customer), keys::SURVEY_STATE_SK).await?;
        Ok(item.map(|i| i.state).unwrap_or_default())
    }

    pub async fn get_survey(&self, customer: &CustomerId, id: &str) -> Result<Option<Survey>, StoreError> {
        let item: Option<Envelope<Survey>> = self.get(keys::customer_pk(customer), &keys::survey_sk(id)).await?;
        Ok(item.map(|i| i.body))
    }

    /// Claims a survey: the survey record (one per closing event, so a
    /// stream record delivered twice claims once), the customer's survey
    /// state (only if nothing was sent since `cooling_since`, so two
    /// closing events at once cannot both send) and the email, all or
    /// nothing.
    pub async fn claim_survey(
        &self,
        survey: &Survey,
        message: &Message,
        cooling_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = Tx::default();
        let item = Envelope::new(
            keys::customer_pk(&survey.customer_id),
            keys::survey_sk(&survey.id),
            "survey",
            survey,
        );
        tx.put(
            self,
            Part::Survey,
            to_item(&item)?,
            Some(Cond::new("attribute_not_exists(PK)")),
        )?;
        let nps = survey.question == crate::domain::survey::Question::Nps;
        let update = if nps {
            "SET last_at = :now, last_at_ms = :ms, last_nps_at = :now"
        } else {
            "SET last_at = :now, last_at_ms = :ms"
        };
        tx.update(
            self,
            Part::SurveyState,
            Self::key(keys::customer_pk(&survey.customer_id), keys::SURVEY_STATE_SK),
            update,
            Cond::new("attribute_not_exists(last_at_ms) OR last_at_ms <= :since")
                .value(":now", s(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
                .value(":ms", n(now.timestamp_millis()))
                .value(":since", n(cooling_since.timestamp_millis())),
        )?;
        self.put_message(&mut tx, message)?;
        tx.commit(self).await
    }

    /// Notes which score links of a survey were opened, and whether the
    /// hidden link was: signals that a scanner, not a person, is clicking.
    /// Nothing the customer or finance sees changes.
    pub async fn note_survey_open(
        &self,
        customer: &CustomerId,
        id: &str,
        score: Option<u8>,
        honeypot: bool,
    ) -> Result<(), StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(keys::customer_pk(customer), keys::survey_sk(id))))
            .condition_expression("attribute_exists(PK)");
        request = match (score, honeypot) {
            (_, true) => request
                .update_expression("SET honeypot = :t")
                .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true)),
            (Some(score), false) => request
                .update_expression("SET opened = list_append(if_not_exists(opened, :empty), :score)")
                .expression_attribute_values(":empty", aws_sdk_dynamodb::types::AttributeValue::L(vec![]))
                .expression_attribute_values(":score", aws_sdk_dynamodb::types::AttributeValue::L(vec![n(score)])),
            (None, false) => return Ok(()),
        };
        request.send().await.map_err(|e| StoreError::sdk("UpdateItem", e))?;
        Ok(())
    }

    /// Records an answer: the survey's current score, the history event,
    /// and (the first time an answer is a detractor's) the alert to
    /// finance. `alert` is written only if no alert was written before.
    pub async fn record_answer(
        &self,
        survey: &Survey,
        score: u8,
        now: DateTime<Utc>,
        event: &HistoryEvent,
        alert: Option<&Message>,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = Tx::default();
        let key = Self::key(keys::customer_pk(&survey.customer_id), keys::survey_sk(&survey.id));
        let when = s(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        if alert.is_some() {
            tx.update(
                self,
                Part::Survey,
                key,
                "SET answer = :score, answered_at = :now, alerted = :t",
                Cond::new("attribute_exists(PK) AND (attribute_not_exists(alerted) OR alerted = :f)")
                    .value(":score", n(score))
                    .value(":now", when)
                    .value(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
                    .value(":f", aws_sdk_dynamodb::types::AttributeValue::Bool(false)),
            )?;
        } else {
            tx.update(
                self,
                Part::Survey,
                key,
                "SET answer = :score, answered_at = :now",
                Cond::new("attribute_exists(PK)")
                    .value(":score", n(score))
                    .value(":now", when),
            )?;
        }
        self.put_event(&mut tx, event)?;
        if let Some(alert) = alert {
            self.put_message(&mut tx, alert)?;
            let todo = crate::domain::todo::for_detractor(&survey.customer_id, &survey.id, now);
            self.put_waiting(&mut tx, &survey.customer_id, &todo)?;
        }
        tx.commit(self).await
    }

    /// Records a help request: the invoices (reminders paused), the event,
    /// the alert to finance and the comment (with its expiry), all or
    /// nothing; each invoice must still be at the version it was read at.
    pub async fn record_help_request(
        &self,
        invoices: &[(&Invoice, u64)],
        event: &HistoryEvent,
        alert: &Message,
        note: Option<(&str, &str, DateTime<Utc>)>,
    ) -> Result<TxOutcome, StoreError> {
        let mut tx = self.invoice_updates(invoices)?;
        self.put_event(&mut tx, event)?;
        self.put_message(&mut tx, alert)?;
        if let Some((id, text, expires)) = note {
            let item = NoteItem {
                pk: keys::customer_pk(&event.customer_id),
                sk: keys::help_note_sk(id),
                entity: "help_note",
                text,
                expires_at: expires.timestamp(),
            };
            tx.put(self, Part::Note, to_item(&item)?, None)?;
        }
        tx.commit(self).await
    }

    /// A help request's comment, unless its retention ran out.
    pub async fn help_note(
        &self,
        customer: &CustomerId,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let item: Option<NoteRead> = self.get(keys::customer_pk(customer), &keys::help_note_sk(id)).await?;
        Ok(item.filter(|i| i.expires_at > now.timestamp()).map(|i| i.text))
    }
}
