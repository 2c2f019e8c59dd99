"""Storage reconciler: objects without a row are removed, rows without their object are reported.

Each prefix of the bucket is owned by the column that names its objects. Objects under an owned
prefix that no row names and that are older than ORPHAN_GRACE_SECONDS (default one hour — an upload
in flight writes its object a moment before its row) are deleted. Rows whose object is missing are
reported (and logged), never changed: that is a human's call. Objects under prefixes nobody owns are
left alone and counted. Runs periodically (task `storage_reconcile`) and as `flask storage reconcile`.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.common.objects import OWNERS
from app.common.timeutil import utcnow
from app.extensions import db
from app.storage_bridge import get_storage
from app.tasks import task

log = logging.getLogger(__name__)


def owners() -> dict[str, list[tuple[str, sa.Column]]]:
    """prefix → [(table label, key column)], as the domains declared them with objects.owns()."""
    return OWNERS


@dataclass
class Report:
    scanned: int = 0
    orphans_deleted: list[str] = field(default_factory=list)
    orphans_young: int = 0
    orphans_failed: list[str] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"scanned": self.scanned, "orphans_deleted": len(self.orphans_deleted),
                "orphans_too_young": self.orphans_young, "orphans_delete_failed": len(self.orphans_failed),
                "rows_missing_object": self.missing}


def reconcile(*, dry_run: bool = False, grace_seconds: int | None = None) -> Report:
    st = get_storage()
    grace = dt.timedelta(seconds=current_app.config["ORPHAN_GRACE_SECONDS"] if grace_seconds is None
                         else grace_seconds)
    cutoff = utcnow() - grace
    report = Report()
    for prefix, columns in owners().items():
        present = {}
        for obj in st.list_objects(prefix):
            present[obj.key] = obj.modified
        report.scanned += len(present)
        named: dict[str, tuple[str, int]] = {}
        for label, col in columns:
            pk = col.table.primary_key.columns.values()[0]
            for key, row_id in db.session.execute(sa.select(col, pk).where(col.like(prefix + "%"))):
                named[key] = (label, row_id)
        for key, modified in present.items():
            if key in named:
                continue
            if modified > cutoff:
                report.orphans_young += 1
                continue
            if dry_run:
                report.orphans_deleted.append(key)
                continue
            try:
                st.delete(key)
                report.orphans_deleted.append(key)
            except Exception:  # noqa: BLE001
                report.orphans_failed.append(key)
        for key, (label, row_id) in named.items():
            if key not in present:
                report.missing.append({"table": label, "id": row_id, "key": key})
    db.session.rollback()
    if report.orphans_deleted or report.missing or report.orphans_failed:
        log.warning("storage reconcile: %s", {k: v for k, v in report.as_dict().items() if k != "rows_missing_object"}
                    | {"rows_missing_object": len(report.missing)})
    for m in report.missing:
        log.error("row %s #%s names a missing object %s", m["table"], m["id"], m["key"])
    return report


@task("storage_reconcile")
def reconcile_task() -> None:
    reconcile()


storage_cli = AppGroup("storage", help="对象存储")


@storage_cli.command("reconcile")
@click.option("--dry-run", is_flag=True, help="report what would be deleted, delete nothing")
@click.option("--grace-seconds", type=int, default=None, help="minimum age of an orphan (default ORPHAN_GRACE_SECONDS)")
def reconcile_cmd(dry_run, grace_seconds):
    """Delete objects no row names (older than the grace period); report rows whose object is missing."""
    report = reconcile(dry_run=dry_run, grace_seconds=grace_seconds)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    if report.missing:
        raise SystemExit(1)
