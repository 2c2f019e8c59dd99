"""The demo switch: replays a recorded morning of call events (JSON lines, times as offsets in seconds
from the first) through the same ingest as the real inputs, stamped from now on, so the wallboard and the
screen pop are alive on the embedded default (`scripts/dev.sh`). Each run gets its own call ids."""
from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
from pathlib import Path

from app.common.timeutil import utcnow
from app.extensions import db
from app.telephony import service
from app.telephony.events import Event

log = logging.getLogger(__name__)
DEFAULT_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "morning.jsonl"


def load(path: str | Path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            try:
                rows.append(json.loads(line))
            except ValueError:
                raise ValueError(f"{path}:{n}: not JSON") from None
    return sorted(rows, key=lambda r: r["offset"])


def to_event(row: dict, start: dt.datetime, run: str) -> Event:
    return Event(call_id=f"demo-{run}-{row['call_id']}", event=row["event"],
                 at=start + dt.timedelta(seconds=float(row["offset"])), source="demo", caller=row.get("caller"),
                 agent=row.get("agent"), queue=row.get("queue"), score=row.get("score"))


def replay(app, path: str | Path, speed: float = 10.0, stop: threading.Event | None = None, loop: bool = False,
           echo=None) -> int:
    """Replay the file `speed` times faster than recorded (event times compressed alike); returns events sent."""
    stop = stop or threading.Event()
    rows = load(path)
    sent = 0
    while not stop.is_set():
        run = secrets.token_hex(3)
        t0 = utcnow()
        for row in rows:
            due = t0 + dt.timedelta(seconds=float(row["offset"]) / speed)
            wait = (due - utcnow()).total_seconds()
            if wait > 0 and stop.wait(wait):
                return sent
            ev = to_event({**row, "offset": float(row["offset"]) / speed}, t0, run)
            with app.app_context():
                try:
                    service.ingest([ev])
                    sent += 1
                except Exception:  # noqa: BLE001 — the demo goes on
                    log.exception("demo switch: event failed")
                finally:
                    db.session.remove()
            if echo:
                echo(f"{ev.at:%H:%M:%S} {ev.event:<14} {ev.call_id} {ev.agent or ''}")
        if not loop:
            break
    return sent


def start_in_background(app) -> threading.Thread | None:
    path = app.config.get("TELEPHONY_DEMO_REPLAY")
    if not path:
        return None
    path = DEFAULT_FIXTURE if path in ("1", "demo", "default") else Path(path)
    t = threading.Thread(target=replay, args=(app, path, float(app.config["TELEPHONY_DEMO_SPEED"])),
                         kwargs={"loop": True}, name="demo-switch", daemon=True)
    t.start()
    log.info("demo switch: replaying %s", path)
    return t
