"""Reads Factur-X PDFs back with the `factur-x` library (PyPI).

Usage: facturx.py FILE.pdf...

For each PDF prints one JSON line: {"file", "embedded" (the attachment's
name), "level" (the profile read from the XML), "xsd" (whether the XML
passes the Factur-X schema of its level), "xml_sha256", "xmp": {the fx:
properties and the PDF/A identification read from the XMP}, "af" (the
AFRelationship of the attachment), "problems": [...]} and exits 1 if any
file has a problem.
"""
import hashlib
import json
import sys

import facturx
from lxml import etree
from pypdf import PdfReader

FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def xmp_facts(reader):
    meta = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    root = etree.fromstring(meta[meta.index(b"<x:xmpmeta"):meta.rindex(b"</x:xmpmeta>") + 12])
    text = lambda ns, name: (root.findtext(f".//{{{ns}}}{name}") or None)
    return {
        "DocumentFileName": text(FX, "DocumentFileName"),
        "DocumentType": text(FX, "DocumentType"),
        "Version": text(FX, "Version"),
        "ConformanceLevel": text(FX, "ConformanceLevel"),
        "pdfa_part": text(PDFAID, "part"),
        "pdfa_conformance": text(PDFAID, "conformance"),
        "fx_schema_described": FX.encode() in meta and b"pdfaSchema:namespaceURI>" + FX.encode() in meta,
    }


def check(path):
    data = open(path, "rb").read()
    problems = []
    name, xml = facturx.get_xml_from_pdf(data, check_xsd=True)
    if name != "factur-x.xml" or not xml:
        problems.append(f"no valid factur-x.xml found (got {name!r})")
    level = facturx.get_level(etree.fromstring(xml)) if xml else None
    if level != "en16931":
        problems.append(f"level is {level!r}, not en16931")
    reader = PdfReader(path)
    catalog = reader.trailer["/Root"]
    af = [a.get_object().get("/AFRelationship") for a in catalog.get("/AF", [])]
    if af != ["/Alternative"]:
        problems.append(f"AFRelationship is {af}")
    xmp = xmp_facts(reader)
    want = {"DocumentFileName": "factur-x.xml", "DocumentType": "INVOICE", "Version": "1.0",
            "ConformanceLevel": "EN 16931", "pdfa_part": "3", "pdfa_conformance": "B", "fx_schema_described": True}
    for key, value in want.items():
        if xmp.get(key) != value:
            problems.append(f"XMP {key} is {xmp.get(key)!r}, not {value!r}")
    return {"file": path, "embedded": name, "level": level, "xsd": bool(xml),
            "xml_sha256": hashlib.sha256(xml).hexdigest() if xml else None,
            "xmp": xmp, "af": af, "problems": problems}


def main(argv):
    failed = False
    for path in argv[1:]:
        try:
            verdict = check(path)
        except Exception as e:  # a PDF the library cannot read is a finding too
            verdict = {"file": path, "problems": [f"{type(e).__name__}: {e}"]}
        failed |= bool(verdict["problems"])
        print(json.dumps(verdict, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
