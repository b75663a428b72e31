//! Trend charts drawn on the server as SVG: no script, nothing from
//! elsewhere, the figures written beside each point so the chart reads
//! without a hover (and the same figures are in a table next to it for a
//! screen reader, see `templates/console/balance.html`).

use std::fmt::Write;

const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 170.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 26.0;
/// Colours that keep a 4.5:1 contrast on white, told apart by their dash
/// too, so a chart does not rest on colour alone.
const STROKES: [(&str, &str); 3] = [("#1d4ed8", ""), ("#9a3412", "6 4"), ("#047857", "2 3")];

/// One line of a chart: its name and a value per month (`None`: nothing
/// to measure that month, drawn as a gap).
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The x of month `i` of `n`, centred in its column.
fn x(i: usize, n: usize) -> f64 {
    let column = (WIDTH - LEFT - RIGHT) / n.max(1) as f64;
    LEFT + column * (i as f64 + 0.5)
}

/// The y of `v` between `low` and `high`.
fn y(v: f64, (low, high): (f64, f64)) -> f64 {
    let span = if high > low { high - low } else { 1.0 };
    let t = ((v - low) / span).clamp(0.0, 1.0);
    TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - t)
}

fn open(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" x2="{}" y1="{b}" y2="{b}" stroke="#6b7280" stroke-width="1"/>"##,
        WIDTH - RIGHT,
        b = HEIGHT - BOTTOM
    );
}

fn months(out: &mut String, labels: &[String]) {
    for (i, label) in labels.iter().enumerate() {
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13" fill="#374151">{}</text>"##,
            x(i, labels.len()),
            HEIGHT - 8.0,
            escape(label)
        );
    }
}

/// Lines over the months, each point labelled with `format(series, value)`.
/// `empty` is said in the middle when no month measured anything.
pub fn lines(
    title: &str,
    labels: &[String],
    series: &[Series],
    range: (f64, f64),
    format: &dyn Fn(usize, f64) -> String,
    empty: &str,
) -> String {
    let mut out = String::new();
    open(&mut out, title);
    let n = labels.len();
    if series.iter().all(|s| s.values.iter().all(Option::is_none)) {
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="14" fill="#4b5563">{}</text>"##,
            WIDTH / 2.0,
            (HEIGHT - BOTTOM) / 2.0 + 6.0,
            escape(empty)
        );
    }
    for (k, (s, (stroke, dash))) in series.iter().zip(STROKES.iter().cycle()).enumerate() {
        // A gap (no value) ends a segment: the line never bridges a month
        // that measured nothing.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i, n),
                        y(*v, range)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(out, "<g><title>{}</title>", escape(&s.name));
        if !path.is_empty() {
            let _ = write!(
                out,
                r#"<path d="{}" fill="none" stroke="{stroke}" stroke-width="2" stroke-dasharray="{dash}"/>"#,
                path.trim_end()
            );
        }
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let (px, py) = (x(i, n), y(*v, range));
                let _ = write!(
                    out,
                    r#"<circle cx="{px:.1}" cy="{py:.1}" r="3" fill="{stroke}"/><text x="{px:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="{stroke}">{}</text>"#,
                    py - 7.0,
                    escape(&format(k, *v))
                );
            }
        }
        out.push_str("</g>");
    }
    months(&mut out, labels);
    out.push_str("</svg>");
    out
}

/// Bars over the months against a limit drawn as a dashed line (the
/// month's budget).
pub fn bars(
    title: &str,
    labels: &[String],
    values: &[f64],
    limit: Option<f64>,
    format: &dyn Fn(f64) -> String,
) -> String {
    let mut out = String::new();
    open(&mut out, title);
    let n = labels.len();
    let high = values.iter().copied().chain(limit).fold(0.0_f64, f64::max).max(1.0);
    let range = (0.0, high);
    let column = (WIDTH - LEFT - RIGHT) / n.max(1) as f64;
    for (i, v) in values.iter().enumerate() {
        let top = y(*v, range);
        let over = limit.is_some_and(|l| *v > l);
        let fill = if over { "#9a3412" } else { "#1d4ed8" };
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"#,
            x(i, n) - column * 0.3,
            column * 0.6,
            (HEIGHT - BOTTOM - top).max(0.0),
        );
        // Nothing granted needs no figure: the empty column says it.
        if *v != 0.0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="{fill}">{}</text>"#,
                x(i, n),
                top - 5.0,
                escape(&format(*v))
            );
        }
    }
    if let Some(limit) = limit {
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{l:.1}" y2="{l:.1}" stroke="#111827" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
            WIDTH - RIGHT,
            l = y(limit, range)
        );
    }
    months(&mut out, labels);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["juil.", "août", "sept."].map(String::from).to_vec()
    }

    #[test]
    fn a_month_without_a_value_breaks_the_line_and_has_no_point() {
        let svg = lines(
            "Délai <de> paiement",
            &labels(),
            &[Series {
                name: "DSO".into(),
                values: vec![Some(30.0), None, Some(45.0)],
            }],
            (0.0, 60.0),
            &|_, v| format!("{v:.0} j"),
            "rien à mesurer",
        );
        assert!(!svg.contains("rien à mesurer"), "there are values");
        assert!(svg.contains("aria-label=\"Délai &lt;de&gt; paiement\""), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2);
        // Two separate moves, no line drawn across August.
        assert_eq!(svg.matches('M').count() - svg.matches("Mo").count(), 2, "{svg}");
        assert!(svg.contains(">30 j<") && svg.contains(">45 j<"));
    }

    #[test]
    fn a_bar_over_the_limit_is_drawn_in_the_warning_colour() {
        let svg = bars("Gestes", &labels(), &[100.0, 250.0, 0.0], Some(200.0), &|v| {
            format!("{v:.0} €")
        });
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(
            svg.matches("fill=\"#9a3412\"").count(),
            2,
            "one bar and its label: {svg}"
        );
        assert_eq!(
            svg.matches("<text").count(),
            2 + 3,
            "no figure on the empty month, three months"
        );
        assert!(svg.contains("stroke-dasharray=\"6 4\""), "the budget line");
    }
}
