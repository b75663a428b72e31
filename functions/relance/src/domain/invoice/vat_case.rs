//! Which VAT case a line is in, and whether the invoice's parties allow it:
//! a 0 % line always says why, reverse charge names both VAT numbers, an
//! export leaves the EU, a seller under the franchise en base charges no
//! VAT. These are the rules French law and EN 16931 both check, so a
//! request that breaks one is refused before it is numbered.

use serde::{Deserialize, Serialize};

use super::lines::{InvoiceLine, OperationCategory};
use crate::domain::customer::{Address, Customer, CustomerKind};
use crate::domain::exemption::Exemption;
use crate::domain::validation::Problems;
use crate::domain::vat::{VatCategory, VatRate, VatTerritory};

/// How the seller charges VAT: normally, or not at all under the
/// franchise en base of small businesses (art. 293 B du CGI).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRegime {
    #[default]
    Normal,
    Franchise,
}

/// What a line's request says about its VAT, before it is resolved.
pub(super) struct LineVat<'a> {
    pub rate: Option<&'a str>,
    pub category: Option<&'a str>,
    pub exemption: Option<&'a str>,
}

/// A line's resolved VAT: its rate, category and reason.
pub(super) type Resolved = (VatRate, VatCategory, Option<Exemption>);

impl LineVat<'_> {
    /// The line's VAT under the seller's regime, or the fields' problems.
    pub(super) fn resolve(
        &self,
        regime: VatRegime,
        territory: VatTerritory,
        field: &str,
        p: &mut Problems,
    ) -> Option<Resolved> {
        let rate = match self.rate {
            None => None,
            Some(text) => Some(p.check(
                format!("{field}.vat_rate"),
                VatRate::parse_percent(text).and_then(|r| territory.check(r)),
            )?),
        };
        let category = match self.category {
            None => None,
            Some(text) => Some(p.check(format!("{field}.vat_category"), VatCategory::parse(text))?),
        };
        let exemption = match self.exemption {
            None => None,
            Some(code) => Some(p.check(format!("{field}.vat_exemption"), Exemption::parse(code))?),
        };
        let refuse = |p: &mut Problems, which: &str, reason: &str| {
            p.push(format!("{field}.{which}"), reason);
            None
        };
        let charged = rate.is_some_and(|r| r.basis_points() > 0);
        if regime == VatRegime::Franchise {
            if charged {
                return refuse(
                    p,
                    "vat_rate",
                    "the seller is under the franchise en base (art. 293 B du CGI) and charges no VAT: leave vat_rate out or give 0",
                );
            }
            if category.is_some_and(|c| c != VatCategory::Exempt)
                || exemption.is_some_and(|e| e != Exemption::franchise())
            {
                return refuse(
                    p,
                    "vat_category",
                    "the seller is under the franchise en base (art. 293 B du CGI): every line is exempt under it",
                );
            }
            return Some((VatRate::ZERO, VatCategory::Exempt, Some(Exemption::franchise())));
        }
        let category = match (category, rate) {
            (Some(category), _) => category,
            (None, Some(_)) if charged => VatCategory::Standard,
            (None, Some(_)) => {
                return refuse(
                    p,
                    "vat_category",
                    "a 0 % line needs its VAT category: zero, exempt, reverse_charge, intra_community, export or outside_scope",
                );
            }
            (None, None) => return refuse(p, "vat_rate", "is required"),
        };
        match category {
            VatCategory::Standard if !charged => {
                return refuse(p, "vat_rate", "a standard-rated line needs a rate above 0 %");
            }
            VatCategory::Standard | VatCategory::Zero if exemption.is_some() => {
                return refuse(
                    p,
                    "vat_exemption",
                    "only a line that charges no VAT under an exemption carries a reason",
                );
            }
            VatCategory::Standard => return Some((rate.unwrap_or(VatRate::ZERO), category, None)),
            _ if charged => {
                return refuse(
                    p,
                    "vat_rate",
                    &format!(
                        "a line in the {} category charges no VAT: leave vat_rate out or give 0",
                        category.name()
                    ),
                );
            }
            VatCategory::Zero => return Some((VatRate::ZERO, category, None)),
            _ => {}
        }
        let exemption = match exemption {
            Some(e) if e == Exemption::franchise() => {
                return refuse(
                    p,
                    "vat_exemption",
                    "VATEX-FR-FRANCHISE is for a seller under the franchise en base: set vat_regime = \"franchise\" in config/company.toml",
                );
            }
            Some(e) if e.category() != category => {
                return refuse(
                    p,
                    "vat_exemption",
                    &format!(
                        "{} is a reason for the {} category, not {}",
                        e.code(),
                        e.category().name(),
                        category.name()
                    ),
                );
            }
            Some(e) => e,
            None => match Exemption::default_for(category) {
                Some(e) => e,
                None => {
                    return refuse(
                        p,
                        "vat_exemption",
                        "an exempt line needs its legal basis as a VATEX code (for example VATEX-FR-CGI261-4)",
                    );
                }
            },
        };
        Some((VatRate::ZERO, category, Some(exemption)))
    }
}

/// The rules across lines: a sale outside the scope of VAT is alone on its
/// invoice (EN 16931 BR-O-11), and each category states one reason.
pub(super) fn check_lines(lines: &[InvoiceLine], p: &mut Problems) {
    let outside = lines.iter().position(|l| l.vat_category == VatCategory::OutsideScope);
    let other = lines.iter().position(|l| l.vat_category != VatCategory::OutsideScope);
    if let (Some(first), Some(other)) = (outside, other) {
        p.push(
            format!("lines[{other}].vat_category"),
            format!("line {} is outside the scope of VAT, and such an invoice carries no other kind of line: issue two invoices", first + 1),
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let first = lines.iter().find(|l| l.vat_category == line.vat_category);
        if let Some(first) = first.filter(|f| f.vat_exemption != line.vat_exemption) {
            p.push(
                format!("lines[{i}].vat_exemption"),
                format!(
                    "differs from {} given for another {} line: an invoice states one reason per category",
                    first.vat_exemption.map_or("no reason", Exemption::code),
                    line.vat_category.name()
                ),
            );
            break;
        }
    }
}

/// Member states of the European Union (ISO 3166 alpha-2; Greece as EL
/// in VAT numbers, GR in addresses).
const EU: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

pub fn in_eu(country: &str) -> bool {
    EU.contains(&country)
}

/// The rules that need the buyer and where the goods go: reverse charge
/// and intra-community supplies to an EU business with its VAT number,
/// goods only for an intra-community supply, exports leaving the EU.
pub(super) fn check_parties(
    lines: &[InvoiceLine],
    category: OperationCategory,
    buyer: &Customer,
    deliver_to: &Address,
    p: &mut Problems,
) {
    let mut seen = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let vat = line.vat_category;
        if seen.contains(&vat) {
            continue;
        }
        seen.push(vat);
        let field = format!("lines[{i}].vat_category");
        if vat.needs_buyer_vat_number() {
            if buyer.kind == CustomerKind::Consumer {
                p.push(
                    &field,
                    format!(
                        "{} applies between businesses only, and customer {} is a consumer",
                        vat.name(),
                        buyer.id
                    ),
                );
                continue;
            }
            if buyer.vat_number.is_none() {
                p.push(
                    &field,
                    format!(
                        "{} needs the buyer's VAT number: record it on customer {} first",
                        vat.name(),
                        buyer.id
                    ),
                );
            }
        }
        let country = deliver_to.country.as_str();
        match vat {
            VatCategory::IntraCommunity if category == OperationCategory::Services => {
                p.push(
                    &field,
                    "an intra-community supply is of goods: a service to an EU business is reverse_charge",
                );
            }
            VatCategory::IntraCommunity if country == "FR" || !in_eu(country) => {
                p.push(
                    &field,
                    format!("an intra-community supply goes to another EU member state, and the goods go to {country}"),
                );
            }
            VatCategory::Export if in_eu(country) => {
                p.push(&field, format!("an export leaves the European Union, and the goods go to {country}: use intra_community within the EU"));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (rate in basis points, category code, exemption code)
    type Seen = (u32, &'static str, Option<&'static str>);

    fn resolve(
        regime: VatRegime,
        rate: Option<&str>,
        category: Option<&str>,
        exemption: Option<&str>,
    ) -> Result<Seen, String> {
        let mut p = Problems::default();
        let vat = LineVat {
            rate,
            category,
            exemption,
        };
        match vat.resolve(regime, VatTerritory::Metropolitan, "lines[0]", &mut p) {
            Some((rate, category, exemption)) => {
                Ok((rate.basis_points(), category.code(), exemption.map(Exemption::code)))
            }
            None => Err(p.fields().join(",")),
        }
    }

    #[test]
    fn each_case_resolves_to_its_category_and_reason_or_names_the_field() {
        use VatRegime::{Franchise, Normal};
        type Case<'a> = (
            VatRegime,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Result<Seen, &'a str>,
        );
        let cases: Vec<Case> = vec![
            (Normal, Some("20"), None, None, Ok((2000, "S", None))),
            (Normal, Some("5.5"), Some("standard"), None, Ok((550, "S", None))),
            (Normal, Some("0"), None, None, Err("lines[0].vat_category")),
            (Normal, None, None, None, Err("lines[0].vat_rate")),
            (Normal, Some("0"), Some("standard"), None, Err("lines[0].vat_rate")),
            (
                Normal,
                Some("20"),
                Some("standard"),
                Some("VATEX-EU-AE"),
                Err("lines[0].vat_exemption"),
            ),
            (Normal, None, Some("zero"), None, Ok((0, "Z", None))),
            (
                Normal,
                None,
                Some("reverse_charge"),
                None,
                Ok((0, "AE", Some("VATEX-EU-AE"))),
            ),
            (
                Normal,
                Some("0"),
                Some("intra_community"),
                None,
                Ok((0, "K", Some("VATEX-EU-IC"))),
            ),
            (Normal, None, Some("export"), None, Ok((0, "G", Some("VATEX-EU-G")))),
            (Normal, Some("20"), Some("export"), None, Err("lines[0].vat_rate")),
            (
                Normal,
                None,
                Some("outside_scope"),
                None,
                Ok((0, "O", Some("VATEX-EU-O"))),
            ),
            (Normal, None, Some("exempt"), None, Err("lines[0].vat_exemption")),
            (
                Normal,
                None,
                Some("exempt"),
                Some("VATEX-FR-CGI261-4"),
                Ok((0, "E", Some("VATEX-FR-CGI261-4"))),
            ),
            (
                Normal,
                None,
                Some("exempt"),
                Some("VATEX-EU-AE"),
                Err("lines[0].vat_exemption"),
            ),
            (
                Normal,
                None,
                Some("exempt"),
                Some("VATEX-FR-FRANCHISE"),
                Err("lines[0].vat_exemption"),
            ),
            (
                Normal,
                None,
                Some("exempt"),
                Some("VATEX-XX"),
                Err("lines[0].vat_exemption"),
            ),
            (Normal, Some("21.7%"), None, None, Err("lines[0].vat_rate")),
            (Normal, None, Some("reduced"), None, Err("lines[0].vat_category")),
            (Franchise, None, None, None, Ok((0, "E", Some("VATEX-FR-FRANCHISE")))),
            (
                Franchise,
                Some("0"),
                Some("exempt"),
                None,
                Ok((0, "E", Some("VATEX-FR-FRANCHISE"))),
            ),
            (Franchise, Some("20"), None, None, Err("lines[0].vat_rate")),
            (Franchise, None, Some("export"), None, Err("lines[0].vat_category")),
        ];
        for (regime, rate, category, exemption, want) in cases {
            let got = resolve(regime, rate, category, exemption);
            let want = want.map_err(str::to_string);
            assert_eq!(
                got, want,
                "{regime:?} rate {rate:?} category {category:?} exemption {exemption:?}"
            );
        }
    }

    #[test]
    fn the_parties_decide_whether_a_case_applies() {
        use crate::domain::fixtures::{business, consumer};
        use crate::domain::invoice::InvoiceInput;
        let german = business("de", "DE", Some("DE123456789"));
        let french_without_vat = business("fr2", "FR", None);
        let swiss = business("ch", "CH", Some("CHE123456789"));
        let french = business("fr", "FR", Some("FR44732829320"));
        let person = consumer("p");
        // (category of the sale, line category, buyer, the field and words refused or None)
        let cases: Vec<(&str, &str, &Customer, Option<&str>)> = vec![
            ("services", "reverse_charge", &german, None),
            (
                "services",
                "reverse_charge",
                &french_without_vat,
                Some("needs the buyer's VAT number"),
            ),
            ("services", "reverse_charge", &person, Some("between businesses only")),
            ("goods", "intra_community", &german, None),
            ("services", "intra_community", &german, Some("is of goods")),
            ("goods", "intra_community", &french, Some("another EU member state")),
            ("goods", "intra_community", &swiss, Some("another EU member state")),
            ("goods", "export", &swiss, None),
            ("goods", "export", &german, Some("leaves the European Union")),
            ("goods", "zero", &person, None),
        ];
        for (sale, category, buyer, refused) in cases {
            let input: InvoiceInput = serde_json::from_value(serde_json::json!({
                "customer_id": buyer.id.to_string(), "currency": "EUR", "issue_date": "2026-11-02", "due_date": "2026-12-02",
                "category": sale,
                "lines": [{ "description": "x", "quantity": 1, "unit_price_minor": 100, "vat_category": category }]
            }))
            .unwrap_or_else(|e| panic!("{e}"));
            let draft = input.parse().unwrap_or_else(|e| panic!("{category}: {e:?}"));
            let got = draft.check_buyer(buyer).err().map(|errors| {
                assert_eq!(errors[0].field, "lines[0].vat_category", "{category}");
                errors[0].reason.clone()
            });
            match (refused, got) {
                (None, None) => {}
                (Some(words), Some(reason)) => assert!(reason.contains(words), "{category} to {}: {reason}", buyer.id),
                (want, got) => panic!("{sale} {category} to {}: wanted {want:?}, got {got:?}", buyer.id),
            }
        }
    }

    #[test]
    fn outside_scope_stands_alone_and_a_category_gives_one_reason() {
        use crate::domain::invoice::InvoiceInput;
        let refused = |lines: serde_json::Value| -> Vec<String> {
            let input: InvoiceInput = serde_json::from_value(serde_json::json!({
                "customer_id": "c", "currency": "EUR", "issue_date": "2026-11-02", "due_date": "2026-12-02",
                "category": "services", "lines": lines
            }))
            .unwrap_or_else(|e| panic!("{e}"));
            input
                .parse()
                .err()
                .map(|e| e.into_iter().map(|f| f.field).collect())
                .unwrap_or_default()
        };
        let outside = serde_json::json!({ "description": "Débours", "quantity": 1, "unit_price_minor": 100, "vat_category": "outside_scope" });
        let taxed =
            serde_json::json!({ "description": "Travaux", "quantity": 1, "unit_price_minor": 100, "vat_rate": "20" });
        assert_eq!(refused(serde_json::json!([outside, taxed])), ["lines[1].vat_category"]);
        assert!(refused(serde_json::json!([outside, outside])).is_empty());
        let health = serde_json::json!({ "description": "Soin", "quantity": 1, "unit_price_minor": 100, "vat_category": "exempt", "vat_exemption": "VATEX-FR-CGI261-4" });
        let school = serde_json::json!({ "description": "Cours", "quantity": 1, "unit_price_minor": 100, "vat_category": "exempt", "vat_exemption": "VATEX-EU-132" });
        assert_eq!(refused(serde_json::json!([health, school])), ["lines[1].vat_exemption"]);
        assert!(refused(serde_json::json!([health, health])).is_empty());
    }

    #[test]
    fn the_eu_is_twenty_seven_and_excludes_its_neighbours() {
        assert_eq!(EU.len(), 27);
        assert!(in_eu("DE") && in_eu("FR") && in_eu("GR"));
        assert!(!in_eu("CH") && !in_eu("GB") && !in_eu("NO") && !in_eu("US"));
    }
}
