//! Why a line charges no VAT: the VATEX code the e-invoicing formats carry
//! (CEF VATEX list, EN 16931 BT-121) and the words French law asks the
//! document to print. Only the cases relance knows how to word are
//! accepted, so a document never carries a code nobody can read.

use serde::{Deserialize, Serialize};

use super::ids::Locale;
use super::vat::VatCategory;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Exemption(&'static Known);

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Known {
    code: &'static str,
    category: VatCategory,
    fr: &'static str,
    en: &'static str,
}

const KNOWN: &[Known] = &[
    Known {
        code: "VATEX-FR-FRANCHISE",
        category: VatCategory::Exempt,
        fr: "TVA non applicable, art. 293 B du CGI",
        en: "VAT not applicable, art. 293 B of the French tax code (CGI)",
    },
    Known {
        code: "VATEX-FR-CGI261-4",
        category: VatCategory::Exempt,
        fr: "Exonération de TVA, art. 261-4 du CGI",
        en: "Exempt from VAT, art. 261-4 of the French tax code (CGI)",
    },
    Known {
        code: "VATEX-FR-CGI261C-1",
        category: VatCategory::Exempt,
        fr: "Exonération de TVA, art. 261 C-1° du CGI",
        en: "Exempt from VAT, art. 261 C-1° of the French tax code (CGI)",
    },
    Known {
        code: "VATEX-FR-CGI261D-4",
        category: VatCategory::Exempt,
        fr: "Exonération de TVA, art. 261 D-4° du CGI",
        en: "Exempt from VAT, art. 261 D-4° of the French tax code (CGI)",
    },
    Known {
        code: "VATEX-EU-132",
        category: VatCategory::Exempt,
        fr: "Exonération de TVA, art. 132 de la directive 2006/112/CE",
        en: "Exempt from VAT, art. 132 of Directive 2006/112/EC",
    },
    Known {
        code: "VATEX-EU-AE",
        category: VatCategory::ReverseCharge,
        fr: "Autoliquidation",
        en: "Reverse charge",
    },
    Known {
        code: "VATEX-EU-IC",
        category: VatCategory::IntraCommunity,
        fr: "Exonération de TVA, art. 262 ter I du CGI (livraison intracommunautaire)",
        en: "Exempt from VAT, art. 262 ter I of the French tax code (intra-community supply)",
    },
    Known {
        code: "VATEX-EU-G",
        category: VatCategory::Export,
        fr: "Exonération de TVA, art. 262 I du CGI (exportation)",
        en: "Exempt from VAT, art. 262 I of the French tax code (export)",
    },
    Known {
        code: "VATEX-EU-O",
        category: VatCategory::OutsideScope,
        fr: "Opération hors du champ d'application de la TVA",
        en: "Outside the scope of VAT",
    },
];

impl Exemption {
    pub fn parse(code: &str) -> Result<Self, String> {
        KNOWN.iter().find(|k| k.code == code).map(Exemption).ok_or_else(|| {
            let codes: Vec<&str> = KNOWN.iter().map(|k| k.code).collect();
            format!(
                "`{code}` is not an exemption relance knows (one of: {})",
                codes.join(", ")
            )
        })
    }

    /// The exemption a category implies when it has only one.
    pub fn default_for(category: VatCategory) -> Option<Self> {
        let mut of_category = KNOWN.iter().filter(|k| k.category == category);
        match (of_category.next(), of_category.next()) {
            (Some(only), None) => Some(Exemption(only)),
            _ => None,
        }
    }

    /// The franchise en base of a small business (art. 293 B du CGI).
    pub fn franchise() -> Self {
        Exemption(&KNOWN[0])
    }

    pub fn code(self) -> &'static str {
        self.0.code
    }

    pub fn category(self) -> VatCategory {
        self.0.category
    }

    /// The mention printed on the document.
    pub fn text(self, locale: Locale) -> &'static str {
        match locale {
            Locale::Fr => self.0.fr,
            Locale::En => self.0.en,
        }
    }
}

impl TryFrom<String> for Exemption {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Exemption> for String {
    fn from(value: Exemption) -> Self {
        value.code().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_and_says_something_in_both_languages() {
        for known in KNOWN {
            let exemption = Exemption::parse(known.code).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(exemption.code(), known.code);
            assert!(exemption.category().needs_exemption(), "{}", known.code);
            assert!(!exemption.text(Locale::Fr).is_empty() && !exemption.text(Locale::En).is_empty());
        }
        assert_eq!(Exemption::franchise().code(), "VATEX-FR-FRANCHISE");
        assert!(Exemption::parse("VATEX-EU-999").is_err_and(|e| e.contains("VATEX-EU-AE")));
    }

    #[test]
    fn a_category_with_one_reason_implies_it() {
        let default = |c| Exemption::default_for(c).map(Exemption::code);
        assert_eq!(default(VatCategory::ReverseCharge), Some("VATEX-EU-AE"));
        assert_eq!(default(VatCategory::IntraCommunity), Some("VATEX-EU-IC"));
        assert_eq!(default(VatCategory::Export), Some("VATEX-EU-G"));
        assert_eq!(default(VatCategory::OutsideScope), Some("VATEX-EU-O"));
        // Exempt has several legal bases: the request must say which.
        assert_eq!(default(VatCategory::Exempt), None);
        assert_eq!(default(VatCategory::Standard), None);
    }
}
