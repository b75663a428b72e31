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

impl Seller {
    /// Where the seller charges VAT, which sets the rates its lines may
    /// carry (`VatTerritory`).
    pub fn vat_territory(&self) -> super::vat::VatTerritory {
        super::vat::VatTerritory::of(&self.address.postal_code)
    }
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
    /// The company's account, checked (ISO 13616): an invoice must never
    /// print an account no bank would accept.
    pub fn account(&self) -> Result<super::bank::Iban, String> {
        super::bank::Iban::parse(&self.iban).map_err(|e| format!("payment.iban: {e}"))
    }

    /// The payment page for an amount of an invoice, if there is one.
    pub fn pay_link(&self, number: &str, amount_minor: i64, currency: &str) -> Option<String> {
        self.pay_url.as_ref().map(|url| {
            url.replace("{number}", number)
                .replace("{amount_minor}", &amount_minor.to_string())
                .replace("{currency}", currency)
        })
    }
}

fn ecb_rate() -> u32 {
    215
}

fn legal_rate() -> u32 {
    276
}

/// The payment conditions every invoice must state (Code de commerce L441-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalTerms {
    /// Points added to the ECB refinancing rate for late-payment penalties
    /// (the legal floor is three times the legal interest rate; 10 points is
    /// the default rate when nothing else is agreed).
    pub late_penalty_ecb_plus_points: u32,
    /// The ECB's main refinancing rate the penalty adds to, in basis
    /// points (215 = 2.15 %), as last published.
    #[serde(default = "ecb_rate")]
    pub ecb_refinancing_rate_bp: u32,
    /// The French legal interest rate for professional creditors, in basis
    /// points, as the half-year's arrêté publishes it: the penalty may not be
    /// below three times it (L441-10).
    #[serde(default = "legal_rate")]
    pub legal_interest_rate_bp: u32,
    /// Early-payment discount in basis points; 0 means none is granted,
    /// which the invoice then says.
    pub early_payment_discount_bp: u32,
    /// The fixed recovery indemnity (L441-10), in euro cents: 4000.
    pub recovery_indemnity_minor: i64,
    /// Whether the seller opted to pay VAT on debits (a mandatory mention
    /// since décret 2022-1299 when it applies).
    pub vat_on_debits: bool,
}

impl LegalTerms {
    /// The late-payment penalty rate in basis points: the ECB rate plus
    /// the agreed points.
    pub fn penalty_rate_bp(&self) -> u64 {
        u64::from(self.ecb_refinancing_rate_bp) + u64::from(self.late_penalty_ecb_plus_points) * 100
    }

    /// Refuses a penalty below the legal floor, three times the legal
    /// interest rate (Code de commerce L441-10): such a clause would be
    /// void, and the invoices would print it.
    pub fn check(&self) -> Result<(), String> {
        let floor = u64::from(self.legal_interest_rate_bp) * 3;
        if self.penalty_rate_bp() < floor {
            return Err(format!(
                "terms.late_penalty_ecb_plus_points: the penalty rate ({} bp, ECB {} bp + {} points) is below three times the legal interest rate ({floor} bp)",
                self.penalty_rate_bp(),
                self.ecb_refinancing_rate_bp,
                self.late_penalty_ecb_plus_points
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(points: u32, ecb: u32, legal: u32) -> LegalTerms {
        LegalTerms {
            late_penalty_ecb_plus_points: points,
            early_payment_discount_bp: 0,
            recovery_indemnity_minor: 4000,
            vat_on_debits: false,
            ecb_refinancing_rate_bp: ecb,
            legal_interest_rate_bp: legal,
        }
    }

    #[test]
    fn the_penalty_is_at_least_three_times_the_legal_rate() {
        // (points over ECB, ECB bp, legal rate bp, accepted)
        let cases = [
            (10, 215, 276, true), // the default: 12.15 % against a floor of 8.28 %
            (7, 215, 276, true),  // 9.15 %
            (6, 215, 276, false), // 8.15 %, under 8.28 %
            (0, 215, 72, false),  // 2.15 %, under 2.16 %
            (3, 0, 100, true),    // exactly the floor
            (2, 99, 100, false),  // one basis point short
        ];
        for (points, ecb, legal, accepted) in cases {
            let result = terms(points, ecb, legal).check();
            assert_eq!(
                result.is_ok(),
                accepted,
                "{points} points, ECB {ecb}, legal {legal}: {result:?}"
            );
        }
    }
}
