//! Customers: the partition of the shared history.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ids::{CustomerId, Email, Locale, Siren, VatNumber};
use super::validation::{FieldError, Problems, line};

/// Business customers may be charged the 40 € recovery indemnity and get
/// the legal identity mentions; consumers may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    Business,
    Consumer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub lines: Vec<String>,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, e.g. `FR`.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    /// The person we write to: "Camille Martin", never "Dear customer".
    pub contact_name: String,
    pub email: Email,
    pub locale: Locale,
    pub kind: CustomerKind,
    pub company_name: Option<String>,
    pub siren: Option<Siren>,
    pub vat_number: Option<VatNumber>,
    pub billing_address: Address,
    pub delivery_address: Option<Address>,
    /// A relationship segment finance uses ("key account", "public sector").
    pub segment: Option<String>,
    /// When the relationship started; tenure shapes the tone of reminders.
    pub customer_since: NaiveDate,
    /// Finance paused every automatic message to this customer.
    #[serde(default)]
    pub paused: bool,
    /// The address bounced or complained: relance must not mail it.
    #[serde(default)]
    pub email_suppressed: bool,
    /// When the mail system told us: the to-do's deadline counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_suppressed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The customer unsubscribed from surveys (one click in any survey).
    #[serde(default)]
    pub surveys_opted_out: bool,
    /// Links mailed before this moment open nothing any more: finance
    /// revoked them, or the customer's address changed (the old inbox
    /// must not keep a way into the portal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links_valid_from: Option<chrono::DateTime<chrono::Utc>>,
    /// A public buyer's service code (code service, Chorus Pro), carried
    /// as the buyer reference of every invoice.
    #[serde(default)]
    pub service_code: Option<String>,
    /// Which document the customer receives; see `document_format`.
    #[serde(default)]
    pub document_format: Option<DocumentFormat>,
    /// The accounts the customer pays from (checked IBANs): a transfer
    /// from one of them is theirs even when it names no invoice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ibans: Vec<super::bank::Iban>,
}

/// The document a customer's invoices and credit notes are sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFormat {
    /// A PDF/A-3 with its CII embedded: read by people and machines.
    FacturX,
    /// UBL 2.1, for a buyer whose platform asks for it.
    Ubl,
    /// UN/CEFACT CII on its own.
    Cii,
    /// The PDF alone.
    Pdf,
}

impl DocumentFormat {
    /// The archived files an email attaches, by their archive format name:
    /// always the PDF people read (a Factur-X, whose CII travels inside),
    /// and the XML a buyer's platform asked for.
    pub fn attached(self) -> &'static [&'static str] {
        match self {
            DocumentFormat::FacturX | DocumentFormat::Pdf => &["pdf"],
            DocumentFormat::Ubl => &["pdf", "ubl"],
            DocumentFormat::Cii => &["pdf", "cii"],
        }
    }
}

impl Customer {
    /// What a new version of the profile keeps from the current one, and
    /// what finance's change does to the links: a new address revokes
    /// every link mailed to the old one (as of `now`).
    pub fn carry_over(&mut self, current: &Customer, now: chrono::DateTime<chrono::Utc>) {
        // What the customer chose (no surveys) and what the mail system
        // learnt (the address bounces) are not finance's to overwrite.
        self.surveys_opted_out |= current.surveys_opted_out;
        // The suppression belongs to the address that bounced: when
        // finance records another one, mail flows again.
        let same_address = current.email == self.email;
        self.email_suppressed |= current.email_suppressed && same_address;
        self.email_suppressed_at = if self.email_suppressed {
            current
                .email_suppressed_at
                .filter(|_| same_address)
                .or(self.email_suppressed_at)
        } else {
            None
        };
        self.links_valid_from = if current.email == self.email {
            current.links_valid_from
        } else {
            Some(now)
        };
    }

    /// Whether a link created at `created_at` may still open this
    /// customer's pages.
    pub fn link_still_valid(&self, created_at: chrono::DateTime<chrono::Utc>) -> bool {
        self.links_valid_from.is_none_or(|from| created_at >= from)
    }

    /// Factur-X for a business unless it chose otherwise; a consumer
    /// gets the PDF.
    pub fn document_format(&self) -> DocumentFormat {
        match (self.document_format, self.kind) {
            (Some(chosen), _) => chosen,
            (None, CustomerKind::Business) => DocumentFormat::FacturX,
            (None, CustomerKind::Consumer) => DocumentFormat::Pdf,
        }
    }

    /// The name on the invoice: the company for a business, the person
    /// otherwise.
    pub fn legal_name(&self) -> &str {
        self.company_name.as_deref().unwrap_or(&self.contact_name)
    }
}

/// A customer as finance submits it (`PUT /customers/{id}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub contact_name: String,
    pub email: String,
    #[serde(default)]
    pub locale: Option<String>,
    pub kind: CustomerKind,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub siren: Option<String>,
    #[serde(default)]
    pub vat_number: Option<String>,
    pub billing_address: AddressInput,
    #[serde(default)]
    pub delivery_address: Option<AddressInput>,
    #[serde(default)]
    pub segment: Option<String>,
    /// A public buyer's service code (Chorus Pro).
    #[serde(default)]
    pub service_code: Option<String>,
    /// facturx (the default for a business), ubl, cii or pdf (a consumer's).
    #[serde(default)]
    pub document_format: Option<DocumentFormat>,
    pub customer_since: NaiveDate,
    #[serde(default)]
    pub paused: bool,
    /// The accounts the customer pays from, as IBANs.
    #[serde(default)]
    pub ibans: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    pub lines: Vec<String>,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

impl AddressInput {
    pub fn parse(&self, field: &str, problems: &mut Problems) -> Option<Address> {
        if self.lines.is_empty() || self.lines.len() > 4 {
            problems.push(format!("{field}.lines"), "must have 1 to 4 lines");
        }
        let lines: Vec<String> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| problems.check(format!("{field}.lines[{i}]"), line(l, 120)))
            .collect();
        let postal_code = problems.check(format!("{field}.postal_code"), line(&self.postal_code, 16));
        let city = problems.check(format!("{field}.city"), line(&self.city, 80));
        let country = self.country.trim().to_ascii_uppercase();
        let country = problems.check(
            format!("{field}.country"),
            if country.len() == 2 && country.chars().all(|c| c.is_ascii_alphabetic()) {
                Ok(country)
            } else {
                Err("must be a two-letter ISO 3166 country code such as FR".into())
            },
        );
        Some(Address {
            lines,
            postal_code: postal_code?,
            city: city?,
            country: country?,
        })
    }
}

impl CustomerInput {
    pub fn parse(self, id: CustomerId) -> Result<Customer, Vec<FieldError>> {
        let mut p = Problems::default();
        let contact_name = p.check("contact_name", line(&self.contact_name, 120));
        let email = p.check("email", Email::parse(&self.email));
        let locale = p.check(
            "locale",
            match self.locale.as_deref().map(str::trim) {
                None | Some("fr") => Ok(Locale::Fr),
                Some("en") => Ok(Locale::En),
                Some(other) => Err(format!("`{other}` is not a supported language (fr or en)")),
            },
        );
        let company_name = self
            .company_name
            .as_deref()
            .and_then(|n| p.check("company_name", line(n, 160)));
        let siren = self.siren.as_deref().and_then(|s| p.check("siren", Siren::parse(s)));
        let vat_number = self
            .vat_number
            .as_deref()
            .and_then(|v| p.check("vat_number", VatNumber::parse(v)));
        let billing_address = self.billing_address.parse("billing_address", &mut p);
        let delivery_address = self
            .delivery_address
            .as_ref()
            .and_then(|a| a.parse("delivery_address", &mut p));
        let segment = self.segment.as_deref().and_then(|s| p.check("segment", line(s, 60)));
        let service_code = self
            .service_code
            .as_deref()
            .and_then(|s| p.check("service_code", line(s, 100)));
        if self.ibans.len() > 10 {
            p.push("ibans", "at most 10 accounts");
        }
        let ibans: Vec<super::bank::Iban> = self
            .ibans
            .iter()
            .enumerate()
            .filter_map(|(i, t)| p.check(format!("ibans[{i}]"), super::bank::Iban::parse(t)))
            .collect();
        if self.kind == CustomerKind::Consumer
            && matches!(self.document_format, Some(DocumentFormat::Ubl | DocumentFormat::Cii))
        {
            p.push(
                "document_format",
                "a consumer reads a PDF: facturx or pdf (ubl and cii are for a business's platform)",
            );
        }
        if self.kind == CustomerKind::Business {
            if self.company_name.is_none() {
                p.push("company_name", "is required for a business customer");
            }
            let french = billing_address.as_ref().is_some_and(|a| a.country == "FR");
            if french && self.siren.is_none() {
                p.push(
                    "siren",
                    "is required for a French business customer (mandatory on invoices)",
                );
            }
            if !french && self.vat_number.is_none() {
                p.push("vat_number", "is required for a business customer outside France");
            }
        }
        p.into_result(|| {
            Some(Customer {
                id,
                contact_name: contact_name?,
                email: email?,
                locale: locale?,
                kind: self.kind,
                company_name,
                siren,
                vat_number,
                billing_address: billing_address?,
                delivery_address,
                segment,
                customer_since: self.customer_since,
                paused: self.paused,
                email_suppressed: false,
                email_suppressed_at: None,
                surveys_opted_out: false,
                links_valid_from: None,
                service_code,
                document_format: self.document_format,
                ibans,
            })
        })
    }
}
