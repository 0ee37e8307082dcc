#!/usr/bin/env bash
# Set up what argmap needs on this machine: a virtual environment with the pinned
# packages (.venv), and Graphviz's `dot` program where we are allowed to install it.
#
#   scripts/bootstrap.sh          runtime packages
#   scripts/bootstrap.sh dev      runtime and test packages
set -euo pipefail
cd "$(dirname "$0")/.."

want=${1:-runtime}
python=${PYTHON:-python3}

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "argmap needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi

reqs=requirements.txt
[ "$want" = dev ] && reqs=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt "$reqs" | sha256sum | cut -c1-16)-$want"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$reqs"
  touch "$stamp"
fi

if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Graphviz (Debian package graphviz) for diagrams..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  elif command -v brew >/dev/null 2>&1; then
    brew install graphviz
  else
    cat >&2 <<'MSG'
Graphviz's `dot` program is not installed, and this script may not install it here.
Diagrams in SVG, PNG and PDF will answer 503 until it is; DOT works without it.
Install it with your package manager, e.g. `sudo apt-get install graphviz`
(Debian/Ubuntu), `sudo dnf install graphviz` (Fedora) or `brew install graphviz` (macOS).
MSG
  fi
fi

# The tests measure page sizes and text sizes in PDF diagrams with poppler-utils
# (pdfinfo, pdftotext, pdftoppm).
if [ "$want" = dev ] && ! command -v pdftotext >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing poppler-utils (pdfinfo, pdftotext) for the PDF tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
  else
    echo "poppler-utils is not installed: the PDF page tests will fail (apt-get install poppler-utils)." >&2
  fi
fi
