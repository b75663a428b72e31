#!/usr/bin/env bash
# Makes the virtual environment of the document checkers (saxonche for the
# official EN 16931 rules, lxml for the schema, factur-x for the PDFs) under
# target/validators, once, and installs poppler-utils when missing; the document tests run tests/validate/*.py with its python.
set -euo pipefail
# Poppler's pdftotext and pdftoppm read the PDFs back as text and pictures.
if ! command -v pdftoppm >/dev/null || ! command -v pdftotext >/dev/null; then
  echo "validators: installing Debian's poppler-utils"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || true
  $sudo apt-get install -y -qq poppler-utils >/dev/null
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/validators"
stamp="$venv/.requirements"
if [ -f "$stamp" ] && cmp -s "$stamp" "$root/tests/validate/requirements.txt"; then
  exit 0
fi
echo "validators: installing tests/validate/requirements.txt into target/validators"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/validate/requirements.txt"
cp "$root/tests/validate/requirements.txt" "$stamp"
