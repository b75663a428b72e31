"""Checks e-invoices against the official EN 16931 validation artefacts.

Usage: en16931.py ARTEFACTS_DIR FILE.xml...

Each file is checked by the CEN/TC 434 business rules for its syntax (CII
or UBL, told by its root element) and, for CII, by the D16B schema. Prints
one JSON line per file: {"file", "syntax", "fatal": [...], "warnings": [...],
"schema": [...]}, and exits 1 if any file has a fatal error or a schema
error. The artefacts are read where they are (beside the project); nothing
is copied.
"""
import json
import pathlib
import sys

from lxml import etree
from saxonche import PySaxonProcessor

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
CII_XSD = "cii/schema/D16B SCRDM (Subset)/uncoupled clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"


def main(argv):
    artefacts = pathlib.Path(argv[1])
    files = [pathlib.Path(f) for f in argv[2:]]
    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    rules = {}
    schema = etree.XMLSchema(etree.parse(str(artefacts / CII_XSD)))
    failed = False
    for path in files:
        text = path.read_text(encoding="utf-8")
        root = etree.fromstring(text.encode("utf-8"))
        syntax = "cii" if root.tag.endswith("CrossIndustryInvoice") else "ubl"
        if syntax not in rules:
            sheet = artefacts / syntax / "xslt" / f"EN16931-{syntax.upper()}-validation.xslt"
            rules[syntax] = xslt.compile_stylesheet(stylesheet_file=str(sheet))
        svrl = rules[syntax].transform_to_string(xdm_node=processor.parse_xml(xml_text=text))
        report = etree.fromstring(svrl.encode("utf-8"))
        fatal, warnings = [], []
        for failure in report.iter(SVRL + "failed-assert"):
            entry = f"{failure.get('id')}: {' '.join(''.join(failure.itertext()).split())}"
            (fatal if failure.get("flag") == "fatal" else warnings).append(entry)
        schema_errors = []
        if syntax == "cii" and not schema.validate(root):
            schema_errors = [f"line {e.line}: {e.message}" for e in schema.error_log]
        failed |= bool(fatal or schema_errors)
        print(json.dumps({"file": str(path), "syntax": syntax, "fatal": fatal, "warnings": warnings,
                          "schema": schema_errors}, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
