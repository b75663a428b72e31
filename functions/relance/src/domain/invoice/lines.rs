//! An invoice's lines and the totals they add up to (the rounding rule is
//! in the parent module's documentation).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::decimal::format_scaled;
use crate::domain::exemption::Exemption;
use crate::domain::money::{checked_sum, div_round_half_away};
use crate::domain::unit::UnitCode;
use crate::domain::vat::{VatCategory, VatRate};

/// Quantities are kept in thousandths so "1.5 hours" is exact.
pub const QUANTITY_SCALE: u32 = 3;
/// A line count no real invoice reaches; bounds the item size.
pub const MAX_LINES: usize = 200;
/// The largest quantity on a line, in thousandths (a thousand million units).
pub const MAX_QUANTITY_MILLI: u64 = 1_000_000_000_000;
/// The largest unit price, in minor units (ten thousand million euros).
pub const MAX_UNIT_PRICE_MINOR: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationCategory {
    Goods,
    Services,
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub description: String,
    /// Thousandths of a unit.
    pub quantity_milli: u64,
    #[serde(default)]
    pub unit: UnitCode,
    pub unit_price_minor: i64,
    /// Discount on this line in basis points (1000 = 10 %).
    pub discount_bp: u32,
    pub vat_rate: VatRate,
    #[serde(default = "standard")]
    pub vat_category: VatCategory,
    /// Why no VAT is charged, for every category but standard and zero.
    #[serde(default)]
    pub vat_exemption: Option<Exemption>,
    pub net_minor: i64,
}

fn standard() -> VatCategory {
    VatCategory::Standard
}

impl InvoiceLine {
    pub fn quantity_text(&self) -> String {
        format_scaled(self.quantity_milli, QUANTITY_SCALE)
    }

    /// Quantity × unit price before the line's discount.
    pub fn undiscounted_net(&self) -> Option<i64> {
        Self::compute_net(self.quantity_milli, self.unit_price_minor, 0)
    }

    /// The line's net, or `None` when it does not fit in an `i64`. Worked
    /// in `i128` with checked steps: quantity (< 2^64) × price (< 2^63) ×
    /// 10 000 cannot reach 2^127, but the steps say so rather than assume it.
    pub(crate) fn compute_net(quantity_milli: u64, unit_price_minor: i64, discount_bp: u32) -> Option<i64> {
        let kept = 10_000u32.checked_sub(discount_bp)?;
        let after_discount = i128::from(quantity_milli)
            .checked_mul(i128::from(unit_price_minor))?
            .checked_mul(i128::from(kept))?;
        i64::try_from(div_round_half_away(after_discount, 1_000 * 10_000)).ok()
    }
}

/// The VAT of one category at one rate (EN 16931 BG-23): an invoice has
/// one per (category, rate), and one exemption reason per category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatBreakdown {
    pub rate: VatRate,
    pub base_minor: i64,
    pub vat_minor: i64,
    #[serde(default = "standard")]
    pub category: VatCategory,
    #[serde(default)]
    pub exemption: Option<Exemption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub net_minor: i64,
    pub vat_minor: i64,
    pub gross_minor: i64,
    /// Sum of the line discounts, shown as a mandatory mention.
    pub discount_minor: i64,
    pub by_rate: Vec<VatBreakdown>,
}

impl Totals {
    /// The totals of `lines`, or `None` when a sum would not fit in an
    /// `i64` (the caller names the field; nothing ever wraps).
    pub fn compute(lines: &[InvoiceLine]) -> Option<Self> {
        // Standard first, highest rate first, as French invoices print them.
        let mut bases: BTreeMap<(std::cmp::Reverse<VatRate>, VatCategory), (i64, Option<Exemption>)> = BTreeMap::new();
        let mut discount_minor: i64 = 0;
        for line in lines {
            let key = (std::cmp::Reverse(line.vat_rate), line.vat_category);
            let (base, exemption) = bases.entry(key).or_insert((0, line.vat_exemption));
            *base = base.checked_add(line.net_minor)?;
            // The request's check keeps one reason per category; the first
            // line's stands if a stored invoice ever broke that.
            *exemption = exemption.or(line.vat_exemption);
            let undiscounted = InvoiceLine::compute_net(line.quantity_milli, line.unit_price_minor, 0)?;
            discount_minor = discount_minor.checked_add(undiscounted.checked_sub(line.net_minor)?)?;
        }
        let by_rate = bases
            .into_iter()
            .map(|((std::cmp::Reverse(rate), category), (base_minor, exemption))| {
                let vat = div_round_half_away(i128::from(base_minor) * i128::from(rate.basis_points()), 10_000);
                Some(VatBreakdown {
                    rate,
                    base_minor,
                    vat_minor: i64::try_from(vat).ok()?,
                    category,
                    exemption,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let net_minor = checked_sum(by_rate.iter().map(|b| b.base_minor))?;
        let vat_minor = checked_sum(by_rate.iter().map(|b| b.vat_minor))?;
        Some(Self {
            net_minor,
            vat_minor,
            gross_minor: net_minor.checked_add(vat_minor)?,
            discount_minor,
            by_rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty_milli: u64, price: i64, discount_bp: u32, vat_bp: u32) -> InvoiceLine {
        InvoiceLine {
            description: "x".into(),
            quantity_milli: qty_milli,
            unit: UnitCode::default(),
            unit_price_minor: price,
            discount_bp,
            vat_rate: VatRate::from_basis_points(vat_bp).unwrap_or_else(|e| panic!("{e}")),
            vat_category: if vat_bp == 0 {
                VatCategory::Zero
            } else {
                VatCategory::Standard
            },
            vat_exemption: None,
            net_minor: InvoiceLine::compute_net(qty_milli, price, discount_bp).unwrap_or(i64::MIN),
        }
    }

    fn totals(lines: &[InvoiceLine]) -> Totals {
        Totals::compute(lines).unwrap_or_else(|| panic!("totals of {lines:?} fit"))
    }

    #[test]
    fn line_nets_round_half_away_from_zero() {
        // (quantity, unit price, discount, expected net)
        let cases = [
            (1_000, 1000, 0, 1000),    // 1 × 10.00
            (1_500, 333, 0, 500),      // 1.5 × 3.33 = 4.995 → 5.00
            (3_000, 333, 0, 999),      // exact
            (1_000, 1005, 5000, 503),  // 10.05 − 50 % = 5.025 → 5.03
            (2_000, 1999, 1000, 3598), // 39.98 − 10 % = 35.982 → 35.98
            (333, 1, 0, 0),            // 0.333 × 0.01 → 0.00
        ];
        for (q, price, disc, want) in cases {
            assert_eq!(
                InvoiceLine::compute_net(q, price, disc),
                Some(want),
                "{q} × {price} − {disc}bp"
            );
        }
    }

    #[test]
    fn vat_is_computed_once_per_rate_on_the_sum_of_nets() {
        // Three lines at 20 % of 0.33 each: per-line VAT would be 3 × 0.07 = 0.21,
        // per-rate VAT on 0.99 is 0.198 → 0.20. The rule is per rate.
        let lines = [
            line(1_000, 33, 0, 2000),
            line(1_000, 33, 0, 2000),
            line(1_000, 33, 0, 2000),
            line(1_000, 1000, 0, 550),
        ];
        let t = totals(&lines);
        assert_eq!(t.by_rate.len(), 2);
        assert_eq!((t.by_rate[0].base_minor, t.by_rate[0].vat_minor), (99, 20));
        assert_eq!((t.by_rate[1].base_minor, t.by_rate[1].vat_minor), (1000, 55));
        assert_eq!((t.net_minor, t.vat_minor, t.gross_minor), (1099, 75, 1174));
    }

    #[test]
    fn discounts_are_totalled() {
        let t = totals(&[line(2_000, 5000, 1000, 2000)]);
        assert_eq!((t.net_minor, t.discount_minor, t.vat_minor), (9000, 1000, 1800));
    }

    #[test]
    fn totals_report_a_sum_that_does_not_fit() {
        let huge = InvoiceLine {
            net_minor: i64::MAX,
            quantity_milli: 1000,
            unit_price_minor: i64::MAX,
            ..line(1000, 1, 0, 2000)
        };
        assert_eq!(Totals::compute(&[huge.clone(), huge]), None);
        assert_eq!(InvoiceLine::compute_net(u64::MAX, i64::MAX, 0), None);
        assert_eq!(InvoiceLine::compute_net(1000, 1, 10_001), None, "a discount over 100 %");
    }
}
