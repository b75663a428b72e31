//! OASIS UBL 2.1 Invoice and CreditNote at EN 16931, for buyers whose
//! platform asks for UBL. The same `Document` as CII, in UBL's order.

use chrono::NaiveDate;

use crate::model::{Document, Kind, Line, Party};
use crate::xml::{Xml, XmlResult};
use relance::domain::customer::Address;
use relance::domain::vat::VatCategory;

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

pub fn write(doc: &Document) -> Result<Vec<u8>, std::io::Error> {
    let (root, namespace, type_code, line_name, quantity_name) = match doc.kind {
        Kind::Invoice => (
            "Invoice",
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            "cbc:InvoiceTypeCode",
            "cac:InvoiceLine",
            "cbc:InvoicedQuantity",
        ),
        Kind::CreditNote => (
            "CreditNote",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
            "cbc:CreditNoteTypeCode",
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        ),
    };
    let mut x = Xml::new()?;
    x.open(root, &[("xmlns", namespace), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)])?;
    x.leaf("cbc:CustomizationID", crate::cii::GUIDELINE)?;
    x.leaf("cbc:ID", &doc.number)?;
    x.leaf("cbc:IssueDate", &day(doc.issue_date))?;
    // UBL 2.1's CreditNote has no due date at its root.
    if let (Kind::Invoice, Some(due)) = (doc.kind, doc.due_date) {
        x.leaf("cbc:DueDate", &day(due))?;
    }
    x.leaf(type_code, doc.kind.code())?;
    for (subject, text) in &doc.notes {
        // EN 16931's UBL binding carries the subject code as "#CODE#".
        match subject {
            Some(code) => x.leaf("cbc:Note", &format!("#{code}#{text}"))?,
            None => x.leaf("cbc:Note", text)?,
        }
    }
    x.leaf("cbc:DocumentCurrencyCode", doc.currency)?;
    x.maybe("cbc:BuyerReference", doc.buyer_reference.as_deref())?;
    if let Some(code) = doc.vat_point_code {
        x.within("cac:InvoicePeriod", |x| x.leaf("cbc:DescriptionCode", tax_point(code)))?;
    }
    if let Some(order) = &doc.order_reference {
        x.within("cac:OrderReference", |x| x.leaf("cbc:ID", order))?;
    }
    if let Some((number, issued)) = &doc.preceding {
        x.within("cac:BillingReference", |x| {
            x.within("cac:InvoiceDocumentReference", |x| {
                x.leaf("cbc:ID", number)?;
                x.leaf("cbc:IssueDate", &day(*issued))
            })
        })?;
    }
    x.within("cac:AccountingSupplierParty", |x| party(x, &doc.seller))?;
    x.within("cac:AccountingCustomerParty", |x| party(x, &doc.buyer))?;
    if doc.delivery_date.is_some() || doc.deliver_to.is_some() {
        x.within("cac:Delivery", |x| {
            x.maybe("cbc:ActualDeliveryDate", doc.delivery_date.map(day).as_deref())?;
            if let Some(to) = &doc.deliver_to {
                x.within("cac:DeliveryLocation", |x| address(x, "cac:Address", to))?;
            }
            Ok(())
        })?;
    }
    for means in &doc.payment_means {
        x.within("cac:PaymentMeans", |x| {
            x.leaf("cbc:PaymentMeansCode", means.code)?;
            x.maybe("cbc:PaymentID", doc.remittance.as_deref())?;
            if let Some(iban) = &means.iban {
                x.within("cac:PayeeFinancialAccount", |x| {
                    x.leaf("cbc:ID", iban)?;
                    if let Some(bic) = &means.bic {
                        x.within("cac:FinancialInstitutionBranch", |x| x.leaf("cbc:ID", bic))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    }
    if let Some(terms) = &doc.payment_terms {
        x.within("cac:PaymentTerms", |x| x.leaf("cbc:Note", terms))?;
    }
    let money = [("currencyID", doc.currency)];
    x.within("cac:TaxTotal", |x| {
        x.leaf_with("cbc:TaxAmount", &money, &doc.totals.tax)?;
        for b in &doc.breakdown {
            x.within("cac:TaxSubtotal", |x| {
                x.leaf_with("cbc:TaxableAmount", &money, &b.base)?;
                x.leaf_with("cbc:TaxAmount", &money, &b.vat)?;
                x.within("cac:TaxCategory", |x| {
                    x.leaf("cbc:ID", b.category.code())?;
                    if b.category != VatCategory::OutsideScope {
                        x.leaf("cbc:Percent", &b.rate)?;
                    }
                    x.maybe("cbc:TaxExemptionReasonCode", b.exemption.map(|(code, _)| code))?;
                    x.maybe("cbc:TaxExemptionReason", b.exemption.map(|(_, text)| text))?;
                    vat_scheme(x)
                })
            })?;
        }
        Ok(())
    })?;
    let t = &doc.totals;
    x.within("cac:LegalMonetaryTotal", |x| {
        x.leaf_with("cbc:LineExtensionAmount", &money, &t.lines)?;
        x.leaf_with("cbc:TaxExclusiveAmount", &money, &t.tax_basis)?;
        x.leaf_with("cbc:TaxInclusiveAmount", &money, &t.grand)?;
        if let Some(prepaid) = &t.prepaid {
            x.leaf_with("cbc:PrepaidAmount", &money, prepaid)?;
        }
        x.leaf_with("cbc:PayableAmount", &money, &t.payable)
    })?;
    for line in &doc.lines {
        write_line(&mut x, line, doc.currency, line_name, quantity_name)?;
    }
    x.close(root)?;
    Ok(x.finish())
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// BT-8 in UBL's code list (UNTDID 2005 as EN 16931 binds it).
fn tax_point(cii_code: &str) -> &'static str {
    match cii_code {
        "5" => "3",
        "29" => "35",
        _ => "432",
    }
}

fn vat_scheme(x: &mut Xml) -> XmlResult {
    x.within("cac:TaxScheme", |x| x.leaf("cbc:ID", "VAT"))
}

fn write_line(x: &mut Xml, line: &Line, currency: &str, name: &str, quantity: &str) -> XmlResult {
    let money = [("currencyID", currency)];
    x.within(name, |x| {
        x.leaf("cbc:ID", &line.id)?;
        x.leaf_with(quantity, &[("unitCode", line.unit_code)], &line.quantity)?;
        x.leaf_with("cbc:LineExtensionAmount", &money, &line.net_amount)?;
        if let Some((percent, base, amount)) = &line.allowance {
            x.within("cac:AllowanceCharge", |x| {
                x.leaf("cbc:ChargeIndicator", "false")?;
                x.leaf("cbc:AllowanceChargeReasonCode", "95")?;
                x.leaf("cbc:AllowanceChargeReason", "Remise")?;
                x.leaf("cbc:MultiplierFactorNumeric", percent)?;
                x.leaf_with("cbc:Amount", &money, amount)?;
                x.leaf_with("cbc:BaseAmount", &money, base)
            })?;
        }
        x.within("cac:Item", |x| {
            x.leaf("cbc:Name", &line.name)?;
            x.within("cac:ClassifiedTaxCategory", |x| {
                x.leaf("cbc:ID", line.category.code())?;
                if line.category != VatCategory::OutsideScope {
                    x.leaf("cbc:Percent", &line.rate)?;
                }
                vat_scheme(x)
            })
        })?;
        x.within("cac:Price", |x| x.leaf_with("cbc:PriceAmount", &money, &line.net_price))
    })
}

fn party(x: &mut Xml, p: &Party) -> XmlResult {
    x.within("cac:Party", |x| {
        if let Some((scheme, value)) = &p.electronic_address {
            x.leaf_with("cbc:EndpointID", &[("schemeID", scheme)], value)?;
        }
        x.within("cac:PartyName", |x| x.leaf("cbc:Name", &p.name))?;
        address(x, "cac:PostalAddress", &p.address)?;
        if let Some(vat) = &p.vat_number {
            x.within("cac:PartyTaxScheme", |x| {
                x.leaf("cbc:CompanyID", vat)?;
                vat_scheme(x)
            })?;
        }
        x.within("cac:PartyLegalEntity", |x| {
            x.leaf("cbc:RegistrationName", &p.name)?;
            if let Some(siren) = &p.siren {
                x.leaf_with("cbc:CompanyID", &[("schemeID", "0002")], siren)?;
            }
            x.maybe("cbc:CompanyLegalForm", p.legal_information.as_deref())
        })?;
        if let Some(contact) = &p.contact {
            x.within("cac:Contact", |x| {
                x.leaf("cbc:Name", &contact.name)?;
                x.maybe("cbc:Telephone", contact.phone.as_deref())?;
                x.maybe("cbc:ElectronicMail", contact.email.as_deref())
            })?;
        }
        Ok(())
    })
}

fn address(x: &mut Xml, name: &str, a: &Address) -> XmlResult {
    x.within(name, |x| {
        x.maybe("cbc:StreetName", a.lines.first().map(String::as_str))?;
        if a.lines.len() > 1 {
            x.leaf("cbc:AdditionalStreetName", &a.lines[1..].join(", "))?;
        }
        x.leaf("cbc:CityName", &a.city)?;
        x.leaf("cbc:PostalZone", &a.postal_code)?;
        x.within("cac:Country", |x| x.leaf("cbc:IdentificationCode", &a.country))
    })
}
