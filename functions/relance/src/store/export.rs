//! Everything one customer's partition holds, page by page, as it is
//! stored: what an access request (GDPR articles 15 and 20) is answered
//! from. Every item is exported, sorted into a section by its key; a kind
//! this list does not know lands in `other`, never nowhere.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::tx::s;
use super::{Store, StoreError, keys};
use crate::domain::CustomerId;

/// The sections of an export, by the sort key's prefix.
const SECTIONS: [(&str, &str); 14] = [
    (keys::PROFILE_SK, "profile"),
    (keys::INVOICE_PREFIX, "invoices"),
    (keys::CREDIT_PREFIX, "credits"),
    ("CREDITS#", "credits_received_per_year"),
    (keys::EVENT_PREFIX, "history"),
    ("MSG#", "messages"),
    (keys::DUNNING_SK, "reminders"),
    ("SURVEY#", "surveys"),
    (keys::SURVEY_STATE_SK, "surveys"),
    ("HELP#", "help_comments"),
    ("REPLYTEXT#", "replies"),
    ("INBOUND#", "replies_received"),
    ("FEEDBACK#", "bounces_and_complaints"),
    ("WAITING#", "waiting_for_a_person"),
];

/// The section an item of the partition belongs to.
pub fn section_of(sk: &str) -> &'static str {
    SECTIONS
        .iter()
        .find(|(prefix, _)| sk.starts_with(prefix))
        .map_or("other", |(_, section)| section)
}

/// One page of a customer's items, by section, in key order.
#[derive(Debug, Default)]
pub struct PartitionPage {
    pub sections: BTreeMap<&'static str, Vec<serde_json::Value>>,
    pub items: usize,
    pub next: Option<String>,
}

impl Store {
    /// Up to `limit` items of the customer's partition after `cursor`.
    pub async fn partition_page(
        &self,
        customer: &CustomerId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<PartitionPage, StoreError> {
        let pk = keys::customer_pk(customer);
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(pk.clone()))
            .consistent_read(true)
            .limit(limit);
        if let Some(sk) = cursor.and_then(decode) {
            query = query.set_exclusive_start_key(Some(
                [
                    (keys::PK.to_string(), s(pk.clone())),
                    (keys::SK.to_string(), AttributeValue::S(sk)),
                ]
                .into_iter()
                .collect(),
            ));
        }
        let out = query.send().await.map_err(|e| StoreError::sdk("Query", e))?;
        let mut page = PartitionPage {
            next: out
                .last_evaluated_key
                .and_then(|k| k.get(keys::SK).and_then(|v| v.as_s().ok()).cloned())
                .map(|sk| URL_SAFE_NO_PAD.encode(sk)),
            ..PartitionPage::default()
        };
        for item in out.items.unwrap_or_default() {
            let sk = item
                .get(keys::SK)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            let value: serde_json::Value =
                serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(|source| StoreError::Decode {
                    key: pk.clone(),
                    source,
                })?;
            page.sections.entry(section_of(&sk)).or_default().push(value);
            page.items += 1;
        }
        Ok(page)
    }
}

fn decode(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok().filter(|sk| !sk.is_empty())
}

/// Whether an export cursor is one this store returned, so a bad one is a 400.
pub fn valid_export_cursor(cursor: &str) -> bool {
    decode(cursor).is_some()
}

#[cfg(test)]
mod tests {
    use super::section_of;

    #[test]
    fn every_item_falls_in_a_section() {
        assert_eq!(section_of("PROFILE"), "profile");
        assert_eq!(section_of("INV#F2026-000001"), "invoices");
        assert_eq!(section_of("EVT#2026-11-02T08:00:00.000Z#01J"), "history");
        assert_eq!(section_of("CREDITS#2026"), "credits_received_per_year");
        assert_eq!(section_of("CREDIT#01J"), "credits");
        assert_eq!(section_of("SURVEYS"), "surveys");
        assert_eq!(section_of("SOMETHING#NEW"), "other");
    }
}
