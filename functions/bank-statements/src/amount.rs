//! Amounts as statements write them, into minor units.

use relance::domain::Currency;
use relance::domain::decimal::parse_scaled;
use relance::domain::money::MAX_AMOUNT_MINOR;

/// "1440.50" in `currency` → 144050; refuses more decimals than the
/// currency has, signs, and amounts past relance's bound.
pub fn minor_units(text: &str, currency: &str) -> Result<(i64, String), String> {
    let currency = Currency::parse(currency).map_err(|e| format!("currency: {e}"))?;
    let scaled = parse_scaled(text, currency.exponent())?;
    let minor = i64::try_from(scaled).map_err(|_| format!("`{text}` is too large"))?;
    if minor > MAX_AMOUNT_MINOR {
        return Err(format!("`{text}` is larger than relance's bound"));
    }
    Ok((minor, currency.code().to_string()))
}
