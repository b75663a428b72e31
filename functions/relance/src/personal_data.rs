//! A customer's personal data. The export answers an access request
//! (GDPR articles 15 and 20): every item their partition holds, sorted by
//! what it is, with the addresses of their invoices' and credit notes'
//! documents; the export itself is recorded in their history.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{Actor, CustomerId, EventKind, HistoryEvent};
use crate::store::{Store, StoreError};

/// The export's own format name, so a reader knows what it holds.
pub const EXPORT_FORMAT: &str = "relance-export/1";

/// One page of an export: the first one (no cursor) is recorded.
#[derive(Debug, Serialize)]
pub struct ExportPage {
    pub format: &'static str,
    pub customer_id: CustomerId,
    pub exported_at: DateTime<Utc>,
    /// Items by section (`profile`, `invoices`, `credits`, `history`,
    /// `messages`, `surveys`, `help_comments`, `replies`…), each as stored.
    pub sections: BTreeMap<&'static str, Vec<serde_json::Value>>,
    /// How many items this page holds.
    pub items: usize,
    /// Where each issued document of this page is served.
    pub documents: Vec<Document>,
    /// The next page, if any: `?cursor=`.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Document {
    pub number: String,
    pub pdf: String,
    pub cii: String,
    pub ubl: String,
}

/// A page of the export of `customer`, `None` if there is no such
/// customer. The first page writes a `data_exported` event naming who
/// asked: it is written before the page is read, so it is in the export.
pub async fn export_page(
    store: &Store,
    customer: &CustomerId,
    actor: &Actor,
    now: DateTime<Utc>,
    (limit, cursor): (i32, Option<&str>),
) -> Result<Option<ExportPage>, StoreError> {
    if store.get_customer(customer).await?.is_none() {
        return Ok(None);
    }
    if cursor.is_none() {
        let event = HistoryEvent::new(customer.clone(), now, actor.clone(), EventKind::DataExported {});
        store.append_new_event(&event).await?;
    }
    let page = store.partition_page(customer, limit, cursor).await?;
    let documents = page
        .sections
        .iter()
        .filter(|(section, _)| matches!(**section, "invoices" | "credits"))
        .flat_map(|(_, items)| items)
        .filter_map(|item| document_of(customer, item))
        .collect();
    Ok(Some(ExportPage {
        format: EXPORT_FORMAT,
        customer_id: customer.clone(),
        exported_at: now,
        sections: page.sections,
        items: page.items,
        documents,
        next_cursor: page.next,
    }))
}

/// The document routes of an issued invoice or credit note (a credit
/// without a number is a request, not a document).
fn document_of(customer: &CustomerId, item: &serde_json::Value) -> Option<Document> {
    let text = |field: &str| item.get(field).and_then(|v| v.as_str());
    let number = text("number")?;
    let base = if text("entity") == Some("credit") {
        format!("/customers/{customer}/credits/{}/documents", text("id")?)
    } else {
        format!("/customers/{customer}/invoices/{number}/documents")
    };
    Some(Document {
        number: number.to_string(),
        pdf: format!("{base}/pdf"),
        cii: format!("{base}/cii"),
        ubl: format!("{base}/ubl"),
    })
}
