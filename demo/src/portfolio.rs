//! Atelier Durand's customers: a dozen businesses and people with their
//! own stories, what they buy each month, how they pay, and what they do
//! when an email reaches them. The scenario plays them; nothing here
//! knows about HTTP or the table.

use chrono::NaiveDate;
use serde_json::{Value, json};

/// How a customer pays an invoice of a given month: days after its due
/// date (negative: early). `None`: the story decides (a reaction below).
pub type Habit = fn(u32) -> Option<i64>;

/// What a customer does with a reminder about an invoice their habit does
/// not pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Opens the invoice from the reminder the next day and pays online.
    PaysOnline,
    /// Clicks "I have a difficulty" and asks for a payment plan; finance
    /// calls back and agrees two instalments.
    AsksForAPlan,
    /// Phones finance, who records a promise to pay ten days later, kept.
    PromisesToPay,
    /// Pays late, whatever the reminders say.
    Ignores,
}

/// How a customer answers the first reminder of the month played, by
/// email, to the reply address it carries.
#[derive(Debug, Clone, Copy)]
pub enum WritesBack {
    /// A person writes back the next business day; finance answers by
    /// email that afternoon.
    Person { words: &'static str, answer: &'static str },
    /// Their mailbox answers at once: out of the office, back on this day
    /// of the month played.
    Away { back_on: u32 },
}

/// How a customer answers the one question a survey asks.
#[derive(Debug, Clone, Copy)]
pub struct Mood {
    pub ces_or_csat: u8,
    pub nps: u8,
    pub comment: Option<&'static str>,
}

/// Something finance does on a given day.
#[derive(Debug, Clone)]
pub enum Act {
    OpenDispute {
        month: u32,
        reason: &'static str,
    },
    /// Settles a dispute; with `credit`, first corrects the invoice by a
    /// credit note taking back one unit of that line, with that reason.
    SettleDispute {
        month: u32,
        resolution: &'static str,
        credit: Option<(u32, &'static str)>,
    },
    /// Quotes the policy's gesture for a billing error and grants it.
    RepairBillingError {
        month: u32,
        what_happened: &'static str,
        what_we_did: &'static str,
    },
}

pub struct Profile {
    pub id: &'static str,
    /// The story, in a few words, for the summary.
    pub story: &'static str,
    /// When finance registers the customer in relance.
    pub registered: NaiveDate,
    pub customer: Value,
    /// The invoice lines of a month (the seed varies quantities).
    pub lines: fn(u32, u64) -> Value,
    pub habit: Habit,
    pub reaction: Reaction,
    pub writes_back: Option<WritesBack>,
    pub mood: Option<Mood>,
    pub acts: Vec<(NaiveDate, Act)>,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

pub fn month_fr(month: u32) -> &'static str {
    relance::view::MONTHS_FR
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// A French business: (SIREN, VAT number) and (street, postal code, city).
fn business(
    contact: &str,
    email: &str,
    company: &str,
    ids: (&str, &str),
    address: (&str, &str, &str),
    since: &str,
) -> Value {
    let ((siren, vat), (street, postal, city)) = (ids, address);
    json!({
        "contact_name": contact, "email": email, "locale": "fr", "kind": "business",
        "company_name": company, "siren": siren, "vat_number": vat,
        "billing_address": {"lines": [street], "postal_code": postal, "city": city, "country": "FR"},
        "customer_since": since
    })
}

fn line(description: String, quantity: Value, unit: Option<&str>, unit_price_minor: i64, vat: &str) -> Value {
    let mut l = json!({"description": description, "quantity": quantity, "unit_price_minor": unit_price_minor, "vat_rate": vat});
    if let Some(unit) = unit {
        l["unit"] = json!(unit);
    }
    l
}

/// The portfolio, registered from June 2026 (Studio Nova in October).
pub fn portfolio() -> Vec<Profile> {
    let june = day(2026, 6, 1);
    vec![
        Profile {
            id: "boulangerie-martin",
            story: "ten years, always on time — late once",
            registered: june,
            customer: business(
                "Camille Martin",
                "camille@boulangerie-martin.fr",
                "Boulangerie Martin SARL",
                ("412345670", "FR96412345670"),
                ("3 place Bellecour", "69002", "Lyon"),
                "2016-05-10",
            ),
            lines: |m, r| {
                json!([
                    line(
                        format!("Entretien du four à sole, {}", month_fr(m)),
                        json!(1),
                        None,
                        45_000,
                        "20"
                    ),
                    line(
                        "Pièces détachées".into(),
                        json!(format!("{}.5", 1 + r % 3)),
                        Some("KGM"),
                        1_290,
                        "20"
                    ),
                ])
            },
            habit: |m| (m != 10).then_some(-6),
            reaction: Reaction::PaysOnline,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 5,
                nps: 10,
                comment: Some("Merci pour votre patience, et pour le lien de paiement."),
            }),
            acts: vec![],
        },
        Profile {
            id: "garage-lefevre",
            story: "chronically late",
            registered: june,
            customer: business(
                "Marc Lefèvre",
                "marc@garage-lefevre.fr",
                "Garage Lefèvre",
                ("523456788", "FR31523456788"),
                ("18 rue de la Gare", "38000", "Grenoble"),
                "2019-03-01",
            ),
            lines: |m, r| {
                json!([line(
                    format!("Contrat d'entretien du pont élévateur, {}", month_fr(m)),
                    json!(1),
                    None,
                    32_000 + (r % 4) as i64 * 1_000,
                    "20"
                )])
            },
            habit: |m| Some(14 + i64::from(m % 3) * 4),
            reaction: Reaction::Ignores,
            writes_back: Some(WritesBack::Away { back_on: 16 }),
            mood: None,
            acts: vec![],
        },
        Profile {
            id: "cabinet-roux",
            story: "open dispute on October",
            registered: june,
            customer: business(
                "Hélène Roux",
                "helene.roux@cabinet-roux.fr",
                "Cabinet Roux Expertise",
                ("387654320", "FR96387654320"),
                ("12 cours Mirabeau", "13100", "Aix-en-Provence"),
                "2018-09-17",
            ),
            lines: |m, _| {
                json!([line(
                    format!("Maintenance du parc d'imprimantes, {}", month_fr(m)),
                    json!(1),
                    None,
                    18_000,
                    "20"
                )])
            },
            habit: |m| (m != 10).then_some(-5),
            reaction: Reaction::Ignores,
            writes_back: None,
            mood: None,
            acts: vec![(
                day(2026, 11, 3),
                Act::OpenDispute {
                    month: 10,
                    reason: "La visite de maintenance d'octobre n'a pas eu lieu.",
                },
            )],
        },
        Profile {
            id: "hotel-des-quais",
            story: "complained last month",
            registered: june,
            customer: business(
                "Julien Moreau",
                "julien.moreau@hoteldesquais.fr",
                "Hôtel des Quais SAS",
                ("444555668", "FR48444555668"),
                ("5 quai Saint-Antoine", "69005", "Lyon"),
                "2021-02-15",
            ),
            lines: |m, r| {
                json!([
                    line(
                        format!("Entretien des chambres froides, {}", month_fr(m)),
                        json!(1),
                        None,
                        52_000,
                        "20"
                    ),
                    line(
                        "Déplacement du technicien".into(),
                        json!(if m == 10 { 2 } else { 1 + r % 2 }),
                        None,
                        6_500,
                        "20"
                    ),
                ])
            },
            habit: |m| (m != 10).then_some(-4),
            reaction: Reaction::PaysOnline,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 2,
                nps: 5,
                comment: Some("Trois semaines pour corriger une facture, c'est long."),
            }),
            acts: vec![
                (
                    day(2026, 10, 5),
                    Act::OpenDispute {
                        month: 10,
                        reason: "Deux déplacements facturés pour une seule visite.",
                    },
                ),
                (
                    day(2026, 10, 14),
                    Act::SettleDispute {
                        month: 10,
                        resolution: "Le second déplacement est retiré par un avoir ; la facture ne doit plus que la visite.",
                        credit: Some((2, "un seul déplacement a eu lieu, le second a été facturé par erreur.")),
                    },
                ),
            ],
        },
        Profile {
            id: "studio-nova",
            story: "new customer",
            registered: day(2026, 10, 26),
            customer: business(
                "Léa Garnier",
                "lea@studio-nova.fr",
                "Studio Nova",
                ("812345601", "FR85812345601"),
                ("40 rue Oberkampf", "75011", "Paris"),
                "2026-10-12",
            ),
            lines: |_, _| {
                json!([line(
                    "Installation d'un four à convection".into(),
                    json!(1),
                    None,
                    240_000,
                    "20"
                )])
            },
            habit: |_| Some(-2),
            reaction: Reaction::Ignores,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 4,
                nps: 8,
                comment: None,
            }),
            acts: vec![],
        },
        Profile {
            id: "fromagerie-bernard",
            story: "asks for a payment plan",
            registered: june,
            customer: business(
                "Paul Bernard",
                "paul@fromagerie-bernard.fr",
                "Fromagerie Bernard",
                ("500123450", "FR67500123450"),
                ("2 rue du Marché", "74000", "Annecy"),
                "2020-04-06",
            ),
            lines: |m, r| {
                json!([
                    line(
                        format!("Entretien de la cave d'affinage, {}", month_fr(m)),
                        json!(1),
                        None,
                        61_000,
                        "20"
                    ),
                    line("Filtres".into(), json!(2 + r % 3), None, 2_400, "20"),
                ])
            },
            habit: |m| (m != 10).then_some(-4),
            reaction: Reaction::AsksForAPlan,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 5,
                nps: 9,
                comment: Some("Merci d'avoir accepté l'échéancier."),
            }),
            acts: vec![],
        },
        Profile {
            id: "pharmacie-dumont",
            story: "billing error repaired with a credit",
            registered: june,
            customer: business(
                "Sophie Dumont",
                "sophie@pharmacie-dumont.fr",
                "Pharmacie Dumont",
                ("399887769", "FR08399887769"),
                ("27 Grande Rue", "25000", "Besançon"),
                "2015-01-12",
            ),
            lines: |m, _| {
                json!([line(
                    format!("Maintenance des automates, {}", month_fr(m)),
                    json!(10),
                    Some("HUR"),
                    7_500,
                    "20"
                )])
            },
            habit: |_| Some(-6),
            reaction: Reaction::Ignores,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 5,
                nps: 9,
                comment: Some("Merci d'avoir corrigé si vite."),
            }),
            acts: vec![(
                day(2026, 11, 4),
                Act::RepairBillingError {
                    month: 10,
                    what_happened: "Votre facture d'octobre portait l'adresse de votre ancienne officine : votre comptable n'a pas pu l'enregistrer et vous avez dû nous la redemander.",
                    what_we_did: "Votre adresse est corrigée dans notre fichier et chaque nouvelle adresse est désormais vérifiée par une seconde personne.",
                },
            )],
        },
        Profile {
            id: "nordic-design",
            story: "English-speaking, pays early",
            registered: june,
            customer: json!({
                "contact_name": "Erik Lindqvist", "email": "erik@nordicdesign.se", "locale": "en", "kind": "business",
                "company_name": "Nordic Design AB", "vat_number": "SE556677889901",
                "billing_address": {"lines": ["Sveavägen 44"], "postal_code": "111 34", "city": "Stockholm", "country": "SE"},
                "customer_since": "2022-08-22"
            }),
            lines: |m, _| {
                json!([line(
                    format!("Showroom lighting maintenance, {}", month_fr(m)),
                    json!(1),
                    None,
                    38_000,
                    "20"
                )])
            },
            habit: |_| Some(-8),
            reaction: Reaction::Ignores,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 5,
                nps: 9,
                comment: Some("Always smooth, thank you."),
            }),
            acts: vec![],
        },
        Profile {
            id: "elodie-laurent",
            story: "a private customer",
            registered: june,
            customer: json!({
                "contact_name": "Élodie Laurent", "email": "elodie.laurent@example.fr", "locale": "fr", "kind": "consumer",
                "billing_address": {"lines": ["9 allée des Tilleuls"], "postal_code": "44000", "city": "Nantes", "country": "FR"},
                "customer_since": "2024-03-04"
            }),
            lines: |m, _| {
                json!([line(
                    format!("Abonnement entretien de la chaudière, {}", month_fr(m)),
                    json!(1),
                    None,
                    2_900,
                    "10"
                )])
            },
            habit: |_| Some(-1),
            reaction: Reaction::Ignores,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 4,
                nps: 7,
                comment: None,
            }),
            acts: vec![],
        },
        Profile {
            id: "imprimerie-petit",
            story: "promises to pay, and does",
            registered: june,
            customer: business(
                "Thomas Petit",
                "thomas@imprimerie-petit.fr",
                "Imprimerie Petit",
                ("424242428", "FR93424242428"),
                ("11 rue des Arts", "59000", "Lille"),
                "2017-06-19",
            ),
            lines: |m, r| {
                json!([
                    line(
                        format!("Entretien de la presse offset, {}", month_fr(m)),
                        json!(1),
                        None,
                        74_000,
                        "20"
                    ),
                    line("Rouleaux encreurs".into(), json!(1 + r % 2), None, 8_800, "20"),
                ])
            },
            habit: |m| (m != 10).then_some(if m < 8 { 2 } else { -5 }),
            reaction: Reaction::PromisesToPay,
            writes_back: None,
            mood: None,
            acts: vec![],
        },
        Profile {
            id: "menuiserie-girard",
            story: "sometimes a few days late",
            registered: june,
            customer: business(
                "Nathalie Girard",
                "nathalie@menuiserie-girard.fr",
                "Menuiserie Girard",
                ("606060606", "FR56606060606"),
                ("6 chemin du Moulin", "86000", "Poitiers"),
                "2023-01-09",
            ),
            lines: |m, r| {
                json!([line(
                    format!("Affûtage et réglage des machines, {}", month_fr(m)),
                    json!(3 + r % 3),
                    Some("HUR"),
                    6_800,
                    "20"
                )])
            },
            habit: |m| Some(if m == 8 || m == 10 { 6 } else { -5 }),
            reaction: Reaction::Ignores,
            writes_back: Some(WritesBack::Person {
                words: "Bonjour,\n\nLe virement a été effectué ce matin pour la facture d'octobre : désolée pour le retard, la fin de chantier a été chargée.\n\nBien cordialement,\nNathalie Girard",
                answer: "Réponse par e-mail : virement bien reçu ce matin, merci, et bonne fin de chantier !",
            }),
            mood: Some(Mood {
                ces_or_csat: 4,
                nps: 8,
                comment: None,
            }),
            acts: vec![],
        },
        Profile {
            id: "cafe-lumiere",
            story: "fourteen years, always early",
            registered: june,
            customer: business(
                "Antoine Roussel",
                "antoine@cafe-lumiere.fr",
                "Café Lumière",
                ("737373738", "FR45737373738"),
                ("1 place du Capitole", "31000", "Toulouse"),
                "2012-09-03",
            ),
            lines: |m, _| {
                json!([line(
                    format!("Entretien de la machine à expresso, {}", month_fr(m)),
                    json!(1),
                    None,
                    14_500,
                    "20"
                )])
            },
            habit: |_| Some(-7),
            reaction: Reaction::Ignores,
            writes_back: None,
            mood: Some(Mood {
                ces_or_csat: 5,
                nps: 10,
                comment: None,
            }),
            acts: vec![],
        },
    ]
}
