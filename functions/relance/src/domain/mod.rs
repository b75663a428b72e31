//! The domain: no AWS types, no clock, no I/O.

pub mod balance;
pub mod bank;
pub mod calendar;
pub mod contact;
pub mod credit;
pub mod customer;
pub mod decimal;
pub mod dunning;
pub mod dunning_state;
pub mod escalation;
pub mod event;
pub mod exemption;
pub mod facts;
pub mod feedback;
#[cfg(test)]
mod fixtures;
pub mod goodwill;
pub mod help;
pub mod ids;
pub mod invoice;
pub mod message;
pub mod money;
pub mod notice;
pub mod numbering;
pub mod pass_plan;
pub mod receivables;
pub mod reply;
pub mod seller;
pub mod survey;
pub mod todo;
pub mod unit;
pub mod validation;
pub mod vat;

pub use customer::{Address, Customer, CustomerInput, CustomerKind};
pub use event::{EventKind, HistoryEvent};
pub use ids::{Actor, CustomerId, Email, InvoiceNumber, Locale, Siren, VatNumber};
pub use invoice::{Invoice, InvoiceDraft, InvoiceInput, InvoiceLine, InvoiceStatus, Totals};
pub use money::{Currency, Money};
pub use seller::Seller;
pub use validation::FieldError;
pub use vat::VatRate;
