use chrono::{DateTime, Utc};

use super::envelope::Envelope;
use super::keys;
use super::sharded::Sharded;
use super::tx::{Cond, Part, Tx, TxOutcome, n, to_item};
use super::{Store, StoreError, Versioned};
use crate::domain::{Actor, Customer, CustomerId, EventKind, HistoryEvent};

/// A customer's profile item.
fn profile_item(customer: &Customer, version: u64) -> Envelope<&Customer> {
    Envelope::new(keys::customer_pk(&customer.id), keys::PROFILE_SK, "customer", customer)
        .at_version(version)
        .listed(keys::customer_list_keys(&customer.id))
        .waiting(crate::domain::todo::for_customer(customer).as_ref())
}

const CUSTOMERS: Sharded = Sharded {
    index: keys::CUSTOMERS_INDEX,
    pk: keys::LIST_PK,
    sk: keys::LIST_SK,
    prefix: "CUSTOMERS",
    projection: Some("list_sk"),
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Created,
    Updated { fields: Vec<String> },
    Unchanged,
}

impl Store {
    /// Loads customer profiles migrated from another system, in batches
    /// of 25 (as `load_invoices` does for their open invoices).
    pub async fn load_customers(&self, customers: &[Customer]) -> Result<(), StoreError> {
        let items = customers
            .iter()
            .map(|c| to_item(&profile_item(c, 1)))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_put(items).await
    }

    /// Every customer's id, in id order: one Query per shard of the
    /// customers index, whatever else the table holds.
    pub async fn customer_ids(&self) -> Result<Vec<CustomerId>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Key {
            list_sk: String,
        }
        let found = self.every_shard_items::<Key>(CUSTOMERS, "~").await?;
        let mut ids: Vec<CustomerId> = found
            .into_iter()
            .filter_map(|k| CustomerId::parse(&k.list_sk).ok())
            .collect();
        ids.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        Ok(ids)
    }

    /// The names lists show for these customers (the company's, else the
    /// contact's), by id: one BatchGetItem per hundred profiles, only the
    /// two names read. Unknown ids are left out.
    pub async fn customer_names(
        &self,
        ids: &[CustomerId],
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        let mut unique: Vec<&CustomerId> = ids.iter().collect();
        unique.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        unique.dedup();
        let mut names = std::collections::BTreeMap::new();
        for chunk in unique.chunks(100) {
            let keys = chunk
                .iter()
                .map(|id| Self::key(keys::customer_pk(id), keys::PROFILE_SK))
                .collect();
            let items = self.batch_get(keys, "PK, company_name, contact_name", &[]).await?;
            for item in items {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
                let Some(id) = text(keys::PK).and_then(|pk| keys::customer_of_pk(&pk).map(str::to_string)) else {
                    continue;
                };
                if let Some(name) = text("company_name").or_else(|| text("contact_name")) {
                    names.insert(id, name);
                }
            }
        }
        Ok(names)
    }

    pub async fn get_customer(&self, id: &CustomerId) -> Result<Option<Versioned<Customer>>, StoreError> {
        let item: Option<Envelope<Customer>> = self.get(keys::customer_pk(id), keys::PROFILE_SK).await?;
        Ok(item.map(Envelope::versioned))
    }

    /// Creates or updates a customer's profile and records what changed in
    /// the history, in one transaction. A concurrent edit makes this return
    /// `Contention` rather than silently overwrite it.
    pub async fn save_customer(
        &self,
        customer: &Customer,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<SaveOutcome, StoreError> {
        let existing = self.get_customer(&customer.id).await?;
        // What the customer chose (no surveys) and what the mail system
        // learnt (the address bounces) are not finance's to overwrite.
        let mut customer = customer.clone();
        if let Some(current) = &existing {
            customer.carry_over(&current.value, now);
        }
        let customer = &customer;
        let (outcome, version, cond) = match &existing {
            None => (SaveOutcome::Created, 1, Cond::new("attribute_not_exists(PK)")),
            Some(current) => {
                let fields = changed_fields(&current.value, customer);
                if fields.is_empty() {
                    return Ok(SaveOutcome::Unchanged);
                }
                (
                    SaveOutcome::Updated { fields },
                    current.version + 1,
                    Cond::new("version = :v").value(":v", n(current.version)),
                )
            }
        };
        let kind = match &outcome {
            SaveOutcome::Updated { fields } => EventKind::CustomerUpdated { fields: fields.clone() },
            _ => EventKind::CustomerCreated,
        };
        let event = HistoryEvent::new(customer.id.clone(), now, actor.clone(), kind);
        let item = profile_item(customer, version);
        let mut tx = Tx::default();
        tx.put(self, Part::Customer, to_item(&item)?, Some(cond))?;
        self.put_event(&mut tx, &event)?;
        match tx.commit(self).await? {
            TxOutcome::Committed => Ok(outcome),
            _ => Err(StoreError::Contention("customer profile")),
        }
    }
}

/// Names of the top-level fields that differ, for the history event.
fn changed_fields(before: &Customer, after: &Customer) -> Vec<String> {
    let as_map = |c: &Customer| match serde_json::to_value(c) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (before, after) = (as_map(before), as_map(after));
    after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

impl Store {
    /// Records the customer's "no more surveys", once. Returns whether this
    /// call changed anything (a second click is harmless).
    pub async fn opt_out_of_surveys(
        &self,
        id: &CustomerId,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = self
            .change_profile(id, actor, now, |customer| {
                (!customer.surveys_opted_out).then(|| {
                    customer.surveys_opted_out = true;
                    EventKind::SurveysOptedOut
                })
            })
            .await?;
        Ok(changed == Some(true))
    }

    /// Pauses (or resumes) every reminder to the customer, recorded with
    /// who did it. `None`: no such customer; `Some(false)`: it already
    /// was so (a second click writes nothing).
    pub async fn set_reminders_paused(
        &self,
        id: &CustomerId,
        paused: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>, StoreError> {
        self.change_profile(id, actor, now, |customer| {
            (customer.paused != paused).then(|| {
                customer.paused = paused;
                if paused {
                    EventKind::RemindersPaused
                } else {
                    EventKind::RemindersResumed
                }
            })
        })
        .await
    }

    /// Changes the customer's profile with `change` and records the event
    /// it returns, in one transaction; a concurrent edit makes it read and
    /// decide again. `None`: no such customer; `Some(false)`: `change`
    /// found nothing to do, and nothing was written.
    async fn change_profile(
        &self,
        id: &CustomerId,
        actor: &Actor,
        now: DateTime<Utc>,
        change: impl Fn(&mut Customer) -> Option<EventKind>,
    ) -> Result<Option<bool>, StoreError> {
        let mut retry = crate::retry::Retry::tries(5);
        loop {
            let Some(current) = self.get_customer(id).await? else {
                return Ok(None);
            };
            let mut customer = current.value;
            let Some(kind) = change(&mut customer) else {
                return Ok(Some(false));
            };
            let event = HistoryEvent::new(id.clone(), now, actor.clone(), kind);
            let mut tx = Tx::default();
            self.put_profile(&mut tx, customer, current.version)?;
            self.put_event(&mut tx, &event)?;
            if let TxOutcome::Committed = tx.commit(self).await? {
                return Ok(Some(true));
            }
            retry
                .again()
                .await
                .map_err(|_| StoreError::Contention("customer profile"))?;
        }
    }

    /// Revokes every link mailed to the customer so far (their sessions
    /// end with them); links sent from now on work. `None`: no such
    /// customer.
    pub async fn revoke_customer_links(
        &self,
        id: &CustomerId,
        actor: &Actor,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let revoked = self
            .change_profile(id, actor, now, |customer| {
                customer.links_valid_from = Some(now);
                Some(EventKind::LinksRevoked {
                    reason: reason.to_string(),
                })
            })
            .await?;
        Ok(revoked.map(|_| now))
    }

    /// Writes a changed profile in `tx`, provided nobody changed it since
    /// `version_read`.
    pub(super) fn put_profile(&self, tx: &mut Tx, customer: Customer, version_read: u64) -> Result<(), StoreError> {
        let item = profile_item(&customer, version_read + 1);
        tx.put(
            self,
            Part::Customer,
            to_item(&item)?,
            Some(Cond::new("version = :v").value(":v", n(version_read))),
        )
    }
}
