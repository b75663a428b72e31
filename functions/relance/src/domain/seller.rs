//! The company that issues the invoices, as printed on them.

use serde::{Deserialize, Serialize};

use super::customer::Address;
use super::ids::{Email, Siren, VatNumber};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seller {
    pub legal_name: String,
    /// "SAS", "SARL"… with the share capital, as French law asks.
    pub legal_form: String,
    pub share_capital: String,
    pub siren: Siren,
    /// "RCS Lyon 356 000 000".
    pub registration: String,
    pub vat_number: VatNumber,
    /// `franchise` for a small business under the franchise en base
    /// (art. 293 B du CGI): its invoices charge no VAT and say why.
    #[serde(default)]
    pub vat_regime: super::invoice::VatRegime,
    pub address: Address,
    /// The person customers can reach about an invoice: a name, not a desk.
    pub contact: Contact,
    pub payment: PaymentInstructions,
    pub terms: LegalTerms,
    /// The language of internal emails (alerts to finance).
    #[serde(default)]
    pub locale: super::ids::Locale,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub role_fr: String,
    pub role_en: String,
    pub email: Email,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInstructions {
    pub iban: String,
    pub bic: String,
    /// An online payment page for the invoice page's "pay" button, with
    /// `{number}`, `{amount_minor}` and `{currency}` filled in. None: the
    /// page shows the bank transfer details only.
    #[serde(default)]
    pub pay_url: Option<String>,
}

impl PaymentInstructions {
    /// The payment page for an amount of an invoice, if there is one.
    pub fn pay_link(&self, number: &str, amount_minor: i64, currency: &str) -> Option<String> {
        self.pay_url.as_ref().map(|url| {
            url.replace("{number}", number)
                .replace("{amount_minor}", &amount_minor.to_string())
                .replace("{currency}", currency)
        })
    }
}

/// The payment conditions every invoice must state (Code de commerce L441-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalTerms {
    /// Points added to the ECB refinancing rate for late-payment penalties
    /// (the legal floor is three times the legal interest rate; 10 points is
    /// the default rate when nothing else is agreed).
    pub late_penalty_ecb_plus_points: u32,
    /// Early-payment discount in basis points; 0 means none is granted,
    /// which the invoice then says.
    pub early_payment_discount_bp: u32,
    /// The fixed recovery indemnity (L441-10), in euro cents: 4000.
    pub recovery_indemnity_minor: i64,
    /// Whether the seller opted to pay VAT on debits (a mandatory mention
    /// since décret 2022-1299 when it applies).
    pub vat_on_debits: bool,
}
