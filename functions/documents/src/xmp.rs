//! Factur-X's XMP, added to the PDF krilla wrote. Factur-X asks the XMP to
//! say what is embedded (the fx: properties) and to describe that schema
//! (a PDF/A extension schema); krilla writes the PDF/A part itself and has
//! no hook for more. So the metadata stream is written again, with both,
//! as an incremental update: the original bytes stay as they are, a new
//! version of the one metadata object and its cross-reference section are
//! appended, as PDF allows. Pure and deterministic, like the rest.

use crate::pdf::PdfError;

const FX_NAMESPACE: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";

/// The Factur-X schema's description, for the PDF/A extension schemas.
fn fx_schema() -> String {
    let property = |name: &str, description: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name>\
             <pdfaProperty:valueType>Text</pdfaProperty:valueType>\
             <pdfaProperty:category>external</pdfaProperty:category>\
             <pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        )
    };
    format!(
        "<rdf:li rdf:parseType=\"Resource\"><pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\
         <pdfaSchema:namespaceURI>{FX_NAMESPACE}</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix>\
         <pdfaSchema:property><rdf:Seq>{}{}{}{}</rdf:Seq></pdfaSchema:property></rdf:li>",
        property("DocumentFileName", "The name of the embedded XML document"),
        property(
            "DocumentType",
            "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"
        ),
        property(
            "Version",
            "The actual version of the standard applying to the embedded XML document"
        ),
        property("ConformanceLevel", "The conformance level of the embedded XML document"),
    )
}

fn fx_values() -> String {
    format!(
        "<rdf:Description rdf:about=\"\" xmlns:fx=\"{FX_NAMESPACE}\">\
         <fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>\
         <fx:Version>1.0</fx:Version><fx:ConformanceLevel>EN 16931</fx:ConformanceLevel></rdf:Description>"
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The number after `key` in `dict` ("/Root 27 0 R" → 27).
fn number_after(dict: &str, key: &str) -> Option<u64> {
    let rest = &dict[dict.find(key)? + key.len()..];
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn malformed(what: &str) -> PdfError {
    PdfError::Write(format!("the written PDF has no {what}"))
}

pub fn with_facturx(mut pdf: Vec<u8>) -> Result<Vec<u8>, PdfError> {
    let begin = find(&pdf, b"<?xpacket begin").ok_or_else(|| malformed("XMP packet"))?;
    let end_marker = b"<?xpacket end=\"r\"?>";
    let end = find(&pdf[begin..], end_marker).ok_or_else(|| malformed("XMP packet end"))? + begin + end_marker.len();
    let xmp = std::str::from_utf8(&pdf[begin..end]).map_err(|_| malformed("UTF-8 XMP"))?;
    let bag = "<pdfaExtension:schemas><rdf:Bag>";
    let at = xmp.find(bag).ok_or_else(|| malformed("extension schemas"))? + bag.len();
    let close = xmp.rfind("</rdf:RDF>").ok_or_else(|| malformed("RDF end"))?;
    let xmp = format!(
        "{}{}{}{}{}",
        &xmp[..at],
        fx_schema(),
        &xmp[at..close],
        fx_values(),
        &xmp[close..]
    );

    let trailer_at = rfind(&pdf, b"trailer").ok_or_else(|| malformed("trailer"))?;
    let startxref_at = rfind(&pdf, b"startxref").ok_or_else(|| malformed("startxref"))?;
    let trailer = std::str::from_utf8(&pdf[trailer_at..startxref_at]).map_err(|_| malformed("ASCII trailer"))?;
    let tail = std::str::from_utf8(&pdf[startxref_at..]).map_err(|_| malformed("ASCII startxref"))?;
    let previous = number_after(tail, "startxref").ok_or_else(|| malformed("previous xref offset"))?;
    let size = number_after(trailer, "/Size").ok_or_else(|| malformed("/Size"))?;
    let root = number_after(trailer, "/Root").ok_or_else(|| malformed("/Root"))?;
    let info = number_after(trailer, "/Info");
    let id = trailer
        .find("/ID")
        .and_then(|i| trailer[i..].find(']').map(|j| &trailer[i..=i + j]))
        .ok_or_else(|| malformed("/ID"))?
        .to_string();
    let catalog_at = find(&pdf, format!("\n{root} 0 obj").as_bytes()).ok_or_else(|| malformed("catalog"))?;
    let catalog = String::from_utf8_lossy(&pdf[catalog_at..(catalog_at + 400).min(pdf.len())]).to_string();
    let metadata = number_after(&catalog, "/Metadata").ok_or_else(|| malformed("catalog metadata"))?;

    if pdf.last() != Some(&b'\n') {
        pdf.push(b'\n');
    }
    let object_at = pdf.len();
    pdf.extend_from_slice(
        format!(
            "{metadata} 0 obj\n<</Length {}/Type/Metadata/Subtype/XML>>\nstream\n",
            xmp.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(xmp.as_bytes());
    pdf.extend_from_slice(b"\nendstream\nendobj\n");
    let xref_at = pdf.len();
    let info = info.map(|i| format!("/Info {i} 0 R")).unwrap_or_default();
    pdf.extend_from_slice(
        format!(
            "xref\n0 1\n0000000000 65535 f \n{metadata} 1\n{object_at:010} 00000 n \n\
             trailer\n<</Size {size}/Root {root} 0 R{info}{id}/Prev {previous}>>\nstartxref\n{xref_at}\n%%EOF\n"
        )
        .as_bytes(),
    );
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_after_their_key() {
        assert_eq!(number_after("<</Size 28/Root 27 0 R>>", "/Root"), Some(27));
        assert_eq!(number_after("<</Size 28/Root 27 0 R>>", "/Size"), Some(28));
        assert_eq!(number_after("<</Size 28>>", "/Root"), None);
    }

    #[test]
    fn a_pdf_without_xmp_is_refused_not_guessed() {
        assert!(with_facturx(b"%PDF-1.7\n%%EOF\n".to_vec()).is_err());
    }
}
