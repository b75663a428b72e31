//! The human-readable invoice as a PDF/A-3b, with its CII embedded as
//! `factur-x.xml` and the Factur-X XMP: a Factur-X EN 16931 document that
//! people read and machines parse. Layout first (pure: pages of positioned
//! text and rules), then drawing with krilla; Noto Sans is embedded, so the
//! document looks the same everywhere and for ever.

use std::sync::LazyLock;

use krilla::configure::{Archival, Configuration, ConfigurationBuilder};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document as Pdf, SerializeSettings};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

use crate::model::{Document, Kind, Party};
use relance::domain::Locale;
use relance::view::format_date;

pub(crate) const WIDTH: f32 = 595.0;
pub(crate) const HEIGHT: f32 = 842.0;
pub(crate) const LEFT: f32 = 50.0;
pub(crate) const RIGHT: f32 = WIDTH - 50.0;
const BOTTOM: f32 = HEIGHT - 60.0;

pub(crate) static REGULAR: LazyLock<Option<Font>> = LazyLock::new(|| Font::new(ttf_noto_sans::REGULAR.into(), 0));
/// Bold is the regular face filled and stroked (text rendering mode 2):
/// still text a reader can copy and search, and one font file instead of
/// two in a function whose size is counted.
const BOLD_STROKE: f32 = 0.03;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// One piece of text at a place: `x` is its left edge, or its right edge
/// when `right` is set; `y` is the baseline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) size: f32,
    pub(crate) bold: bool,
    pub(crate) grey: bool,
    pub(crate) right: bool,
    pub(crate) text: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Page {
    pub(crate) texts: Vec<Text>,
    /// Horizontal rules: (y, from x, to x).
    rules: Vec<(f32, f32, f32)>,
    /// Filled black squares (a QR code's modules): (x, y, side).
    squares: Vec<(f32, f32, f32)>,
}

fn face() -> &'static [u8] {
    ttf_noto_sans::REGULAR
}

/// The width of `text` in points, from the font's own advances (a bold
/// run is wider by its stroke).
pub(crate) fn width(text: &str, size: f32, bold: bool) -> f32 {
    let stroke = if bold { size * BOLD_STROKE } else { 0.0 };
    let Ok(font) = skrifa::FontRef::new(face()) else {
        return 0.0;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    let advances: f32 = text
        .chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size * 0.5)
        })
        .sum();
    advances + stroke
}

/// The glyphs of `text`, one per character, with the font's advances in
/// em units. Invoices are Latin text without ligatures, so mapping
/// characters to glyphs is the whole of shaping (and saves a shaper).
fn glyphs(text: &str) -> Vec<KrillaGlyph> {
    let Ok(font) = skrifa::FontRef::new(face()) else {
        return Vec::new();
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
    let per_em = f32::from(font.metrics(Size::unscaled(), LocationRef::default()).units_per_em).max(1.0);
    text.char_indices()
        .map(|(at, c)| {
            let id = charmap.map(c).unwrap_or_default();
            let advance = metrics.advance_width(id).unwrap_or(per_em / 2.0) / per_em;
            KrillaGlyph::new(
                GlyphId::new(id.to_u32()),
                advance,
                0.0,
                0.0,
                0.0,
                at..at + c.len_utf8(),
                None,
            )
        })
        .collect()
}

/// Words laid into lines no wider than `max`.
pub(crate) fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && width(&candidate, size, bold) > max {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// "1234.50" as the reader writes it: "1 234,50 €" or "€1,234.50".
fn money(amount: &str, currency: &str, locale: Locale) -> String {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let (sign, whole) = whole.strip_prefix('-').map_or(("", whole), |w| ("-", w));
    let digits: Vec<char> = whole.chars().collect();
    let separator = match locale {
        Locale::Fr => '\u{a0}',
        Locale::En => ',',
    };
    let mut grouped = String::new();
    for (i, d) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(*d);
    }
    let symbol = if currency == "EUR" { "€" } else { currency };
    match (locale, fraction.is_empty()) {
        (Locale::Fr, true) => format!("{sign}{grouped}\u{a0}{symbol}"),
        (Locale::Fr, false) => format!("{sign}{grouped},{fraction}\u{a0}{symbol}"),
        (Locale::En, true) => format!("{sign}{symbol}{grouped}"),
        (Locale::En, false) => format!("{sign}{symbol}{grouped}.{fraction}"),
    }
}

/// An IBAN in groups of four, as banks print it.
fn grouped(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn decimal(value: &str, locale: Locale) -> String {
    match locale {
        Locale::Fr => value.replace('.', ","),
        Locale::En => value.to_string(),
    }
}

fn percent(value: &str, locale: Locale) -> String {
    match locale {
        Locale::Fr => format!("{}\u{a0}%", decimal(value, locale)),
        Locale::En => format!("{value}%"),
    }
}

/// The words of the document in its reader's language.
struct Words {
    title: &'static str,
    number: &'static str,
    issued: &'static str,
    due: &'static str,
    delivered: &'static str,
    billed_to: &'static str,
    delivered_to: &'static str,
    order: &'static str,
    service: &'static str,
    corrects: &'static str,
    columns: [&'static str; 6],
    total_net: &'static str,
    vat_on: &'static str,
    total_gross: &'static str,
    prepaid: &'static str,
    payable: &'static str,
    credited: &'static str,
    transfer: &'static str,
    reference: &'static str,
    scan: &'static str,
    vat: &'static str,
    page: &'static str,
}

fn words(locale: Locale, kind: Kind) -> Words {
    match locale {
        Locale::Fr => Words {
            title: if kind == Kind::Invoice { "Facture" } else { "Avoir" },
            number: "N°",
            issued: "Date d'émission",
            due: "Échéance",
            delivered: "Date de la vente ou de la prestation",
            billed_to: if kind == Kind::Invoice { "Facturé à" } else { "Client" },
            delivered_to: "Livré à",
            order: "Bon de commande",
            service: "Code service",
            corrects: "Avoir sur la facture",
            columns: [
                "Désignation",
                "Quantité",
                "Prix unitaire HT",
                "Remise",
                "TVA",
                "Total HT",
            ],
            total_net: "Total HT",
            vat_on: "TVA {rate} sur {base}",
            total_gross: "Total TTC",
            prepaid: "Avoir déduit",
            payable: "Net à payer",
            credited: "Montant de l'avoir TTC",
            transfer: "Virement SEPA :",
            reference: "Référence à indiquer dans le virement :",
            scan: "Scannez ce code avec l'application de votre banque : le virement se remplit tout seul, montant et référence compris.",
            vat: "TVA",
            page: "Page",
        },
        Locale::En => Words {
            title: if kind == Kind::Invoice {
                "Invoice"
            } else {
                "Credit note"
            },
            number: "No.",
            issued: "Issue date",
            due: "Due date",
            delivered: "Date of sale or service",
            billed_to: if kind == Kind::Invoice { "Billed to" } else { "Customer" },
            delivered_to: "Delivered to",
            order: "Purchase order",
            service: "Service code",
            corrects: "Credit note on invoice",
            columns: ["Description", "Quantity", "Unit price", "Discount", "VAT", "Net amount"],
            total_net: "Total excl. VAT",
            vat_on: "VAT {rate} on {base}",
            total_gross: "Total incl. VAT",
            prepaid: "Credit note deducted",
            payable: "Amount due",
            credited: "Credit note total incl. VAT",
            transfer: "SEPA credit transfer:",
            reference: "Reference to quote in the transfer:",
            scan: "Scan this code with your banking app: the transfer fills itself in, amount and reference included.",
            vat: "VAT",
            page: "Page",
        },
    }
}

/// Pages being laid out, and where the next line goes.
pub(crate) struct Layout {
    pub(crate) pages: Vec<Page>,
    pub(crate) y: f32,
}

impl Layout {
    pub(crate) fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(crate) fn text(&mut self, x: f32, size: f32, bold: bool, text: impl Into<String>) {
        let y = self.y;
        self.page().texts.push(Text {
            x,
            y,
            size,
            bold,
            grey: false,
            right: false,
            text: text.into(),
        });
    }

    pub(crate) fn right(&mut self, x: f32, size: f32, bold: bool, text: impl Into<String>) {
        let y = self.y;
        self.page().texts.push(Text {
            x,
            y,
            size,
            bold,
            grey: false,
            right: true,
            text: text.into(),
        });
    }

    pub(crate) fn grey(&mut self, x: f32, size: f32, text: impl Into<String>) {
        let y = self.y;
        self.page().texts.push(Text {
            x,
            y,
            size,
            bold: false,
            grey: true,
            right: false,
            text: text.into(),
        });
    }

    pub(crate) fn rule(&mut self, from: f32, to: f32) {
        let y = self.y;
        self.page().rules.push((y, from, to));
    }

    /// Room for `height` more points on this page, or a new page.
    pub(crate) fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Page::default());
            self.y = 60.0;
        }
    }

    pub(crate) fn down(&mut self, by: f32) {
        self.y += by;
    }
}

fn party_lines(p: &Party, w: &Words) -> Vec<String> {
    let mut lines: Vec<String> = p.address.lines.clone();
    lines.push(format!("{} {}", p.address.postal_code, p.address.city));
    if p.address.country != "FR" {
        lines.push(p.address.country.clone());
    }
    if let Some(siren) = &p.siren {
        lines.push(format!("SIREN {siren}"));
    }
    if let Some(vat) = &p.vat_number {
        lines.push(format!("{} {vat}", w.vat));
    }
    lines
}

fn heading(l: &mut Layout, doc: &Document, w: &Words) {
    let locale = doc.locale;
    // The seller, top left; the document, top right.
    l.text(LEFT, 15.0, true, &doc.seller.name);
    l.right(RIGHT, 20.0, true, w.title);
    l.down(16.0);
    let mut seller_lines = party_lines(&doc.seller, w);
    if let Some(info) = &doc.seller.legal_information {
        seller_lines.push(info.clone());
    }
    if let Some(c) = &doc.seller.contact {
        seller_lines.push(c.name.clone());
        seller_lines.extend(c.email.clone());
        seller_lines.extend(c.phone.clone());
    }
    let mut facts = vec![
        format!("{} {}", w.number, doc.number),
        format!("{} : {}", w.issued, format_date(doc.issue_date, locale)),
    ];
    if let Some(day) = doc.delivery_date {
        facts.push(format!("{} : {}", w.delivered, format_date(day, locale)));
    }
    if let Some(due) = doc.due_date {
        facts.push(format!("{} : {}", w.due, format_date(due, locale)));
    }
    if let Some((number, day)) = &doc.preceding {
        facts.push(format!("{} {number} ({})", w.corrects, format_date(*day, locale)));
    }
    let facts: Vec<String> = facts
        .into_iter()
        .map(|f| {
            if locale == Locale::En {
                f.replace(" : ", ": ")
            } else {
                f
            }
        })
        .collect();
    for i in 0..seller_lines.len().max(facts.len()) {
        if let Some(s) = seller_lines.get(i) {
            l.text(LEFT, 8.5, false, s);
        }
        if let Some(f) = facts.get(i) {
            l.right(RIGHT, 9.0, i == 0, f);
        }
        l.down(11.5);
    }
}

fn parties(l: &mut Layout, doc: &Document, w: &Words) {
    let locale = doc.locale;
    // The buyer, and where the goods went when it is elsewhere.
    l.down(12.0);
    let middle = LEFT + 260.0;
    l.grey(LEFT, 8.0, w.billed_to);
    let delivered_elsewhere = doc.deliver_to.as_ref().filter(|a| **a != doc.buyer.address);
    if delivered_elsewhere.is_some() {
        l.grey(middle, 8.0, w.delivered_to);
    }
    l.down(12.0);
    l.text(LEFT, 10.5, true, &doc.buyer.name);
    l.down(12.5);
    let buyer_lines = party_lines(&doc.buyer, w);
    let ship_lines: Vec<String> = delivered_elsewhere
        .map(|a| {
            let mut v = a.lines.clone();
            v.push(format!("{} {}", a.postal_code, a.city));
            v.push(a.country.clone());
            v
        })
        .unwrap_or_default();
    for i in 0..buyer_lines.len().max(ship_lines.len()) {
        if let Some(b) = buyer_lines.get(i) {
            l.text(LEFT, 9.0, false, b);
        }
        if let Some(s) = ship_lines.get(i) {
            l.text(middle, 9.0, false, s);
        }
        l.down(11.5);
    }
    for (label, value) in [(w.order, &doc.order_reference), (w.service, &doc.buyer_reference)] {
        if let Some(value) = value {
            let colon = if locale == Locale::Fr { " :" } else { ":" };
            l.text(LEFT, 9.0, false, format!("{label}{colon} {value}"));
            l.down(11.5);
        }
    }
}

fn lines(l: &mut Layout, doc: &Document, w: &Words) {
    let locale = doc.locale;
    let cur = |amount: &str| money(amount, doc.currency, locale);
    // The lines.
    l.down(14.0);
    let columns = [LEFT, 330.0, 405.0, 445.0, 485.0, RIGHT];
    let header = |l: &mut Layout| {
        l.text(columns[0], 8.0, true, w.columns[0]);
        for (i, name) in w.columns.iter().enumerate().skip(1) {
            l.right(columns[i], 8.0, true, *name);
        }
        l.down(5.0);
        l.rule(LEFT, RIGHT);
        l.down(12.0);
    };
    header(l);
    for line in &doc.lines {
        let described = wrap(&line.name, 9.0, false, 215.0);
        l.room(12.0 * described.len() as f32 + 6.0);
        if l.y < 70.0 {
            header(l);
        }
        let quantity = match line.unit_label {
            Some(unit) => format!("{} {unit}", decimal(&line.quantity, locale)),
            None => decimal(&line.quantity, locale),
        };
        l.right(columns[1], 9.0, false, quantity);
        l.right(columns[2], 9.0, false, cur(&line.net_price));
        l.right(
            columns[3],
            9.0,
            false,
            line.discount.as_deref().map(|d| percent(d, locale)).unwrap_or_default(),
        );
        let rate = if line.category == relance::domain::vat::VatCategory::OutsideScope {
            "—".to_string()
        } else {
            percent(&line.rate, locale)
        };
        l.right(columns[4], 9.0, false, rate);
        l.right(columns[5], 9.0, false, cur(&line.net_amount));
        for text in described {
            l.text(columns[0], 9.0, false, text);
            l.down(12.0);
        }
        l.down(3.0);
    }
    l.rule(LEFT, RIGHT);
    l.down(16.0);
}

fn totals(l: &mut Layout, doc: &Document, w: &Words) {
    let locale = doc.locale;
    let cur = |amount: &str| money(amount, doc.currency, locale);
    // The totals, right.
    let label_x = 470.0;
    let t = &doc.totals;
    l.room(120.0);
    l.right(label_x, 9.5, false, w.total_net);
    l.right(RIGHT, 9.5, false, cur(&t.lines));
    l.down(13.0);
    for b in &doc.breakdown {
        let label = w
            .vat_on
            .replace("{rate}", &percent(&b.rate, locale))
            .replace("{base}", &cur(&b.base));
        l.right(label_x, 9.5, false, label);
        l.right(RIGHT, 9.5, false, cur(&b.vat));
        l.down(13.0);
    }
    l.right(
        label_x,
        10.0,
        true,
        if doc.kind == Kind::Invoice {
            w.total_gross
        } else {
            w.credited
        },
    );
    l.right(RIGHT, 10.0, true, cur(&t.grand));
    l.down(13.0);
    if let Some(prepaid) = &t.prepaid {
        l.right(label_x, 9.5, false, w.prepaid);
        l.right(RIGHT, 9.5, false, format!("−{}", cur(prepaid)));
        l.down(13.0);
        l.right(label_x, 10.5, true, w.payable);
        l.right(RIGHT, 10.5, true, cur(&t.payable));
        l.down(13.0);
    }
}

fn exemptions(l: &mut Layout, doc: &Document) {
    // Why no VAT is charged, where it is not.
    l.down(6.0);
    for b in &doc.breakdown {
        if let Some((_, mention)) = b.exemption {
            for text in wrap(mention, 9.0, true, RIGHT - LEFT) {
                l.room(12.0);
                l.text(LEFT, 9.0, true, text);
                l.down(12.0);
            }
        }
    }
}

fn payment(l: &mut Layout, doc: &Document, w: &Words) {
    // How to pay.
    l.down(6.0);
    if let Some(means) = doc.payment_means.first() {
        let account = [
            means.iban.as_deref().map(|i| format!("IBAN {}", grouped(i))),
            means.bic.as_deref().map(|b| format!("BIC {b}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" — ");
        for text in wrap(&format!("{} {account}", w.transfer), 9.0, false, RIGHT - LEFT) {
            l.room(12.0);
            l.text(LEFT, 9.0, false, text);
            l.down(12.0);
        }
        // The reference on a line of its own, never wrapped in the middle:
        // it is what the customer copies into the transfer.
        if let Some(r) = doc.remittance.as_deref() {
            let printed =
                relance::domain::bank::CreditorReference::parse(r).map_or_else(|_| r.to_string(), |c| c.grouped());
            l.room(12.0);
            l.text(LEFT, 9.0, true, format!("{} {printed}", w.reference));
            l.down(12.0);
        }
    }
    if let Some(terms) = &doc.payment_terms {
        l.room(12.0);
        l.text(LEFT, 9.0, false, terms);
        l.down(12.0);
    }
    if let Some(epc) = &doc.epc {
        qr_code(l, epc, w);
    }
}

/// The EPC QR code, with a line saying what it does: a banking app scans
/// it and the transfer is filled in. 1.8 pt modules keep it above the
/// 2 cm the EPC asks for.
fn qr_code(l: &mut Layout, payload: &str, w: &Words) {
    const MODULE: f32 = 1.8;
    let Some((width, dark)) = relance::view::qr::modules(payload) else {
        return;
    };
    let side = width as f32 * MODULE;
    l.down(6.0);
    l.room(side + 8.0);
    let top = l.y;
    for (x, y) in dark {
        let square = (LEFT + x as f32 * MODULE, top + y as f32 * MODULE, MODULE);
        l.page().squares.push(square);
    }
    let text_x = LEFT + side + 12.0;
    for (i, text) in wrap(w.scan, 9.0, false, RIGHT - text_x).into_iter().enumerate() {
        l.y = top + 10.0 + 12.0 * i as f32;
        l.text(text_x, 9.0, false, text);
    }
    l.y = top + side + 8.0;
}

fn mentions(l: &mut Layout, doc: &Document) {
    // The mentions the law asks for.
    l.down(8.0);
    for (_, note) in &doc.notes {
        for text in wrap(note, 8.0, false, RIGHT - LEFT) {
            l.room(10.5);
            l.grey(LEFT, 8.0, text);
            l.down(10.5);
        }
    }
}

/// The pages, laid out: a pure function of the document.
fn layout(doc: &Document) -> Layout {
    let w = words(doc.locale, doc.kind);
    let mut l = Layout {
        pages: Vec::new(),
        y: 62.0,
    };
    heading(&mut l, doc, &w);
    parties(&mut l, doc, &w);
    lines(&mut l, doc, &w);
    totals(&mut l, doc, &w);
    exemptions(&mut l, doc);
    payment(&mut l, doc, &w);
    mentions(&mut l, doc);
    // Page numbers, once the count is known.
    let count = l.pages.len();
    for (i, page) in l.pages.iter_mut().enumerate() {
        page.texts.push(Text {
            x: RIGHT,
            y: HEIGHT - 30.0,
            size: 7.5,
            bold: false,
            grey: true,
            right: true,
            text: format!("{} — {} {}/{count}", doc.number, w.page, i + 1),
        });
    }
    l
}

pub(crate) fn date(day: chrono::NaiveDate) -> DateTime {
    use chrono::Datelike;
    DateTime::new(u16::try_from(day.year()).unwrap_or(2000))
        .month(u8::try_from(day.month()).unwrap_or(1))
        .day(u8::try_from(day.day()).unwrap_or(1))
}

pub(crate) fn configuration() -> Result<Configuration, PdfError> {
    ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The Factur-X PDF: the document drawn, the CII embedded, PDF/A-3b.
pub fn facturx(doc: &Document, cii: &[u8]) -> Result<Vec<u8>, PdfError> {
    let w = words(doc.locale, doc.kind);
    let issued = date(doc.issue_date);
    let (mut pdf, regular) = start(
        format!("{} {}", w.title, doc.number),
        doc.seller.name.clone(),
        doc.locale,
        doc.issue_date,
    )?;
    draw(&mut pdf, &layout(doc).pages, &regular)?;
    pdf.embed_file(EmbeddedFile {
        path: "factur-x.xml".into(),
        mime_type: MimeType::new("text/xml"),
        description: Some("Factur-X EN 16931 (CII D16B)".into()),
        association_kind: AssociationKind::Alternative,
        data: cii.to_vec().into(),
        modification_date: Some(issued),
        compress: Some(true),
        location: None,
    })
    .ok_or_else(|| PdfError::Write("the XML could not be embedded".into()))?;
    let bytes = pdf.finish().map_err(|e| PdfError::Write(format!("{e:?}")))?;
    crate::xmp::with_facturx(bytes)
}

/// A PDF/A-3b document with its metadata, and the embedded face.
pub(crate) fn start(
    title: String,
    author: String,
    locale: Locale,
    day: chrono::NaiveDate,
) -> Result<(Pdf, Font), PdfError> {
    let Some(regular) = REGULAR.clone() else {
        return Err(PdfError::Font);
    };
    let settings = SerializeSettings {
        configuration: configuration()?,
        ..SerializeSettings::default()
    };
    let mut pdf = Pdf::new_with(settings);
    pdf.set_metadata(
        Metadata::new()
            .title(title)
            .authors(vec![author])
            .language(locale.code().to_string())
            .creator("relance".to_string())
            .creation_date(date(day)),
    );
    Ok((pdf, regular))
}

/// Draws laid-out pages: rules, then text in the embedded face (bold as
/// the regular face filled and stroked).
pub(crate) fn draw(pdf: &mut Pdf, pages: &[Page], regular: &Font) -> Result<(), PdfError> {
    for page in pages {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT).ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut p = pdf.start_page_with(settings);
        let mut surface = p.surface();
        for (y, from, to) in &page.rules {
            let mut path = PathBuilder::new();
            path.move_to(*from, *y);
            path.line_to(*to, *y);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: 0.6,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        if !page.squares.is_empty() {
            let mut path = PathBuilder::new();
            for (x, y, side) in &page.squares {
                if let Some(rect) = krilla::geom::Rect::from_xywh(*x, *y, *side, *side) {
                    path.push_rect(rect);
                }
            }
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill::default()));
                surface.draw_path(&path);
            }
        }
        for t in &page.texts {
            let x = if t.right {
                t.x - width(&t.text, t.size, t.bold)
            } else {
                t.x
            };
            let grey = krilla::color::rgb::Color::new(85, 85, 85);
            let black = krilla::color::rgb::Color::new(20, 20, 20);
            let color = if t.grey { grey } else { black };
            surface.set_fill(Some(Fill {
                paint: color.into(),
                ..Fill::default()
            }));
            surface.set_stroke(t.bold.then(|| Stroke {
                paint: color.into(),
                width: t.size * BOLD_STROKE,
                ..Stroke::default()
            }));
            surface.draw_glyphs(
                Point::from_xy(x, t.y),
                &glyphs(&t.text),
                regular.clone(),
                &t.text,
                t.size,
                false,
            );
            surface.set_stroke(None);
        }
        surface.finish();
        p.finish();
    }
    Ok(())
}
