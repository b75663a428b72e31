//! UN/CEFACT Cross Industry Invoice D16B, the syntax inside Factur-X, at
//! the EN 16931 profile. Elements follow the schema's order.

use chrono::NaiveDate;

use crate::model::{Document, Line, Party};
use crate::xml::{Xml, XmlResult};
use relance::domain::customer::Address;

const NAMESPACES: [(&str, &str); 4] = [
    (
        "xmlns:rsm",
        "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    ),
    (
        "xmlns:ram",
        "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    ),
    ("xmlns:qdt", "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"),
    (
        "xmlns:udt",
        "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    ),
];

/// The Factur-X EN 16931 profile ("COMFORT") is the standard itself.
pub const GUIDELINE: &str = "urn:cen.eu:en16931:2017";

pub fn write(doc: &Document) -> Result<Vec<u8>, std::io::Error> {
    let mut x = Xml::new()?;
    x.open("rsm:CrossIndustryInvoice", &NAMESPACES)?;
    x.within("rsm:ExchangedDocumentContext", |x| {
        x.within("ram:GuidelineSpecifiedDocumentContextParameter", |x| {
            x.leaf("ram:ID", GUIDELINE)
        })
    })?;
    x.within("rsm:ExchangedDocument", |x| {
        x.leaf("ram:ID", &doc.number)?;
        x.leaf("ram:TypeCode", doc.kind.code())?;
        x.within("ram:IssueDateTime", |x| date(x, "udt:DateTimeString", doc.issue_date))?;
        for (subject, text) in &doc.notes {
            x.within("ram:IncludedNote", |x| {
                x.leaf("ram:Content", text)?;
                x.maybe("ram:SubjectCode", *subject)
            })?;
        }
        Ok(())
    })?;
    x.within("rsm:SupplyChainTradeTransaction", |x| {
        for line in &doc.lines {
            write_line(x, line)?;
        }
        agreement(x, doc)?;
        delivery(x, doc)?;
        settlement(x, doc)
    })?;
    x.close("rsm:CrossIndustryInvoice")?;
    Ok(x.finish())
}

fn date(x: &mut Xml, name: &str, date: NaiveDate) -> XmlResult {
    x.leaf_with(name, &[("format", "102")], &date.format("%Y%m%d").to_string())
}

fn write_line(x: &mut Xml, line: &Line) -> XmlResult {
    x.within("ram:IncludedSupplyChainTradeLineItem", |x| {
        x.within("ram:AssociatedDocumentLineDocument", |x| x.leaf("ram:LineID", &line.id))?;
        x.within("ram:SpecifiedTradeProduct", |x| x.leaf("ram:Name", &line.name))?;
        x.within("ram:SpecifiedLineTradeAgreement", |x| {
            x.within("ram:NetPriceProductTradePrice", |x| {
                x.leaf("ram:ChargeAmount", &line.net_price)
            })
        })?;
        x.within("ram:SpecifiedLineTradeDelivery", |x| {
            x.leaf_with("ram:BilledQuantity", &[("unitCode", line.unit_code)], &line.quantity)
        })?;
        x.within("ram:SpecifiedLineTradeSettlement", |x| {
            x.within("ram:ApplicableTradeTax", |x| {
                x.leaf("ram:TypeCode", "VAT")?;
                x.leaf("ram:CategoryCode", line.category.code())?;
                // BR-O-05: a line outside the scope of VAT has no rate.
                if line.category != relance::domain::vat::VatCategory::OutsideScope {
                    x.leaf("ram:RateApplicablePercent", &line.rate)?;
                }
                Ok(())
            })?;
            if let Some((percent, base, amount)) = &line.allowance {
                x.within("ram:SpecifiedTradeAllowanceCharge", |x| {
                    x.within("ram:ChargeIndicator", |x| x.leaf("udt:Indicator", "false"))?;
                    x.leaf("ram:CalculationPercent", percent)?;
                    x.leaf("ram:BasisAmount", base)?;
                    x.leaf("ram:ActualAmount", amount)?;
                    x.leaf("ram:ReasonCode", "95")?;
                    x.leaf("ram:Reason", "Remise")
                })?;
            }
            x.within("ram:SpecifiedTradeSettlementLineMonetarySummation", |x| {
                x.leaf("ram:LineTotalAmount", &line.net_amount)
            })
        })
    })
}

fn party(x: &mut Xml, name: &str, p: &Party) -> XmlResult {
    x.within(name, |x| {
        x.leaf("ram:Name", &p.name)?;
        x.maybe("ram:Description", p.legal_information.as_deref())?;
        if let Some(siren) = &p.siren {
            x.within("ram:SpecifiedLegalOrganization", |x| {
                x.leaf_with("ram:ID", &[("schemeID", "0002")], siren)
            })?;
        }
        if let Some(contact) = &p.contact {
            x.within("ram:DefinedTradeContact", |x| {
                x.leaf("ram:PersonName", &contact.name)?;
                if let Some(phone) = &contact.phone {
                    x.within("ram:TelephoneUniversalCommunication", |x| {
                        x.leaf("ram:CompleteNumber", phone)
                    })?;
                }
                if let Some(email) = &contact.email {
                    x.within("ram:EmailURIUniversalCommunication", |x| x.leaf("ram:URIID", email))?;
                }
                Ok(())
            })?;
        }
        address(x, &p.address)?;
        if let Some((scheme, value)) = &p.electronic_address {
            x.within("ram:URIUniversalCommunication", |x| {
                x.leaf_with("ram:URIID", &[("schemeID", scheme)], value)
            })?;
        }
        if let Some(vat) = &p.vat_number {
            x.within("ram:SpecifiedTaxRegistration", |x| {
                x.leaf_with("ram:ID", &[("schemeID", "VA")], vat)
            })?;
        }
        Ok(())
    })
}

fn address(x: &mut Xml, a: &Address) -> XmlResult {
    x.within("ram:PostalTradeAddress", |x| {
        x.leaf("ram:PostcodeCode", &a.postal_code)?;
        let names = ["ram:LineOne", "ram:LineTwo", "ram:LineThree"];
        // CII has three street lines; a fourth joins the third.
        let mut lines: Vec<String> = a.lines.iter().take(2).cloned().collect();
        if a.lines.len() > 2 {
            lines.push(a.lines[2..].join(", "));
        }
        for (name, line) in names.iter().zip(&lines) {
            x.leaf(name, line)?;
        }
        x.leaf("ram:CityName", &a.city)?;
        x.leaf("ram:CountryID", &a.country)
    })
}

fn agreement(x: &mut Xml, doc: &Document) -> XmlResult {
    x.within("ram:ApplicableHeaderTradeAgreement", |x| {
        x.maybe("ram:BuyerReference", doc.buyer_reference.as_deref())?;
        party(x, "ram:SellerTradeParty", &doc.seller)?;
        party(x, "ram:BuyerTradeParty", &doc.buyer)?;
        if let Some(order) = &doc.order_reference {
            x.within("ram:BuyerOrderReferencedDocument", |x| {
                x.leaf("ram:IssuerAssignedID", order)
            })?;
        }
        Ok(())
    })
}

fn delivery(x: &mut Xml, doc: &Document) -> XmlResult {
    x.within("ram:ApplicableHeaderTradeDelivery", |x| {
        if let Some(to) = &doc.deliver_to {
            x.within("ram:ShipToTradeParty", |x| address(x, to))?;
        }
        if let Some(day) = doc.delivery_date {
            x.within("ram:ActualDeliverySupplyChainEvent", |x| {
                x.within("ram:OccurrenceDateTime", |x| date(x, "udt:DateTimeString", day))
            })?;
        }
        Ok(())
    })
}

fn settlement(x: &mut Xml, doc: &Document) -> XmlResult {
    x.within("ram:ApplicableHeaderTradeSettlement", |x| {
        x.maybe("ram:PaymentReference", doc.remittance.as_deref())?;
        x.leaf("ram:InvoiceCurrencyCode", doc.currency)?;
        for means in &doc.payment_means {
            x.within("ram:SpecifiedTradeSettlementPaymentMeans", |x| {
                x.leaf("ram:TypeCode", means.code)?;
                if let Some(iban) = &means.iban {
                    x.within("ram:PayeePartyCreditorFinancialAccount", |x| x.leaf("ram:IBANID", iban))?;
                }
                if let Some(bic) = &means.bic {
                    x.within("ram:PayeeSpecifiedCreditorFinancialInstitution", |x| {
                        x.leaf("ram:BICID", bic)
                    })?;
                }
                Ok(())
            })?;
        }
        for b in &doc.breakdown {
            x.within("ram:ApplicableTradeTax", |x| {
                x.leaf("ram:CalculatedAmount", &b.vat)?;
                x.leaf("ram:TypeCode", "VAT")?;
                x.maybe("ram:ExemptionReason", b.exemption.map(|(_, text)| text))?;
                x.leaf("ram:BasisAmount", &b.base)?;
                x.leaf("ram:CategoryCode", b.category.code())?;
                x.maybe("ram:ExemptionReasonCode", b.exemption.map(|(code, _)| code))?;
                x.maybe("ram:DueDateTypeCode", doc.vat_point_code)?;
                if b.category != relance::domain::vat::VatCategory::OutsideScope {
                    x.leaf("ram:RateApplicablePercent", &b.rate)?;
                }
                Ok(())
            })?;
        }
        if doc.payment_terms.is_some() || doc.due_date.is_some() {
            x.within("ram:SpecifiedTradePaymentTerms", |x| {
                x.maybe("ram:Description", doc.payment_terms.as_deref())?;
                if let Some(due) = doc.due_date {
                    x.within("ram:DueDateDateTime", |x| date(x, "udt:DateTimeString", due))?;
                }
                Ok(())
            })?;
        }
        let t = &doc.totals;
        x.within("ram:SpecifiedTradeSettlementHeaderMonetarySummation", |x| {
            x.leaf("ram:LineTotalAmount", &t.lines)?;
            x.leaf("ram:TaxBasisTotalAmount", &t.tax_basis)?;
            x.leaf_with("ram:TaxTotalAmount", &[("currencyID", doc.currency)], &t.tax)?;
            x.leaf("ram:GrandTotalAmount", &t.grand)?;
            x.maybe("ram:TotalPrepaidAmount", t.prepaid.as_deref())?;
            x.leaf("ram:DuePayableAmount", &t.payable)
        })?;
        if let Some((number, issued)) = &doc.preceding {
            x.within("ram:InvoiceReferencedDocument", |x| {
                x.leaf("ram:IssuerAssignedID", number)?;
                x.within("ram:FormattedIssueDateTime", |x| date(x, "qdt:DateTimeString", *issued))
            })?;
        }
        Ok(())
    })
}
