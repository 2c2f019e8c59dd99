#!/usr/bin/env bash
# Set up and run the app on the embedded default: SQLite file, local-folder storage,
# WeChat dev mode, in-process background work, demo data. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
export FLASK_APP=wsgi.py
.venv/bin/flask db upgrade
.venv/bin/flask demo load
# The demo switch: a recorded morning of call events replayed in the web process (TELEPHONY_DEMO_REPLAY=1:
# the bundled app/telephony/fixtures/morning.jsonl, 10x faster), so the wallboard and duty1's screen pop are
# alive on a first look. TELEPHONY_DEMO_REPLAY= (empty) turns it off; a path replays another recording.
export TELEPHONY_DEMO_REPLAY=${TELEPHONY_DEMO_REPLAY-1}
echo "控制台 http://127.0.0.1:${PORT:-5000}/console/  ·  话务大屏 http://127.0.0.1:${PORT:-5000}/console/wallboard  ·  API 文档 http://127.0.0.1:${PORT:-5000}/api/docs"
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
