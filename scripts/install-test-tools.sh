#!/usr/bin/env bash
# Installs the outside tools the integration tests use to check csfkit's output as a user
# would: poppler-utils (pdftotext, pdffonts, pdfinfo) and qpdf for PDFs, LibreOffice to write
# real .ods and .xls files, python3-openpyxl to read the audit workbook with a second reader, jq
# and unzip for the README's checks of a package without csfkit, openssh-client (ssh-keygen) to make
# signing keys and verify package signatures as a recipient would, and Chromium to open a package's
# index.html headless (its search, dossiers, escaping and that no request leaves the file). Tests that need a tool that is
# missing fail with a clear message.
set -euo pipefail
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ python3 -c 'import openpyxl' || /usr/bin/python3 -c 'import openpyxl'; } >/dev/null 2>&1 || need+=(python3-openpyxl)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "install-test-tools: missing ${need[*]}; run as root or install them" >&2
    exit 1
  fi
fi
