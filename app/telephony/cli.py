"""`flask telephony listen` (AMI or ESL, from TELEPHONY_URL) and `flask telephony replay` (the demo switch)."""
from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from app.telephony import demo
from app.telephony.listener import Listener, Target

telephony_cli = AppGroup("telephony", help="话务系统对接")


@telephony_cli.command("listen")
@click.option("--url", default=None, help="ami://user:secret@host:5038 or esl://:password@host:8021 (default TELEPHONY_URL)")
def listen(url):
    """Read the switch's events until stopped (reconnects with backoff; safe to run twice)."""
    url = url or current_app.config["TELEPHONY_URL"]
    if not url:
        raise click.ClickException("TELEPHONY_URL is not set (ami://user:secret@host:5038 or esl://:password@host:8021)")
    try:
        Target.parse(url)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    logging.getLogger("app.telephony").setLevel(logging.INFO)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    Listener(current_app._get_current_object(), url, stop=stop).run()


@telephony_cli.command("replay")
@click.argument("path", required=False)
@click.option("--speed", default=10.0, show_default=True, help="this many times faster than recorded")
@click.option("--loop", is_flag=True, help="start again at the end")
def replay(path, speed, loop):
    """Replay a recorded morning of events (JSON lines) on the demo switch."""
    n = demo.replay(current_app._get_current_object(), path or demo.DEFAULT_FIXTURE, speed=speed, loop=loop,
                    echo=click.echo)
    click.echo(f"{n} events replayed")
