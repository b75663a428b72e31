//! relance: invoices, reminders, surveys and goodwill credits as
//! relationship moments.
//!
//! Three layers, one direction: [`domain`] (pure: money, invoices, the
//! history, decisions), the adapters ([`store`] for DynamoDB, [`mail`] for
//! SES, [`render`] for Tera, [`links`] for customer link tokens, [`config`]
//! for settings), and the use cases that combine them ([`invoicing`],
//! [`delivery`], [`reminders`], [`surveys`], [`help`], [`credits`], [`feedback`], [`personal_data`]). Handlers live in `functions/*` and stay thin.

pub mod archive_link;
pub mod balance;
pub mod bank;
pub mod card;
pub mod config;
pub mod context;
pub mod credits;
pub mod delivery;
pub mod domain;
pub mod escalations;
pub mod feedback;
pub mod help;
pub mod inbound;
pub mod invoicing;
pub mod links;
pub mod mail;
pub mod personal_data;
pub mod platform_status;
pub mod reminders;
pub mod render;
pub mod replay;
pub mod retry;
pub mod sdk;
pub mod secrets;
pub mod staff;
pub mod store;
pub mod surveys;
pub mod telemetry;
pub mod view;
