//! Exact decimal numbers written by people ("5.5", "1.25") parsed into
//! integers with a fixed number of decimals. No floating point anywhere.

/// Parses a non-negative decimal with at most `scale` decimals into an
/// integer scaled by `10^scale`: `parse_scaled("5.5", 2) == Ok(550)`.
pub fn parse_scaled(text: &str, scale: u32) -> Result<u64, String> {
    let text = text.trim();
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
        return Err(format!("`{text}` is not a decimal number such as 20 or 5.5"));
    }
    if fraction.len() > scale as usize {
        return Err(format!("`{text}` has more than {scale} decimals"));
    }
    let whole: u64 = whole.parse().map_err(|_| format!("`{text}` is too large"))?;
    let padded = format!("{fraction:0<width$}", width = scale as usize);
    let fraction: u64 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| format!("`{text}` is not a decimal"))?
    };
    whole
        .checked_mul(10u64.pow(scale))
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Writes a scaled integer back as a decimal, dropping trailing zeros:
/// `format_scaled(550, 2) == "5.5"`.
pub fn format_scaled(value: u64, scale: u32) -> String {
    let divisor = 10u64.pow(scale);
    let whole = value / divisor;
    let fraction = value % divisor;
    if fraction == 0 {
        return whole.to_string();
    }
    let fraction = format!("{fraction:0width$}", width = scale as usize);
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let cases = [
            ("20", 2, 2000),
            ("5.5", 2, 550),
            ("2,1", 2, 210),
            ("0", 2, 0),
            ("1.250", 3, 1250),
        ];
        for (text, scale, want) in cases {
            assert_eq!(parse_scaled(text, scale), Ok(want), "{text}");
        }
        assert_eq!(format_scaled(550, 2), "5.5");
        assert_eq!(format_scaled(2000, 2), "20");
        assert_eq!(format_scaled(1250, 3), "1.25");
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        for bad in ["", "-1", "1.234", "abc", "1e3", ".5", "99999999999999999999"] {
            assert!(parse_scaled(bad, 2).is_err(), "{bad:?} should be refused");
        }
    }
}
