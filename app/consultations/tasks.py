"""Background import of an uploaded CDR file (the upload is kept in object storage)."""
from __future__ import annotations

from app.consultations import cdr
from app.consultations.models import CallImport
from app.extensions import db
from app.storage_bridge import get_storage
from app.tasks import task


@task("calls.import")
def import_uploaded(import_id: int) -> None:
    imp = db.session.get(CallImport, import_id)
    if imp is None or imp.status in ("done", "failed"):
        return
    raw = get_storage().get(imp.storage_key)
    cdr.run_import(imp, raw)

