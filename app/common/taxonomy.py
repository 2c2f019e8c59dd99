"""The shared vocabulary of cases, used by several domains: case categories (also the hotline's topics)
and the kinds of document an application may need."""
from __future__ import annotations

CATEGORIES = ("婚姻家庭", "劳动争议", "农民工欠薪", "工伤", "交通事故", "债权债务", "个人财产", "房产物业",
              "房价调控", "医疗纠纷", "消费维权", "刑事", "行政", "其他")

DOCUMENT_KINDS = {
    "hukou_home": "户口本首页",
    "hukou_member": "常住人口登记卡",
    "id_front": "身份证人像面",
    "id_back": "身份证国徽面",
    "hardship_proof": "经济困难证明",
    "judgment": "判决书",
    "other": "其他材料",
}
# Document states that count as handed in (not rejected, not replaced)
LIVE_DOCUMENT_STATUSES = ("uploaded", "ocr_pending", "ocr_done", "ocr_failed", "verified")
