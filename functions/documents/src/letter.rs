//! The formal notice to pay as a PDF/A-3b letter: who writes to whom, the
//! invoices concerned with the interest and indemnity each bears, the
//! amount and the date to pay by, how to pay, and the named person who
//! signs. Firm in substance, plain and courteous in words: it still offers
//! a conversation. Laid out like the invoices (the same face and drawing),
//! purely from its figures.

use crate::pdf::{HEIGHT, LEFT, Layout, PdfError, RIGHT, Text, draw, start, wrap};
use relance::domain::notice::FormalNotice;
use relance::domain::{Customer, Locale, Money, Seller};
use relance::view::format_date;

/// Everything the letter says.
pub struct Letter<'a> {
    pub notice: &'a FormalNotice,
    pub seller: &'a Seller,
    pub buyer: &'a Customer,
    /// The letter's own reference, printed and quoted in the transfer.
    pub reference: &'a str,
}

struct Words {
    title: &'static str,
    subject: &'static str,
    dear: &'static str,
    columns: [&'static str; 7],
    principal: &'static str,
    interest: &'static str,
    indemnities: &'static str,
    total: &'static str,
    transfer: &'static str,
    page: &'static str,
}

fn words(locale: Locale) -> Words {
    match locale {
        Locale::Fr => Words {
            title: "Mise en demeure de payer",
            subject: "Objet : mise en demeure de payer",
            dear: "Madame, Monsieur,",
            columns: [
                "Facture",
                "Échéance",
                "Reste dû",
                "Retard",
                "Taux",
                "Intérêts",
                "Indemnité",
            ],
            principal: "Factures restant dues",
            interest: "Intérêts de retard",
            indemnities: "Indemnités forfaitaires de recouvrement",
            total: "Total à payer",
            transfer: "Virement SEPA :",
            page: "page",
        },
        Locale::En => Words {
            title: "Formal notice to pay",
            subject: "Subject: formal notice to pay",
            dear: "Dear Sir or Madam,",
            columns: ["Invoice", "Due", "Still owed", "Late", "Rate", "Interest", "Indemnity"],
            principal: "Invoices still owed",
            interest: "Late-payment interest",
            indemnities: "Fixed recovery indemnities",
            total: "Total to pay",
            transfer: "SEPA credit transfer:",
            page: "page",
        },
    }
}

fn percent(bp: u64, locale: Locale) -> String {
    let text = format!("{}.{:02}", bp / 100, bp % 100);
    let text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    match locale {
        Locale::Fr => format!("{} %", text.replace('.', ",")),
        Locale::En => format!("{text}%"),
    }
}

/// The letter's paragraphs, in the buyer's language.
fn paragraphs(letter: &Letter<'_>, total: &str, pay_by: &str) -> (Vec<String>, Vec<String>) {
    let n = letter.notice.lines.len();
    let s = letter.seller;
    let points = s.terms.late_penalty_ecb_plus_points;
    match letter.buyer.locale {
        Locale::Fr => (
            vec![format!(
                "Malgré nos précédents rappels, {} ci-dessous {} impayée{} à ce jour. Par la présente, nous vous mettons en demeure de nous régler la somme de {total} au plus tard le {pay_by}.",
                if n > 1 { format!("les {n} factures") } else { "la facture".into() },
                if n > 1 { "restent" } else { "reste" },
                if n > 1 { "s" } else { "" },
            )],
            vec![
                format!(
                    "Les intérêts de retard sont calculés au taux de pénalité prévu par nos conditions et rappelé sur chaque facture (taux de refinancement de la BCE majoré de {points} points), du lendemain de l'échéance à la date de cette lettre ; ils continuent de courir jusqu'au paiement. L'indemnité forfaitaire pour frais de recouvrement de 40 € est due pour chaque facture payée en retard (article L441-10 du Code de commerce)."
                ),
                "À défaut de paiement à cette date, nous pourrons engager une procédure de recouvrement sans autre avis.".into(),
                format!(
                    "Si vous rencontrez une difficulté, ou si vous estimez qu'une de ces sommes n'est pas due, appelez-moi au {} ou écrivez-moi à {} : nous préférons de loin trouver une solution avec vous.",
                    s.contact.phone, s.contact.email
                ),
                "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.".into(),
            ],
        ),
        Locale::En => (
            vec![format!(
                "Despite our earlier reminders, {} below {} unpaid to date. We hereby give you formal notice to pay us {total} by {pay_by} at the latest.",
                if n > 1 { format!("the {n} invoices") } else { "the invoice".into() },
                if n > 1 { "remain" } else { "remains" },
            )],
            vec![
                format!(
                    "Late-payment interest is computed at the penalty rate of our terms, stated on each invoice (the ECB refinancing rate plus {points} points), from the day after the due date to the date of this letter; it keeps running until payment. The fixed recovery indemnity of €40 is due for each invoice paid late (French Commercial Code, article L441-10)."
                ),
                "Without payment by that date, we may start recovery proceedings without further notice.".into(),
                format!(
                    "If you are facing a difficulty, or believe any of these amounts is not owed, call me on {} or write to {}: we would much rather find a solution with you.",
                    s.contact.phone, s.contact.email
                ),
                "Yours faithfully,".into(),
            ],
        ),
    }
}

fn layout(letter: &Letter<'_>) -> Layout {
    let locale = letter.buyer.locale;
    let w = words(locale);
    let notice = letter.notice;
    let money = |minor: i64| Money::new(minor, notice.currency).format(locale);
    let s = letter.seller;
    let b = letter.buyer;
    let mut l = Layout {
        pages: Vec::new(),
        y: 62.0,
    };
    l.text(LEFT, 15.0, true, &s.legal_name);
    l.down(16.0);
    let mut from: Vec<String> = s.address.lines.clone();
    from.push(format!("{} {}", s.address.postal_code, s.address.city));
    from.push(format!("SIREN {}", s.siren));
    from.push(s.contact.email.to_string());
    from.push(s.contact.phone.clone());
    for line in from {
        l.text(LEFT, 8.5, false, line);
        l.down(11.5);
    }
    // The addressee, where a window envelope would show it.
    l.down(14.0);
    let to_x = LEFT + 290.0;
    let mut to: Vec<String> = Vec::new();
    to.extend(b.company_name.clone());
    to.push(match locale {
        Locale::Fr => format!("À l'attention de {}", b.contact_name),
        Locale::En => format!("For the attention of {}", b.contact_name),
    });
    to.extend(b.billing_address.lines.clone());
    to.push(format!("{} {}", b.billing_address.postal_code, b.billing_address.city));
    for (i, line) in to.iter().enumerate() {
        l.text(to_x, 9.5, i == 0, line);
        l.down(12.5);
    }
    l.down(16.0);
    let dated = format_date(notice.dated, locale);
    l.right(
        RIGHT,
        9.5,
        false,
        match locale {
            Locale::Fr => format!("{}, le {dated}", s.address.city),
            Locale::En => format!("{}, {dated}", s.address.city),
        },
    );
    l.down(13.0);
    l.right(
        RIGHT,
        8.5,
        false,
        match locale {
            Locale::Fr => format!("Réf. {}", letter.reference),
            Locale::En => format!("Ref. {}", letter.reference),
        },
    );
    l.down(22.0);
    l.text(LEFT, 11.0, true, w.subject);
    l.down(22.0);
    l.text(LEFT, 9.5, false, w.dear);
    l.down(18.0);
    let total = money(notice.total_minor);
    let pay_by = format_date(notice.pay_by, locale);
    let (before, after) = paragraphs(letter, &total, &pay_by);
    let body = RIGHT - LEFT;
    let paragraph = |l: &mut Layout, text: &str| {
        for line in wrap(text, 9.5, false, body) {
            l.room(13.0);
            l.text(LEFT, 9.5, false, line);
            l.down(13.0);
        }
        l.down(7.0);
    };
    for p in &before {
        paragraph(&mut l, p);
    }
    // The invoices, one row each.
    let columns = [
        LEFT,
        LEFT + 82.0,
        LEFT + 245.0,
        LEFT + 292.0,
        LEFT + 345.0,
        LEFT + 420.0,
        RIGHT,
    ];
    l.room(40.0);
    for (i, head) in w.columns.iter().enumerate() {
        if i == 0 || i == 1 {
            l.grey(columns[i], 8.0, *head);
        } else {
            let y = l.y;
            l.page().texts.push(Text {
                x: columns[i],
                y,
                size: 8.0,
                bold: false,
                grey: true,
                right: true,
                text: (*head).to_string(),
            });
        }
    }
    l.down(5.0);
    l.rule(LEFT, RIGHT);
    l.down(12.0);
    for line in &notice.lines {
        l.room(14.0);
        l.text(columns[0], 9.0, false, line.number.to_string());
        l.text(columns[1], 9.0, false, format_date(line.due_date, locale));
        l.right(columns[2], 9.0, false, money(line.principal_minor));
        l.right(
            columns[3],
            9.0,
            false,
            match locale {
                Locale::Fr => format!("{} j", line.days_late),
                Locale::En => format!("{} d", line.days_late),
            },
        );
        l.right(columns[4], 9.0, false, percent(line.rate_bp, locale));
        l.right(columns[5], 9.0, false, money(line.interest_minor));
        l.right(columns[6], 9.0, false, money(line.indemnity_minor));
        l.down(14.0);
    }
    l.rule(LEFT, RIGHT);
    l.down(14.0);
    for (label, amount, bold) in [
        (w.principal, notice.principal_minor, false),
        (w.interest, notice.interest_minor, false),
        (w.indemnities, notice.indemnities_minor, false),
        (w.total, notice.total_minor, true),
    ] {
        l.room(14.0);
        l.right(LEFT + 400.0, 9.5, bold, label);
        l.right(RIGHT, 9.5, bold, money(amount));
        l.down(14.0);
    }
    l.down(10.0);
    l.room(30.0);
    l.text(
        LEFT,
        9.0,
        false,
        format!(
            "{} IBAN {} · BIC {} · {} {}",
            w.transfer,
            s.payment.iban,
            s.payment.bic,
            match locale {
                Locale::Fr => "référence",
                Locale::En => "reference",
            },
            letter.reference
        ),
    );
    l.down(20.0);
    for p in &after {
        paragraph(&mut l, p);
    }
    l.down(8.0);
    l.room(30.0);
    l.text(LEFT + 290.0, 9.5, true, &s.contact.name);
    l.down(12.5);
    l.text(
        LEFT + 290.0,
        9.0,
        false,
        format!(
            "{}, {}",
            capitalise(match locale {
                Locale::Fr => &s.contact.role_fr,
                Locale::En => &s.contact.role_en,
            }),
            s.legal_name
        ),
    );
    let count = l.pages.len();
    for (i, page) in l.pages.iter_mut().enumerate() {
        page.texts.push(Text {
            x: RIGHT,
            y: HEIGHT - 30.0,
            size: 7.5,
            bold: false,
            grey: true,
            right: true,
            text: format!("{} — {} {}/{count}", letter.reference, w.page, i + 1),
        });
    }
    l
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The letter as a PDF/A-3b; the same figures always give the same bytes.
pub fn notice_pdf(letter: &Letter<'_>) -> Result<Vec<u8>, PdfError> {
    let w = words(letter.buyer.locale);
    let (mut pdf, regular) = start(
        format!("{} {}", w.title, letter.reference),
        letter.seller.legal_name.clone(),
        letter.buyer.locale,
        letter.notice.dated,
    )?;
    draw(&mut pdf, &layout(letter).pages, &regular)?;
    pdf.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}
