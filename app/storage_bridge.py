"""The app's handle on the framework-free storage package."""
from __future__ import annotations

from flask import current_app

import storage


def get_storage() -> storage.Storage:
    st = current_app.extensions.get("storage")
    if st is None:
        st = storage.from_url(current_app.config["STORAGE_URL"], secret=current_app.config["SECRET_KEY"],
                              local_url_prefix="/files")
        current_app.extensions["storage"] = st
    return st
