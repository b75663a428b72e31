//! What one invoice's documents cost to render: CII, UBL and the Factur-X
//! PDF (laid out, fonts subset, CII embedded, XMP added), from the issued
//! record, on one core.
//!   cargo bench -p relance-documents --bench documents

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relance::domain::Locale;
use relance::view::sample;
use relance_documents::{Document, Syntax};

fn documents(c: &mut Criterion) {
    let invoice = sample::invoice(1, Locale::Fr).expect("sample invoice");
    let doc = Document::invoice(&invoice);
    let cii = doc.write(Syntax::Cii).expect("CII");
    let ubl = doc.write(Syntax::Ubl).expect("UBL");
    let pdf = relance_documents::pdf::facturx(&doc, &cii).expect("PDF");
    let mut group = c.benchmark_group("documents");
    group.throughput(Throughput::Elements(1));
    group.bench_function(format!("CII ({} B)", cii.len()), |b| {
        b.iter(|| std::hint::black_box(&doc).write(Syntax::Cii))
    });
    group.bench_function(format!("UBL ({} B)", ubl.len()), |b| {
        b.iter(|| std::hint::black_box(&doc).write(Syntax::Ubl))
    });
    group.bench_function(format!("Factur-X PDF ({} B)", pdf.len()), |b| {
        b.iter(|| relance_documents::pdf::facturx(std::hint::black_box(&doc), &cii))
    });
    group.bench_function("the record to all three", |b| {
        b.iter(|| {
            let doc = Document::invoice(std::hint::black_box(&invoice));
            let cii = doc.write(Syntax::Cii).expect("CII");
            let _ = doc.write(Syntax::Ubl);
            relance_documents::pdf::facturx(&doc, &cii)
        })
    });
    group.finish();
}

criterion_group!(benches, documents);
criterion_main!(benches);
