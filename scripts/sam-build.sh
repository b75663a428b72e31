#!/usr/bin/env bash
# Builds every function for deployment exactly as `sam build` does
# (cargo-lambda, release profile, arm64) and prints each bootstrap's size,
# as shipped (stripped) and zipped. The first run adds Rust's aarch64
# standard library through rustup; the rest is offline.
#   bash scripts/sam-build.sh            # then: sam deploy --guided
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv=target/sam-venv
if [ ! -x "$venv/bin/sam" ] || [ ! -x "$venv/bin/cargo-lambda" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r infra/build-requirements.txt
fi
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
export PATH="$root/$venv/bin:$PATH" SAM_CLI_TELEMETRY=0
# Skips AWS-LC's jitter-entropy start-up cost (tens of ms at the first
# TLS handshake, i.e. in every cold start).
export AWS_LC_SYS_NO_JITTER_ENTROPY=1
started=$(date +%s)
sam build --region "${AWS_REGION:-eu-west-3}"
echo "== built in $(( $(date +%s) - started )) s"
python3 - <<'PY'
import io, os, zipfile
root = ".aws-sam/build"
print(f"{'function':<26}{'arch':<9}{'bootstrap':>12}{'zipped':>12}")
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "bootstrap")
    if not os.path.isfile(path):
        continue
    # ELF e_machine 183 (0xB7) is AArch64.
    with open(path, "rb") as f:
        arch = "arm64" if f.read(20)[18:20] == b"\xb7\x00" else "NOT arm64"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "bootstrap")
    mb = lambda n: f"{n / 1e6:.2f} MB"
    print(f"{name:<26}{arch:<9}{mb(os.path.getsize(path)):>12}{mb(len(buf.getvalue())):>12}")
PY
