//! A customer's email answer to one of ours, once its MIME is read: is it a
//! person or an automatic reply, when is an absent customer back, does it
//! say the invoice is paid, and which of our messages it answers. Pure:
//! the adapter (`inbound.rs`) parses the MIME and hands the parts here.

use chrono::{Datelike, Duration, NaiveDate};
use ulid::Ulid;

/// The parts of a received message the decisions read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Incoming {
    /// The sender's address, lowercased.
    pub from: String,
    /// Every recipient address (To and Cc), lowercased.
    pub to: Vec<String>,
    pub subject: String,
    /// `Auto-Submitted`, `X-Autoreply`, `X-Autorespond`, `Precedence`:
    /// (name lowercased, value) for those present.
    pub auto_headers: Vec<(String, String)>,
    /// The text the customer wrote, without the quoted message below it.
    pub text: String,
    /// The day it was received (in Paris), to place a return date.
    pub received: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// A person wrote: a person answers. `says_paid` when the text says
    /// the invoice was already paid, for finance to check first.
    Person { says_paid: bool },
    /// An automatic answer: nothing to answer, and when it gives a return
    /// date the next reminder waits for it.
    Automatic { back_on: Option<NaiveDate> },
}

/// What the message is.
pub fn classify(incoming: &Incoming) -> Reply {
    if is_automatic(incoming) {
        Reply::Automatic {
            back_on: return_date(&incoming.text, incoming.received),
        }
    } else {
        Reply::Person {
            says_paid: says_paid(&incoming.text),
        }
    }
}

/// RFC 3834's `Auto-Submitted` (anything but `no`), the older
/// `X-Autoreply`/`X-Autorespond`, `Precedence: auto_reply`, or an
/// out-of-office subject in French or English.
fn is_automatic(incoming: &Incoming) -> bool {
    let header = incoming.auto_headers.iter().any(|(name, value)| match name.as_str() {
        "auto-submitted" => !value.trim().eq_ignore_ascii_case("no"),
        "x-autoreply" | "x-autorespond" => true,
        "precedence" => matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "auto_reply" | "bulk" | "junk"
        ),
        _ => false,
    });
    let subject = fold(&incoming.subject);
    header
        || [
            "absence",
            "absent",
            "out of office",
            "out of the office",
            "automatic reply",
            "auto reply",
            "autoreply",
            "reponse automatique",
            "message automatique",
        ]
        .iter()
        .any(|s| subject.contains(s))
}

/// Lowercase, without accents, single spaces: what the word lists match.
fn fold(text: &str) -> String {
    deunicode::deunicode(text)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn says_paid(text: &str) -> bool {
    let text = fold(text);
    [
        "deja paye",
        "deja regle",
        "deja ete paye",
        "deja ete regle",
        "avons regle",
        "avons paye",
        "ai regle",
        "ai paye",
        "virement a ete effectue",
        "virement effectue",
        "virement a ete fait",
        "already paid",
        "already been paid",
        "already settled",
        "we paid",
        "i paid",
        "payment was sent",
        "payment has been sent",
        "payment was made",
        "payment has been made",
        "transfer was made",
    ]
    .iter()
    .any(|s| text.contains(s))
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];
const MONTHS_EN: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The day an absent customer is back, from the first date after "de
/// retour", "retour le", "back on", "return on", "until"… in the text:
/// `14 décembre [2026]`, `December 14[, 2026]`, `14/12[/2026]`. A date
/// without a year is the next such day after `received`; a date in the
/// past or more than 90 days away is no return date.
pub fn return_date(text: &str, received: NaiveDate) -> Option<NaiveDate> {
    let text = fold(text);
    let cues = [
        "de retour",
        "retour le",
        "retour au bureau",
        "jusqu'au",
        "absent du",
        "back on",
        "back in the office",
        "return on",
        "returning on",
        "until",
        "back",
    ];
    let start = cues
        .iter()
        .filter_map(|cue| text.find(cue).map(|i| i + cue.len()))
        .min()?;
    // The date follows the cue within a few words.
    let window: String = text[start..].chars().take(60).collect();
    let words: Vec<&str> = window
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == ':' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    let found = (0..words.len()).find_map(|i| date_at(&words[i..], received))?;
    let ahead = found - received;
    (ahead > Duration::zero() && ahead <= Duration::days(90)).then_some(found)
}

fn month_of(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.');
    if word.len() < 3 {
        return None;
    }
    MONTHS_FR
        .iter()
        .chain(MONTHS_EN.iter())
        .position(|m| m.starts_with(word))
        .map(|i| (i % 12) as u32 + 1)
}

fn day_of(word: &str) -> Option<u32> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let day: u32 = digits.parse().ok()?;
    (1..=31).contains(&day).then_some(day)
}

fn year_of(word: Option<&&str>) -> Option<i32> {
    let year: i32 = word?.parse().ok()?;
    (2000..=2100).contains(&year).then_some(year)
}

/// A date starting at `words[0]`, in one of the three shapes.
fn date_at(words: &[&str], received: NaiveDate) -> Option<NaiveDate> {
    let first = *words.first()?;
    let (day, month, year) = if let Some((d, rest)) = first.split_once('/') {
        let mut parts = rest.split('/');
        let month: u32 = parts.next()?.parse().ok()?;
        let year = parts.next().and_then(|y| y.parse::<i32>().ok());
        (d.parse().ok()?, month, year)
    } else if let Some(day) = day_of(first) {
        let month = month_of(words.get(1)?)?;
        (day, month, year_of(words.get(2)))
    } else {
        let month = month_of(first)?;
        let day = day_of(words.get(1)?)?;
        (day, month, year_of(words.get(2)))
    };
    match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day),
        None => {
            let this_year = NaiveDate::from_ymd_opt(received.year(), month, day)?;
            if this_year > received {
                Some(this_year)
            } else {
                NaiveDate::from_ymd_opt(received.year() + 1, month, day)
            }
        }
    }
}

/// The local part's tag of the reply address an email carried:
/// `factures+r01JABC…@atelier-durand.fr` answers message `01JABC…`.
pub const TOKEN_PREFIX: &str = "r";

/// The reply address of one message: the configured address with the
/// message's id as its `+` tag.
pub fn reply_address(base: &str, message: Ulid) -> Option<String> {
    let (local, domain) = base.split_once('@')?;
    let local = local.split_once('+').map_or(local, |(l, _)| l);
    Some(format!("{local}+{TOKEN_PREFIX}{message}@{domain}").to_ascii_lowercase())
}

/// The message id a recipient's `+` tag names, if one of `to` is the
/// reply address `base` with a well-formed tag.
pub fn token_in(to: &[String], base: &str) -> Option<Ulid> {
    let (local, domain) = base
        .to_ascii_lowercase()
        .split_once('@')
        .map(|(l, d)| (l.to_string(), d.to_string()))?;
    to.iter().find_map(|address| {
        let (their_local, their_domain) = address.split_once('@')?;
        if their_domain != domain {
            return None;
        }
        let tag = their_local.strip_prefix(&local)?.strip_prefix('+')?;
        Ulid::from_string(&tag.strip_prefix(TOKEN_PREFIX)?.to_ascii_uppercase()).ok()
    })
}

/// The text above the quoted message: replies carry ours below theirs
/// ("Le … a écrit :", "On … wrote:", "-----Original Message-----",
/// "De :"/"From:" headers, lines starting with `>`).
pub fn own_text(body: &str) -> String {
    let mut out = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim();
        let folded = fold(trimmed);
        let quote_starts = trimmed.starts_with('>')
            || trimmed.starts_with("-----Original Message-----")
            || trimmed.starts_with("-----Message d'origine-----")
            || trimmed.starts_with("---------- Forwarded message")
            || trimmed.starts_with("---------- Message transféré")
            || (folded.starts_with("le ") && folded.ends_with("a ecrit :"))
            || (folded.starts_with("on ") && folded.ends_with("wrote:"))
            || folded.starts_with("de : ")
            || folded.starts_with("from: ");
        if quote_starts {
            break;
        }
        out.push(line);
    }
    out.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn incoming(subject: &str, headers: &[(&str, &str)], text: &str) -> Incoming {
        Incoming {
            from: "claire@boulangerie-martin.fr".into(),
            to: vec!["factures@atelier-durand.fr".into()],
            subject: subject.into(),
            auto_headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            text: text.into(),
            received: day("2026-12-07"),
        }
    }

    #[test]
    fn automatic_answers_are_told_from_people() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
        let cases: [Case; 8] = [
            ("Re: Facture F2026-000045", &[], false),
            ("Re: Facture F2026-000045", &[("auto-submitted", "auto-replied")], true),
            ("Re: Facture F2026-000045", &[("auto-submitted", "no")], false),
            ("Re: Invoice", &[("x-autoreply", "yes")], true),
            ("Re: Invoice", &[("precedence", "auto_reply")], true),
            ("Absence du bureau : Re: Facture", &[], true),
            ("Réponse automatique : Facture F2026-000045", &[], true),
            ("Automatic reply: Invoice F2026-000050", &[], true),
        ];
        for (subject, headers, automatic) in cases {
            let reply = classify(&incoming(subject, headers, "Bonjour"));
            assert_eq!(
                matches!(reply, Reply::Automatic { .. }),
                automatic,
                "{subject} {headers:?}"
            );
        }
    }

    #[test]
    fn a_return_date_is_read_in_french_and_english() {
        let received = day("2026-12-07");
        let cases = [
            ("Je suis absente et serai de retour le 14 décembre.", Some("2026-12-14")),
            ("Je serai de retour le lundi 4 janvier 2027.", Some("2027-01-04")),
            (
                "Absente jusqu'au 18/12, je lirai votre message à mon retour.",
                Some("2026-12-18"),
            ),
            (
                "I am out of the office and will be back on December 15.",
                Some("2026-12-15"),
            ),
            ("Back on Jan 4th, 2027.", Some("2027-01-04")),
            ("I am away with limited access to email.", None),
            // A date already past, or too far away, is no return date.
            ("De retour le 2 décembre 2026.", None),
            ("De retour le 2 décembre 2027.", None),
        ];
        for (text, expected) in cases {
            assert_eq!(return_date(text, received), expected.map(day), "{text}");
        }
    }

    #[test]
    fn a_reply_saying_it_is_paid_is_flagged() {
        for (text, paid) in [
            ("Bonjour, nous avons déjà réglé cette facture par virement le 3.", true),
            ("Le virement a été effectué hier.", true),
            ("Hello, this invoice was already paid last week.", true),
            ("Pouvez-vous m'envoyer le RIB ?", false),
            ("Could you send the invoice again?", false),
        ] {
            assert_eq!(
                classify(&incoming("Re: Facture", &[], text)),
                Reply::Person { says_paid: paid },
                "{text}"
            );
        }
    }

    #[test]
    fn the_reply_address_carries_the_message_and_only_ours_matches() {
        let id = Ulid::from_string("01JF0000000000000000000000").expect("ulid");
        let address = reply_address("Factures@atelier-durand.fr", id).expect("address");
        assert_eq!(address, "factures+r01jf0000000000000000000000@atelier-durand.fr");
        let base = "factures@atelier-durand.fr";
        assert_eq!(token_in(std::slice::from_ref(&address), base), Some(id));
        assert_eq!(token_in(&["factures@atelier-durand.fr".into()], base), None);
        assert_eq!(
            token_in(&["factures+r01jf0000000000000000000000@ailleurs.fr".into()], base),
            None
        );
        assert_eq!(token_in(&["factures+rnot-a-ulid@atelier-durand.fr".into()], base), None);
        assert_eq!(
            token_in(&["autre+r01jf0000000000000000000000@atelier-durand.fr".into()], base),
            None
        );
    }

    #[test]
    fn the_quoted_message_is_left_out() {
        let body = "Bonjour,\nC'est réglé depuis lundi.\nClaire\n\nLe lun. 7 déc. 2026 à 08:00, Atelier Durand <factures@atelier-durand.fr> a écrit :\n> Bonjour Claire,\n> la facture F2026-000045…";
        assert_eq!(own_text(body), "Bonjour,\nC'est réglé depuis lundi.\nClaire");
        let outlook = "Hello,\nPaid today.\n\nFrom: Atelier Durand <factures@atelier-durand.fr>\nSent: Monday";
        assert_eq!(own_text(outlook), "Hello,\nPaid today.");
    }
}
