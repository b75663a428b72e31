//! The end-to-end tests, one binary: each module is one capability, run
//! against the local stack. One binary links once instead of once a file
//! (each link is about 100 MB of debug build), and its tests share the
//! test threads instead of running file after file.
//! Run one module with `cargo test -p relance-e2e --test e2e reminders::`.

mod common;

mod archive;
mod bad_input;
mod balance;
mod bank;
mod bank_race;
mod browser;
mod card;
mod concurrency;
mod console;
mod console_sign_in;
mod contact;
mod corrections;
mod credits;
mod delivery;
mod docs;
mod documents;
mod escalation;
mod export;
mod feedback;
mod foundation;
mod invoices;
mod lambda_events;
mod notice;
mod openapi;
mod pages;
mod platform;
mod reminders;
mod replies;
mod send_reminders;
mod template;
mod todo;
