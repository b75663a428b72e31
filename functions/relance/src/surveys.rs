//! Surveys after interactions: deciding and claiming one (from the
//! table's stream), and recording an answer (from the survey page). The
//! decisions (which question, which events end an interaction, the signs
//! of a scanner) are in `domain::survey`.

use chrono::{DateTime, Utc};

use crate::domain::dunning::Policy;
use crate::domain::message::{Message, Purpose};
use crate::domain::survey::{
    self, Drop, LastAsked, Survey, SurveyDecision, SurveyFacts, SurveyPolicy, suspicion, trigger_of,
};
use crate::domain::{Actor, CustomerId, EventKind, HistoryEvent};
use crate::retry::Retry;
use crate::store::{Part, Store, StoreError, TxOutcome};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    /// The event does not end an interaction.
    NotATrigger,
    Dropped(Drop),
    /// This event's survey was claimed before (a redelivered record).
    AlreadyClaimed,
    /// Claimed: the message is in the outbox, ready to deliver.
    Claimed(Box<Message>),
}

pub struct Dispatcher<'a> {
    pub store: &'a Store,
    pub policy: &'a SurveyPolicy,
    pub dunning: &'a Policy,
}

impl Dispatcher<'_> {
    /// Decides and claims the survey an event calls for.
    pub async fn dispatch(&self, event: &HistoryEvent, now: DateTime<Utc>) -> Result<Dispatch, StoreError> {
        let Some(trigger) = trigger_of(&event.kind) else {
            return Ok(Dispatch::NotATrigger);
        };
        let customer_id = &event.customer_id;
        let mut retry = Retry::tries(5);
        loop {
            let Some(customer) = self.store.get_customer(customer_id).await? else {
                return Ok(Dispatch::NotATrigger);
            };
            let invoices = self.store.customer_invoices(customer_id).await?;
            let state = self.store.survey_state(customer_id).await?;
            let dunning = self.store.get_dunning(customer_id).await?.value;
            let facts = SurveyFacts::gather(
                &customer.value,
                &invoices.iter().map(|v| &v.value).collect::<Vec<_>>(),
                &dunning,
                self.dunning,
                LastAsked {
                    any: state.last_at,
                    nps: state.last_nps_at,
                },
                crate::domain::calendar::business_date(now),
            );
            let (question, at) = match survey::decide(self.policy, &trigger, &facts, now) {
                SurveyDecision::Drop(reason) => return Ok(Dispatch::Dropped(reason)),
                SurveyDecision::Ask(question) => (question, now),
                SurveyDecision::Postpone { question, until } => (question, until),
            };
            let survey_id = event.id.to_string();
            let mut message = Message::new(
                customer_id.clone(),
                Purpose::Survey {
                    survey_id: survey_id.clone(),
                    question,
                },
                now,
            );
            // A postponed question waits in the outbox: nothing claims it
            // before `at`, and the cooling-off counts from then.
            message.next_attempt_at = at;
            let record = Survey::asked(trigger.clone(), survey_id, question, &message);
            match self
                .store
                .claim_survey(&record, &message, at - self.policy.cooling_off, at)
                .await?
            {
                TxOutcome::Committed => return Ok(Dispatch::Claimed(Box::new(message))),
                TxOutcome::ConditionFailed(parts) if parts.contains(&Part::Survey) => {
                    return Ok(Dispatch::AlreadyClaimed);
                }
                // Another survey was claimed meanwhile: this one falls in
                // its cooling-off period and is dropped.
                TxOutcome::ConditionFailed(_) => return Ok(Dispatch::Dropped(Drop::CoolingOff)),
                TxOutcome::Conflict => {}
            }
            retry
                .again()
                .await
                .map_err(|_| StoreError::Contention("survey claim"))?;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Recorded; `alert` is the message to finance when a detractor
    /// answered for the first time.
    Recorded {
        alert: Option<Box<Message>>,
        replaced: bool,
    },
    UnknownSurvey,
    ScoreOutOfRange,
}

/// Records a survey answer (again replaces the score; each answer is an
/// event). Signs of a scanner are written into the event.
pub async fn answer(
    store: &Store,
    customer: &CustomerId,
    survey_id: &str,
    score: u8,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> Result<AnswerOutcome, StoreError> {
    let mut retry = Retry::tries(5);
    loop {
        let Some(survey) = store.get_survey(customer, survey_id).await? else {
            return Ok(AnswerOutcome::UnknownSurvey);
        };
        if !survey.question.scores().contains(&score) {
            return Ok(AnswerOutcome::ScoreOutOfRange);
        }
        let sent_at = store
            .get_message(customer, survey.message_id)
            .await?
            .and_then(|m| m.sent_at);
        let suspicious = suspicion(&survey, sent_at, now);
        let detractor = survey.question.is_detractor(score);
        let alerted = detractor && !survey.alerted;
        let event = HistoryEvent::new(
            customer.clone(),
            now,
            Actor::system("survey page"),
            EventKind::SurveyAnswered {
                survey_id: survey.id.clone(),
                question: survey.question.name().to_string(),
                score,
                detractor,
                comment: comment.clone(),
                suspicious,
                alerted,
            },
        );
        let alert = alerted.then(|| {
            Message::new(
                customer.clone(),
                Purpose::SurveyAlert {
                    survey_id: survey.id.clone(),
                    question: survey.question,
                    score,
                },
                now,
            )
        });
        match store.record_answer(&survey, score, now, &event, alert.as_ref()).await? {
            TxOutcome::Committed => {
                return Ok(AnswerOutcome::Recorded {
                    alert: alert.map(Box::new),
                    replaced: survey.answer.is_some(),
                });
            }
            // Alerted by a concurrent answer, or a conflict: read again.
            _ => retry
                .again()
                .await
                .map_err(|_| StoreError::Contention("survey answer"))?,
        }
    }
}
