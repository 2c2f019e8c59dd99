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
           echo=None, pace: bool = True) -> int:
    """Replay the file `speed` times faster than recorded (events stamped now as they go); returns events sent.
    pace=False sends everything at once, stamped with the times it would have had (tests, a quick load)."""
    stop = stop or threading.Event()
    rows = load(path)
    # the gaps between calls shrink `speed` times; each call keeps its own timing (a wait, a 30 s abandon)
    first: dict[str, float] = {}
    for r in rows:
        first.setdefault(r["call_id"], float(r["offset"]))
    timed = sorted(((first[r["call_id"]] / speed + float(r["offset"]) - first[r["call_id"]], r) for r in rows),
                   key=lambda x: x[0])
    sent = 0
    if not pace:
        run, t0 = secrets.token_hex(3), utcnow()
        events = [to_event({**row, "offset": offset}, t0, run) for offset, row in timed]
        with app.app_context():
            for i in range(0, len(events), 100):
                sent += service.ingest(events[i:i + 100]).stored
            db.session.remove()
        return sent
    while not stop.is_set():
        run = secrets.token_hex(3)
        t0 = utcnow()
        for offset, row in timed:
            wait = (t0 + dt.timedelta(seconds=offset) - utcnow()).total_seconds()
            if pace and wait > 0 and stop.wait(wait):
                return sent
            ev = to_event({**row, "offset": offset}, t0, run)
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
