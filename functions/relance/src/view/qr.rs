//! A QR code's modules, for the pages (SVG) and the PDF (filled squares).

use qrcode::{Color, EcLevel, QrCode};

/// The dark modules of `text`'s QR code at level M (what the EPC asks),
/// as (column, row), and the code's width in modules. None if the text
/// does not fit a QR code.
pub fn modules(text: &str) -> Option<(usize, Vec<(usize, usize)>)> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c == Color::Dark)
        .map(|(i, _)| (i % width, i / width))
        .collect();
    Some((width, dark))
}

/// An inline SVG of `text`'s QR code with a four-module quiet zone,
/// drawn as one path (no external resource, nothing the page's CSP
/// would refuse). `label` is its accessible name.
pub fn svg(text: &str, label: &str) -> Option<String> {
    let (width, dark) = modules(text)?;
    let size = width + 8;
    let mut path = String::with_capacity(dark.len() * 12);
    for (x, y) in dark {
        path.push_str(&format!("M{} {}h1v1h-1z", x + 4, y + 4));
    }
    let label = tera::escape_html(label);
    Some(format!(
        r##"<svg class="qr" role="img" aria-label="{label}" viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_has_its_finder_patterns() {
        let (width, dark) = super::modules("BCD\n002\n1\nSCT").unwrap_or_else(|| panic!("fits"));
        assert!(width >= 21);
        // The top-left finder pattern's corner and centre are dark.
        assert!(dark.contains(&(0, 0)) && dark.contains(&(3, 3)));
        let svg = super::svg("hello", "a <code>").unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.contains("a &lt;code&gt;"), "{svg}");
    }
}
