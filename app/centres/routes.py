"""API: the centres of the platform and the district picker (Art. 38), for the mini-program and staff."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from app.centres import service
from app.centres.schemas import CentreOut, DistrictsOut

blp = Blueprint("centres", __name__, url_prefix="/api/v1/centres", description="法律援助机构与受理地（第三十八条）")


@blp.route("")
@blp.response(200, CentreOut(many=True))
def list_centres():
    """本平台的法律援助机构（名称、地址、电话、受理区县）"""
    return service.all_centres()


@blp.route("/districts")
@blp.response(200, DistrictsOut)
def districts():
    """受理地选择：各区县及其法律援助机构；传 id_number 时按身份证前六位（行政区划代码）建议申请人所在区县"""
    suggested = service.suggest_district((request.args.get("id_number") or "").strip() or None)
    return {"districts": service.district_choices(), "suggested": suggested,
            "bases": [{"key": k, "label": v} for k, v in service.PLACE_BASES.items()]}
