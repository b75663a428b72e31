//! Renders per second of the invoice and reminder emails (subject, HTML
//! and text), with templates parsed once as a function does at start-up,
//! and what that parsing costs each function.
//!   cargo bench -p relance --bench render

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relance::domain::Locale;
use relance::domain::dunning::Tone;
use relance::render::{Renderer, startup};
use relance::view::sample;

fn render(c: &mut Criterion) {
    let sources = Renderer::new().expect("sources");
    let all = sources.all_sets();
    let renderer = Renderer::with(&all).expect("templates parse");
    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(1));
    for locale in [Locale::Fr, Locale::En] {
        let invoice = sample::invoice_email(locale).expect("sample invoice");
        let size = renderer.email("invoice", locale, &invoice).expect("renders").html.len();
        group.bench_function(format!("invoice email {} ({size} B html)", locale.code()), |b| {
            b.iter(|| renderer.email("invoice", locale, std::hint::black_box(&invoice)))
        });
        let reminder = sample::reminder_email(locale, "check_in", Tone::Warm, 1).expect("sample reminder");
        let size = renderer
            .email("reminder", locale, &reminder)
            .expect("renders")
            .html
            .len();
        group.bench_function(format!("reminder email {} ({size} B html)", locale.code()), |b| {
            b.iter(|| renderer.email("reminder", locale, std::hint::black_box(&reminder)))
        });
    }
    group.finish();
    // What each function pays once, in its cold start: the sets it
    // renders (`render::startup`), and, for comparison, every template.
    let functions = [
        ("issue-invoice", startup::ISSUE_INVOICE),
        ("send-documents", startup::SEND_DOCUMENTS),
        ("customer-links", startup::CUSTOMER_LINKS),
        ("dispatch-survey", startup::DISPATCH_SURVEY),
        ("send-reminders", startup::SEND_REMINDERS),
        ("every template", all.as_slice()),
    ];
    let mut group = c.benchmark_group("parse");
    for (name, sets) in functions {
        group.bench_function(name, |b| b.iter(|| Renderer::with(sets).expect("parses")));
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
