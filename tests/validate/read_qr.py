"""Reads the QR codes in pictures with zxing-cpp (PyPI).

Usage: read_qr.py FILE.png...

For each picture prints one JSON line: {"file", "codes": [the text of
each QR code found, top to bottom]}.
"""
import json
import sys

import zxingcpp
from PIL import Image


def main(paths):
    for path in paths:
        found = zxingcpp.read_barcodes(Image.open(path), formats=zxingcpp.BarcodeFormat.QRCode)
        found.sort(key=lambda b: b.position.top_left.y)
        print(json.dumps({"file": path, "codes": [b.text for b in found]}))


if __name__ == "__main__":
    main(sys.argv[1:])
