#!/usr/bin/env bash
# Makes sure Debian's Chromium and ChromeDriver are installed: the browser
# test drives the customer pages in them. Installs them when missing.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
echo "browser: installing Debian's chromium and chromium-driver"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq chromium chromium-driver >/dev/null
chromium --version
