//! Every kind of document relance issues, in CII and UBL, checked by the
//! official EN 16931 validation artefacts (CEN/TC 434, release 1.3.16, read
//! from `../shared/conformance/en16931/`) run by saxonche, and the CII by
//! its D16B schema: zero fatal errors, zero schema errors. The documents
//! are left in `target/documents/` to be read.

use chrono::{NaiveDate, TimeZone, Utc};
use relance::config::company;
use relance::domain::credit::{Credit, CreditStatus, Words};
use relance::domain::goodwill::Situation;
use relance::domain::invoice::{CreditDeduction, VatRegime};
use relance::domain::seller::Seller;
use relance::domain::{Actor, Currency, Customer, CustomerId, CustomerInput, Invoice, InvoiceInput, InvoiceNumber};
use relance_documents::{Document, Syntax};
use serde_json::{Value, json};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

fn customer(id: &str, body: Value) -> Customer {
    let input: CustomerInput = serde_json::from_value(body).unwrap_or_else(|e| panic!("{id}: {e}"));
    let id = CustomerId::parse(id).unwrap_or_else(|e| panic!("{e}"));
    input.parse(id).unwrap_or_else(|e| panic!("{e:?}"))
}

fn french_business() -> Customer {
    customer(
        "boulangerie-martin",
        json!({
            "contact_name": "Camille Martin", "email": "camille@boulangerie-martin.fr", "kind": "business",
            "company_name": "Boulangerie Martin SARL", "siren": "732829320", "vat_number": "FR44732829320",
            "billing_address": { "lines": ["4 place du Marché"], "postal_code": "69004", "city": "Lyon", "country": "FR" },
            "customer_since": "2021-03-01"
        }),
    )
}

fn german_business() -> Customer {
    customer(
        "backhaus-weber",
        json!({
            "contact_name": "Jonas Weber", "email": "jonas@backhaus-weber.de", "kind": "business", "locale": "en",
            "company_name": "Backhaus Weber GmbH", "vat_number": "DE123456789",
            "billing_address": { "lines": ["Marktstraße 12"], "postal_code": "10115", "city": "Berlin", "country": "DE" },
            "customer_since": "2024-01-15"
        }),
    )
}

fn swiss_business() -> Customer {
    customer(
        "boulangerie-geneve",
        json!({
            "contact_name": "Léa Favre", "email": "lea@boulangerie-geneve.ch", "kind": "business",
            "company_name": "Boulangerie de Genève SA", "vat_number": "CHE123456789",
            "billing_address": { "lines": ["Rue du Rhône 8"], "postal_code": "1204", "city": "Genève", "country": "CH" },
            "customer_since": "2023-05-02"
        }),
    )
}

fn consumer() -> Customer {
    customer(
        "julie-bernard",
        json!({
            "contact_name": "Julie Bernard", "email": "julie.bernard@example.fr", "kind": "consumer",
            "billing_address": { "lines": ["9 rue Mercière"], "postal_code": "69002", "city": "Lyon", "country": "FR" },
            "customer_since": "2025-09-10"
        }),
    )
}

fn town_hall() -> Customer {
    customer(
        "mairie-villeurbanne",
        json!({
            "contact_name": "Service des achats", "email": "achats@mairie-villeurbanne.fr", "kind": "business",
            "company_name": "Commune de Villeurbanne", "siren": "216903542", "service_code": "ACHATS-RESTO",
            "billing_address": { "lines": ["Place Lazare-Goujon"], "postal_code": "69100", "city": "Villeurbanne", "country": "FR" },
            "customer_since": "2022-09-01"
        }),
    )
}

fn issue(seller: Seller, buyer: Customer, position: u64, body: Value) -> Invoice {
    let mut body = body;
    body["customer_id"] = json!(buyer.id.to_string());
    body["currency"] = json!("EUR");
    body["issue_date"] = json!("2026-11-16");
    body["payment_terms"] = json!({ "days": 30 });
    let input: InvoiceInput = serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"));
    let draft = input
        .parse_under(seller.vat_regime, seller.vat_territory())
        .unwrap_or_else(|e| panic!("{e:?}"));
    draft.check_buyer(&buyer).unwrap_or_else(|e| panic!("{e:?}"));
    let now = Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).single().unwrap_or_default();
    draft.issue(
        InvoiceNumber::new("F2026", position),
        seller,
        buyer,
        now,
        Actor("finance".into()),
    )
}

fn seller() -> Seller {
    company().unwrap_or_else(|e| panic!("{e}"))
}

/// Each case French law distinguishes, as finance would issue it.
fn invoices() -> Vec<(&'static str, Invoice)> {
    let franchise = Seller {
        vat_regime: VatRegime::Franchise,
        ..seller()
    };
    let mut with_credit = issue(
        seller(),
        french_business(),
        9,
        json!({ "category": "services", "lines": [
            { "description": "Entretien trimestriel", "quantity": 1, "unit_price_minor": 45000, "vat_rate": "20" }
        ]}),
    );
    with_credit.credits.push(CreditDeduction {
        number: InvoiceNumber::new("AV2026", 3),
        issue_date: day(2026, 11, 2),
        amount_minor: 6000,
    });
    vec![
        (
            "b2b-multi-rate",
            issue(
                seller(),
                french_business(),
                1,
                json!({ "category": "mixed", "purchase_order": "BC-2026-114", "lines": [
                    { "description": "Entretien du four à sole", "quantity": 1, "unit": "HUR", "unit_price_minor": 45000, "vat_rate": "20" },
                    { "description": "Pièces détachées, joints", "quantity": "2.5", "unit": "KGM", "unit_price_minor": 1290, "vat_rate": "20", "discount": "10" },
                    { "description": "Farine bio T65", "quantity": "25", "unit": "KGM", "unit_price_minor": 180, "vat_rate": "5.5" }
                ]}),
            ),
        ),
        (
            "consumer",
            issue(
                seller(),
                consumer(),
                2,
                json!({ "category": "goods", "lines": [
                    { "description": "Moule à cannelés en cuivre", "quantity": 2, "unit": "H87", "unit_price_minor": 3900, "vat_rate": "20" }
                ]}),
            ),
        ),
        (
            "franchise",
            issue(
                franchise,
                french_business(),
                3,
                json!({ "category": "services", "lines": [
                    { "description": "Atelier de formation au levain", "quantity": 1, "unit": "DAY", "unit_price_minor": 60000 }
                ]}),
            ),
        ),
        (
            "exempt",
            issue(
                seller(),
                french_business(),
                4,
                json!({ "category": "services", "lines": [
                    { "description": "Formation professionnelle continue", "quantity": 7, "unit": "HUR", "unit_price_minor": 8000,
                      "vat_category": "exempt", "vat_exemption": "VATEX-FR-CGI261-4" }
                ]}),
            ),
        ),
        (
            "reverse-charge",
            issue(
                seller(),
                german_business(),
                5,
                json!({ "category": "services", "lines": [
                    { "description": "Oven maintenance visit", "quantity": 1, "unit": "DAY", "unit_price_minor": 90000, "vat_category": "reverse_charge" }
                ]}),
            ),
        ),
        (
            "intra-community-goods",
            issue(
                seller(),
                german_business(),
                6,
                json!({ "category": "goods", "lines": [
                    { "description": "Deck oven spare door", "quantity": 1, "unit": "H87", "unit_price_minor": 125000, "vat_category": "intra_community" }
                ]}),
            ),
        ),
        (
            "export",
            issue(
                seller(),
                swiss_business(),
                7,
                json!({ "category": "goods", "lines": [
                    { "description": "Pelle à enfourner en hêtre", "quantity": 3, "unit": "H87", "unit_price_minor": 8500, "vat_category": "export" }
                ]}),
            ),
        ),
        (
            "public-sector",
            issue(
                seller(),
                town_hall(),
                8,
                json!({ "category": "services", "purchase_order": "ENG-2026-00412", "lines": [
                    { "description": "Maintenance des fours de la cuisine centrale", "quantity": 2, "unit": "DAY", "unit_price_minor": 72000, "vat_rate": "20" }
                ]}),
            ),
        ),
        ("deducted-credit-note", with_credit),
        (
            "outside-scope",
            issue(
                seller(),
                french_business(),
                10,
                json!({ "category": "services", "lines": [
                    { "description": "Débours : frais de greffe avancés pour votre compte", "quantity": 1, "unit_price_minor": 4500, "vat_category": "outside_scope" }
                ]}),
            ),
        ),
    ]
}

fn goodwill_credit_note() -> Credit {
    let invoice = issue(
        seller(),
        french_business(),
        11,
        json!({ "category": "mixed", "lines": [
            { "description": "Entretien", "quantity": 1, "unit_price_minor": 30000, "vat_rate": "20" },
            { "description": "Farine", "quantity": 10, "unit": "KGM", "unit_price_minor": 1000, "vat_rate": "5.5" }
        ]}),
    );
    let net = 5000;
    let by_rate = relance::domain::credit::split_by_rate(net, &invoice.totals.by_rate);
    let vat: i64 = by_rate.iter().map(|b| b.vat_minor).sum();
    let at = Utc
        .with_ymd_and_hms(2026, 11, 20, 10, 0, 0)
        .single()
        .unwrap_or_default();
    Credit {
        id: "credit-1".into(),
        customer_id: invoice.customer_id.clone(),
        status: CreditStatus::Granted,
        situation: Situation::LateDelivery,
        severity: None,
        invoice: invoice.number.clone(),
        invoice_date: invoice.issue_date,
        currency: Currency::EUR,
        proposed_net_minor: net,
        reasons: Vec::new(),
        net_minor: net,
        by_rate,
        vat_minor: vat,
        gross_minor: net + vat,
        words: Words::default(),
        requested_by: Actor("finance".into()),
        requested_at: at,
        approved_by: None,
        number: Some(InvoiceNumber::new("AV2026", 4)),
        issue_date: Some(at.date_naive()),
        granted_at: Some(at),
        seller: Some(invoice.seller.clone()),
        buyer: Some(invoice.buyer.clone()),
        remaining_minor: net + vat,
        applications: Vec::new(),
        cancelled: None,
        email_message_id: None,
        follow_up_on: None,
        correction: None,
        lines: Vec::new(),
    }
}

/// A corrective credit note on a two-rate invoice, made as finance's
/// request is: checked, taken from what is left, granted.
fn corrective_credit_note(body: Value, position: u64) -> Credit {
    let invoice = issue(
        seller(),
        french_business(),
        12,
        json!({ "category": "mixed", "lines": [
            { "description": "Intervention sur le four", "quantity": 3, "unit": "HUR", "unit_price_minor": 8500, "vat_rate": "20" },
            { "description": "Joint de porte", "quantity": 2, "unit_price_minor": 4290, "vat_rate": "20", "discount": "5" },
            { "description": "Farine de seigle", "quantity": 25, "unit": "KGM", "unit_price_minor": 180, "vat_rate": "5.5" }
        ]}),
    );
    let checked = serde_json::from_value::<relance::domain::credit::CorrectionInput>(body)
        .unwrap_or_else(|e| panic!("{e}"))
        .check()
        .unwrap_or_else(|e| panic!("{e:?}"));
    let left = relance::domain::credit::LeftToCredit::of(&invoice, &[]);
    let taken = checked.take(&invoice, &left).unwrap_or_else(|e| panic!("{e:?}"));
    let at = Utc
        .with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .unwrap_or_default();
    let mut credit = checked
        .into_credit(
            format!("correction-{position}"),
            &invoice,
            taken,
            &Actor("finance".into()),
            at,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    credit.grant(relance::domain::credit::Grant {
        number: InvoiceNumber::new("AV2026", position),
        today: at.date_naive(),
        now: at,
        seller: &invoice.seller,
        buyer: &invoice.buyer,
        follow_up_days: 0,
        by: &Actor("finance".into()),
    });
    credit
}

fn documents() -> Vec<(String, Document)> {
    let mut docs: Vec<(String, Document)> = invoices()
        .into_iter()
        .map(|(name, invoice)| (name.to_string(), Document::invoice(&invoice)))
        .collect();
    let credit =
        Document::credit_note(&goodwill_credit_note()).unwrap_or_else(|| panic!("a granted credit has a note"));
    docs.push(("goodwill-credit-note".into(), credit));
    for (name, body, position) in [
        (
            "cancelling-credit-note",
            json!({ "scope": "full", "reason": "facture émise en double (voir F2026-000011)." }),
            5,
        ),
        (
            "partial-credit-note",
            json!({ "scope": "lines", "reason": "une heure d'intervention de trop et un joint non posé.",
                    "lines": [{ "line": 1, "quantity": 1 }, { "line": 2, "quantity": "1" }] }),
            6,
        ),
        (
            "amount-credit-note",
            json!({ "scope": "amount", "reason": "remise de 10 % convenue au devis et oubliée.", "net_minor": 3_290 }),
            7,
        ),
    ] {
        let note = Document::credit_note(&corrective_credit_note(body, position))
            .unwrap_or_else(|| panic!("a granted correction has a note"));
        docs.push((name.into(), note));
    }
    docs
}

fn text(doc: &Document, syntax: Syntax) -> String {
    let bytes = doc.write(syntax).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_document_kind_passes_the_official_en16931_rules_in_cii_and_ubl() {
    let out = relance_e2e::validate::out_dir();
    let mut files = Vec::new();
    for (name, doc) in documents() {
        for (syntax, suffix) in [(Syntax::Cii, "cii"), (Syntax::Ubl, "ubl")] {
            let path = out.join(format!("{name}.{suffix}.xml"));
            std::fs::write(&path, text(&doc, syntax)).unwrap_or_else(|e| panic!("{e}"));
            files.push(path);
        }
    }
    // A control the checker must catch: a total changed by hand.
    let (_, first) = &documents()[0];
    let genuine = text(first, Syntax::Cii);
    let payable = genuine
        .split("<ram:DuePayableAmount>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no payable amount"));
    let tampered = genuine.replace(
        &format!("<ram:DuePayableAmount>{payable}<"),
        "<ram:DuePayableAmount>1.00<",
    );
    let control = out.join("tampered.cii.xml");
    std::fs::write(&control, tampered).unwrap_or_else(|e| panic!("{e}"));
    files.push(control.clone());
    let results = relance_e2e::validate::en16931(&files);
    let (controls, verdicts): (Vec<&Value>, Vec<&Value>) = results
        .iter()
        .partition(|r| r["file"].as_str() == Some(&control.to_string_lossy()));
    let caught = controls.first().map(|r| r["fatal"].to_string()).unwrap_or_default();
    assert!(
        caught.contains("BR-CO-16"),
        "the tampered control was not caught: {caught}"
    );
    let failures: Vec<&&Value> = verdicts.iter().filter(|v| relance_e2e::validate::failed(v)).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(verdicts.len(), files.len() - 1);
}

#[test]
fn the_same_record_always_gives_the_same_bytes() {
    for ((name, first), (_, again)) in documents().into_iter().zip(documents()) {
        for syntax in [Syntax::Cii, Syntax::Ubl] {
            assert_eq!(text(&first, syntax), text(&again, syntax), "{name} {syntax:?}");
        }
    }
}

#[test]
fn each_case_carries_its_legal_mention_and_no_other() {
    let docs: std::collections::BTreeMap<String, (String, String)> = documents()
        .into_iter()
        .map(|(name, doc)| (name, (text(&doc, Syntax::Cii), text(&doc, Syntax::Ubl))))
        .collect();
    let both = |name: &str| docs.get(name).unwrap_or_else(|| panic!("{name}"));
    // (case, what both syntaxes must say, what they must not)
    let cases: [(&str, &[&str], &[&str]); 8] = [
        (
            "b2b-multi-rate",
            &["Indemnité forfaitaire", "40 €", "BC-2026-114", "KGM", "Remise"],
            &["VATEX"],
        ),
        (
            "consumer",
            &["Pas d'escompte"],
            &["Indemnité forfaitaire", "Pénalités de retard"],
        ),
        (
            "franchise",
            &["VATEX-FR-FRANCHISE", "TVA non applicable, art. 293 B du CGI"],
            &[">S<"],
        ),
        ("exempt", &["VATEX-FR-CGI261-4", "art. 261-4 du CGI"], &[]),
        ("reverse-charge", &["VATEX-EU-AE", "Reverse charge", "DE123456789"], &[]),
        ("intra-community-goods", &["VATEX-EU-IC", "DE123456789"], &[]),
        ("public-sector", &["ACHATS-RESTO", "ENG-2026-00412"], &[]),
        ("outside-scope", &["VATEX-EU-O"], &["FR39356000000", "FR44732829320"]),
    ];
    for (name, must, must_not) in cases {
        let (cii, ubl) = both(name);
        for (syntax, text) in [("cii", cii), ("ubl", ubl)] {
            for needle in must {
                assert!(text.contains(needle), "{name} {syntax} lacks {needle:?}");
            }
            for needle in must_not {
                assert!(!text.contains(needle), "{name} {syntax} carries {needle:?}");
            }
        }
    }
    let (cii, _) = both("deducted-credit-note");
    assert!(
        cii.contains("<ram:TotalPrepaidAmount>60.00</ram:TotalPrepaidAmount>"),
        "{cii}"
    );
    assert!(
        cii.contains("<ram:DuePayableAmount>480.00</ram:DuePayableAmount>"),
        "{cii}"
    );
    let (cii, ubl) = both("goodwill-credit-note");
    assert!(
        cii.contains("<ram:TypeCode>381</ram:TypeCode>") && cii.contains("F2026-000011"),
        "{cii}"
    );
    assert!(
        ubl.contains("<CreditNote ") && ubl.contains("<cbc:CreditNoteTypeCode>381"),
        "{ubl}"
    );
    // A cancellation takes back the whole invoice: 3 h × 85.00 + 2 ×
    // 42.90 − 5 % at 20 % (VAT 67.30) and 25 kg × 1.80 at 5.5 % (VAT
    // 2.48), 451.29 in all; its lines keep the invoice's line numbers.
    let (cii, ubl) = both("cancelling-credit-note");
    assert!(
        cii.contains("<ram:GrandTotalAmount>451.29</ram:GrandTotalAmount>") && cii.contains("F2026-000012"),
        "{cii}"
    );
    assert!(
        ubl.contains("<cbc:CreditNoteTypeCode>381") && ubl.contains("F2026-000012"),
        "{ubl}"
    );
    let (cii, _) = both("partial-credit-note");
    assert!(
        cii.contains("<ram:LineID>1</ram:LineID>")
            && cii.contains("<ram:LineID>2</ram:LineID>")
            && !cii.contains("<ram:LineID>3</ram:LineID>"),
        "{cii}"
    );
}

/// What a case's PDF must say, in words a person reads, and must not.
const MENTIONS: [(&str, &[&str], &[&str]); 14] = [
    (
        "b2b-multi-rate",
        &[
            "Facture",
            "F2026-000001",
            "Atelier Durand",
            "SIREN 356000000",
            "TVA FR39356000000",
            "SAS au capital de 50 000 € — RCS Lyon 356 000 000",
            "Boulangerie Martin SARL",
            "Bon de commande : BC-2026-114",
            "Date de la vente ou de la prestation : 16 novembre 2026",
            "Échéance : 16 décembre 2026",
            "2,5 kg",
            "10 %",
            "TVA 20 % sur 479,03 €",
            "TVA 5,5 % sur 45,00 €",
            "Total TTC",
            "622,32 €",
            "IBAN FR76 3000 4000 5000 0012 3456 733",
            "Pénalités de retard",
            "Indemnité forfaitaire pour frais de recouvrement",
            "40 €",
            "Pas d'escompte",
        ],
        &[],
    ),
    (
        "consumer",
        &["Julie Bernard", "Total TTC", "Pas d'escompte"],
        &["Indemnité forfaitaire", "Pénalités de retard"],
    ),
    ("franchise", &["TVA non applicable, art. 293 B du CGI"], &[]),
    ("exempt", &["Exonération de TVA, art. 261-4 du CGI", "7 h"], &[]),
    (
        "reverse-charge",
        &[
            "Invoice",
            "Reverse charge",
            "VAT DE123456789",
            "Total incl. VAT",
            "Late-payment penalties",
        ],
        &[],
    ),
    ("intra-community-goods", &["art. 262 ter I", "VAT DE123456789"], &[]),
    (
        "export",
        &["art. 262 I du CGI (exportation)", "Boulangerie de Genève SA", "CH"],
        &[],
    ),
    (
        "public-sector",
        &["Code service : ACHATS-RESTO", "Bon de commande : ENG-2026-00412"],
        &[],
    ),
    (
        "deducted-credit-note",
        &[
            "Avoir déduit",
            "−60,00 €",
            "Net à payer",
            "480,00 €",
            "Avoir n° AV2026-000003",
        ],
        &[],
    ),
    (
        "outside-scope",
        &["Opération hors du champ d'application de la TVA"],
        &["TVA FR39356000000"],
    ),
    (
        "goodwill-credit-note",
        &[
            "Avoir",
            "Avoir sur la facture F2026-000011",
            "Geste commercial",
            "Montant de l'avoir TTC",
        ],
        &["Échéance"],
    ),
    (
        "cancelling-credit-note",
        &[
            "Avoir sur la facture F2026-000012",
            "Avoir rectificatif de la facture F2026-000012 : facture émise en double",
            "Intervention sur le four",
            "Joint de porte",
            "Farine de seigle",
        ],
        &["Échéance", "Geste commercial"],
    ),
    (
        "partial-credit-note",
        &[
            "Avoir rectificatif de la facture F2026-000012 : une heure d'intervention de trop",
            "Intervention sur le four",
            "Joint de porte",
        ],
        &["Farine de seigle", "Geste commercial"],
    ),
    (
        "amount-credit-note",
        &["Réduction du prix — facture F2026-000012", "remise de 10 %"],
        &["Geste commercial", "Intervention sur le four"],
    ),
];

#[test]
fn every_document_kind_is_a_factur_x_pdf_with_its_mentions() {
    let out = relance_e2e::validate::out_dir();
    let mut files = Vec::new();
    let mut embedded = std::collections::BTreeMap::new();
    for (name, doc) in documents() {
        let cii = doc.write(Syntax::Cii).unwrap_or_else(|e| panic!("{e}"));
        let pdf = relance_documents::pdf::facturx(&doc, &cii).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = relance_documents::pdf::facturx(&doc, &cii).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pdf, again, "{name}: the same record gives the same PDF");
        let path = out.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap_or_else(|e| panic!("{e}"));
        embedded.insert(path.to_string_lossy().to_string(), sha256_hex(&cii));
        files.push((name, path));
    }
    let paths: Vec<_> = files.iter().map(|(_, p)| p.clone()).collect();
    for verdict in relance_e2e::validate::facturx(&paths) {
        assert_eq!(verdict["problems"], json!([]), "{verdict}");
        let file = verdict["file"].as_str().unwrap_or_default();
        assert_eq!(
            verdict["xml_sha256"].as_str(),
            embedded.get(file).map(String::as_str),
            "{file}: the CII as written"
        );
    }
    for (name, path) in &files {
        let text = relance_e2e::validate::pdf_text(path);
        // Text extraction guesses spaces from glyph positions ("7 h" may
        // come out as "7h"): compare without any.
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let text = squash(&text);
        let (_, must, must_not) = MENTIONS
            .iter()
            .find(|(case, _, _)| case == name)
            .unwrap_or_else(|| panic!("no mentions listed for {name}"));
        for needle in *must {
            assert!(text.contains(&squash(needle)), "{name}.pdf lacks {needle:?}:\n{text}");
        }
        for needle in *must_not {
            assert!(!text.contains(&squash(needle)), "{name}.pdf says {needle:?}:\n{text}");
        }
        assert!(relance_e2e::validate::pdf_pictures(path) >= 1, "{name}: no page drawn");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_formal_notice_shows_each_invoices_interest_and_indemnity_and_a_consumer_gets_none() {
    use relance::domain::Locale;
    use relance::domain::notice::formal_notice;
    use relance_documents::letter::{Letter, notice_pdf};
    let invoice = |position, net, due| {
        let mut invoice = issue(
            seller(),
            french_business(),
            position,
            json!({ "category": "services", "lines": [
                { "description": "Entretien du four", "quantity": 1, "unit_price_minor": net, "vat_rate": "20" }
            ]}),
        );
        // Three invoices fallen due on three days.
        invoice.due_date = due;
        invoice
    };
    let a = invoice(31, 100_000, day(2026, 12, 16));
    let b = invoice(32, 45_000, day(2026, 11, 30));
    let mut c = invoice(33, 12_345, day(2027, 1, 5));
    c.paid_minor = 4_000;
    let dated = day(2027, 1, 20);
    let notice = formal_notice(&[&a, &b, &c], dated).unwrap_or_else(|| panic!("a business buyer gets a notice"));
    assert_eq!(notice.lines.len(), 3);
    // An independent computation: what is owed × the invoice's rate ×
    // the days since its due date / 365, in floating point.
    for (line, invoice, days) in [
        (&notice.lines[0], &a, 35),
        (&notice.lines[1], &b, 51),
        (&notice.lines[2], &c, 15),
    ] {
        let owed = invoice.totals.gross_minor - invoice.paid_minor;
        let rate = invoice.seller.terms.ecb_refinancing_rate_bp as f64
            + invoice.seller.terms.late_penalty_ecb_plus_points as f64 * 100.0;
        let expected = (owed as f64 * rate / 10_000.0 * days as f64 / 365.0).round() as i64;
        assert_eq!(
            (line.principal_minor, line.days_late, line.interest_minor),
            (owed, days, expected),
            "{}",
            line.number
        );
    }
    let buyer = french_business();
    let letter = Letter {
        notice: &notice,
        seller: &a.seller,
        buyer: &buyer,
        reference: "MED-2027-000001",
    };
    let pdf = notice_pdf(&letter).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        pdf,
        notice_pdf(&letter).unwrap_or_else(|e| panic!("{e}")),
        "the same figures, the same bytes"
    );
    let path = relance_e2e::validate::out_dir().join("formal-notice.pdf");
    std::fs::write(&path, &pdf).unwrap_or_else(|e| panic!("{e}"));
    let text = relance_e2e::validate::pdf_text(&path);
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let money =
        |minor: i64| squash(&relance::domain::Money::new(minor, relance::domain::Currency::EUR).format(Locale::Fr));
    for line in &notice.lines {
        let row = text
            .lines()
            .find(|l| l.contains(line.number.as_str()))
            .map(squash)
            .unwrap_or_else(|| panic!("no row for {}:\n{text}", line.number));
        for needle in [
            money(line.principal_minor),
            money(line.interest_minor),
            money(4_000),
            format!("{}j", line.days_late),
        ] {
            assert!(row.contains(&needle), "{} lacks {needle}: {row}", line.number);
        }
    }
    let all = squash(&text);
    for needle in [
        "Objet:miseendemeuredepayer".to_string(),
        "BoulangerieMartinSARL".to_string(),
        format!("Totalàpayer{}", money(notice.total_minor)),
        money(notice.indemnities_minor),
        "auplustardle28janvier2027".to_string(),
        "articleL441-10duCodedecommerce".to_string(),
        "ClaireFontaine".to_string(),
        "MED-2027-000001".to_string(),
    ] {
        assert!(all.contains(&needle), "the letter lacks {needle}:\n{text}");
    }
    assert!(relance_e2e::validate::pdf_pictures(&path) >= 1, "no page drawn");
    let mut consumer_invoice = invoice(34, 10_000, day(2026, 12, 1));
    consumer_invoice.buyer = consumer();
    assert_eq!(
        formal_notice(&[&consumer_invoice], dated),
        None,
        "a consumer never gets one"
    );
}

/// ISO 11649's check digits computed apart from relance's code: the
/// reference's digits as one big number, letters as two digits each.
fn rf_check_digits(body: &str) -> u32 {
    let digits: String = format!("{body}RF00")
        .chars()
        .map(|c| c.to_digit(36).map(|v| v.to_string()).unwrap_or_default())
        .collect();
    // 24 digits at a time fit a u128 with room for the carried rest.
    let rest = digits.as_bytes().chunks(24).fold(0u128, |rest, chunk| {
        let chunk = std::str::from_utf8(chunk).unwrap_or("0");
        let n: u128 = format!("{rest}{chunk}").parse().unwrap_or(0);
        n % 97
    });
    98 - rest as u32
}

#[test]
fn every_invoice_in_euros_carries_the_epc_qr_code_of_what_it_asks() {
    let out = relance_e2e::validate::out_dir();
    for (name, invoice) in invoices() {
        let doc = Document::invoice(&invoice);
        let cii = doc.write(Syntax::Cii).unwrap_or_else(|e| panic!("{e}"));
        let pdf = relance_documents::pdf::facturx(&doc, &cii).unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = out.join(format!("{name}-epc.pdf"));
        std::fs::write(&path, &pdf).unwrap_or_else(|e| panic!("{e}"));
        let codes = relance_e2e::validate::pdf_qr_codes(&path);
        let body: String = invoice
            .number
            .as_str()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let reference = format!("RF{:02}{body}", rf_check_digits(&body));
        let payable = invoice.totals.gross_minor - invoice.credits.iter().map(|c| c.amount_minor).sum::<i64>();
        let want = format!(
            "BCD\n002\n1\nSCT\nBNPAFRPPXXX\nAtelier Durand\nFR7630004000500000123456733\nEUR{}.{:02}\n\n{reference}",
            payable / 100,
            payable % 100
        );
        if invoice.currency.code() == "EUR" {
            assert_eq!(codes, vec![want], "{name}: the code a banking app reads");
            // The same reference is the one the XML carries (BT-83).
            assert!(
                text(&doc, Syntax::Cii).contains(&format!("<ram:PaymentReference>{reference}<")),
                "{name}"
            );
        } else {
            assert_eq!(codes, Vec::<String>::new(), "{name}: no EPC code outside the euro");
        }
    }
}
