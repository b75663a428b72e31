#!/usr/bin/env bash
# Makes the virtual environment of the document checkers (saxonche for the
# official EN 16931 rules, lxml for the schema) under target/validators,
# once; the document tests run tests/validate/*.py with its python.
set -euo pipefail
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
