"""Console (kept here, above app.centres, which must not import the console): the administrator's centres page (list, create, edit) and the centre filter of every page for
city-level roles (the base template's `centre_filter` block)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from app import errors
from app.audit import record as audit
from app.centres import scope, service
from app.centres.models import Centre
from app.common.permissions import P
from app.console.auth import console_required
from app.console.views import add_nav, bp, me
from app.extensions import db

add_nav(61, "console.centres_page", "法援中心", P.view_centres)
EDITORS = P.edit_centres


@bp.context_processor
def _centre_filter():
    """Every page: city-level roles choose a centre (?centre=code); the others see their own centre's name."""
    def centre_bar():
        staff = me()
        if staff is None:
            return None
        return {"city_level": staff.role in scope.CITY_LEVEL, "centres": service.all_centres(),
                "chosen": scope.centre_filter(), "own": service.get(staff.centre_id)}
    return {"centre_bar": centre_bar}


def _form() -> dict:
    f = request.form
    data = {k: f.get(k) for k in service.FIELDS if k in f}
    data["is_city"] = f.get("is_city") == "1"
    return data


@bp.route("/centres")
@console_required(P.view_centres)
def centres_page():
    return render_template("centres/centres.html", rows=service.all_centres(), can_edit=me().role in EDITORS,
                           overrides=service.OVERRIDES)


@bp.route("/centres", methods=["POST"])
@console_required(EDITORS)
def centre_create():
    try:
        c = service.create(_form())
    except errors.ApiError as exc:
        db.session.rollback()
        flash(exc.message + "：" + "；".join(m for ms in (exc.details or {}).get("fields", {}).values() for m in ms), "error")
        return redirect(url_for("console.centres_page"))
    audit("centres.create", actor=me(), object_type="centre", object_id=c.id, details={"code": c.code})
    db.session.commit()
    flash(f"已新建 {c.name}", "ok")
    return redirect(url_for("console.centres_page"))


@bp.route("/centres/<int:centre_id>", methods=["POST"])
@console_required(EDITORS)
def centre_update(centre_id):
    c = service.get(centre_id)
    if c is None:
        raise errors.NotFound("未找到该中心")
    try:
        service.update(c, _form())
    except errors.ApiError as exc:
        db.session.rollback()
        flash(exc.message + "：" + "；".join(m for ms in (exc.details or {}).get("fields", {}).values() for m in ms), "error")
        return redirect(url_for("console.centres_page"))
    audit("centres.update", actor=me(), object_type="centre", object_id=c.id, details={"code": c.code})
    db.session.commit()
    flash(f"已保存 {c.name}", "ok")
    return redirect(url_for("console.centres_page"))


__all__ = ["Centre"]
