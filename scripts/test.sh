#!/usr/bin/env bash
# Set up and run the whole test suite (SQLite, local storage; PostgreSQL when DATABASE_URL is set),
# then the mini-program's tests (npm ci && npm test in miniprogram/).
# Installs Debian's chromium (browser tests) and the CJK fonts (screenshots, and the OCR photo
# generator, whose output depends on which fonts exist) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.txt
NEEDED="/usr/bin/chromium /usr/bin/pdftotext /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
  /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc /usr/share/fonts/truetype/arphic/uming.ttc
  /usr/share/fonts/truetype/arphic/ukai.ttc"
missing=0; for f in $NEEDED; do [ -e "$f" ] || missing=1; done
if [ "$missing" = 1 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-wqy-microhei poppler-utils \
    fonts-wqy-zenhei fonts-arphic-uming fonts-arphic-ukai >/dev/null
fi
# axe-core for the browser tests' accessibility check (tests/browser/package.json, pinned in its lock file)
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi
set +e
# two worker processes (pytest-xdist; TEST_WORKERS=0 runs in this process), a test file stays on one worker;
# each worker has its own database and Redis number (tests/conftest.py)
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then echo "pytest collected no tests: failing"; rc=1; fi

# The mini-program (miniprogram/): Node 20 + npm; its end-to-end test starts this backend with .venv's python
echo "== mini-program: npm ci && npm test =="
set +e
(cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm test)
mrc=$?
set -e
if [ "$rc" != 0 ]; then exit "$rc"; fi
exit "$mrc"
