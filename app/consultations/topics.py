"""Consultation topics (咨询类别) and a keyword-based suggestion from the call summary (jieba)."""
from __future__ import annotations

import functools
import threading

from app.common.taxonomy import CATEGORIES

TOPICS = CATEGORIES  # the hotline's topics are the case categories

# keyword -> weight, per topic. Longer, more specific words weigh more.
KEYWORDS: dict[str, dict[str, float]] = {
    "婚姻家庭": {"离婚": 3, "结婚": 2, "抚养费": 3, "抚养权": 3, "赡养": 3, "赡养费": 3, "彩礼": 3, "家暴": 3,
              "家庭暴力": 3, "继承": 2, "遗产": 2, "遗嘱": 2, "夫妻": 2, "配偶": 2, "子女": 1, "探视": 2, "婚姻": 2},
    "劳动争议": {"劳动合同": 3, "辞退": 3, "解除劳动": 3, "加班费": 3, "社保": 2, "社会保险": 2, "经济补偿": 3,
              "仲裁": 1, "劳动仲裁": 3, "试用期": 2, "用人单位": 2, "公司": 1, "调岗": 2, "降薪": 2, "开除": 2},
    "农民工欠薪": {"欠薪": 3, "拖欠工资": 3, "讨薪": 3, "包工头": 3, "工地": 2, "农民工": 3, "工钱": 3,
               "劳务费": 2, "工资": 1, "务工": 2, "施工队": 2},
    "工伤": {"工伤": 4, "工伤认定": 4, "伤残鉴定": 3, "劳动能力鉴定": 3, "受伤": 1, "摔伤": 2, "职业病": 3,
           "上班途中": 2},
    "交通事故": {"交通事故": 4, "车祸": 4, "撞伤": 3, "肇事": 3, "交警": 2, "责任认定": 2, "交强险": 3,
             "保险公司": 1, "电动车": 1, "逃逸": 2},
    "债权债务": {"借款": 3, "借钱": 3, "欠钱": 3, "欠款": 3, "借条": 3, "还款": 2, "欠条": 3, "担保": 2, "利息": 2,
             "民间借贷": 4, "债务": 2, "讨债": 2},
    "个人财产": {"财产": 2, "被盗": 2, "损坏": 1, "侵占": 2, "赔偿": 1, "存款": 2, "宅基地": 2, "土地": 1,
             "征收": 1, "补偿款": 1},
    "房产物业": {"物业": 3, "物业费": 3, "房屋": 2, "租房": 3, "房东": 3, "租金": 2, "押金": 1, "漏水": 2,
             "业主": 2, "拆迁": 2, "房产证": 3, "过户": 2, "装修": 2},
    "房价调控": {"房价": 4, "限购": 4, "限价": 3, "开发商": 2, "购房": 2, "首付": 3, "预售": 2, "公积金": 2,
             "降价": 2, "退房": 2},
    "医疗纠纷": {"医院": 2, "手术": 2, "医疗事故": 4, "误诊": 3, "医疗": 2, "医生": 2, "并发症": 3, "病历": 2,
             "医疗损害": 4},
    "消费维权": {"退款": 3, "商家": 2, "网购": 3, "假货": 3, "消费者": 3, "预付卡": 3, "退货": 3, "诈骗": 1,
             "培训机构": 2, "健身房": 2, "质量问题": 2},
    "刑事": {"报警": 2, "派出所": 2, "拘留": 3, "逮捕": 3, "判刑": 3, "犯罪": 3, "刑事": 3, "取保候审": 4,
           "诈骗": 2, "殴打": 2, "公安": 1, "看守所": 3},
    "行政": {"行政复议": 4, "行政诉讼": 4, "政府": 2, "罚款": 2, "行政处罚": 4, "城管": 3, "低保": 2, "信访": 2,
           "审批": 2, "执法": 2},
    "其他": {},
}

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    with _lock:
        for words in KEYWORDS.values():
            for w in words:
                jieba.add_word(w, freq=50000)
    return jieba


def suggest(summary: str | None) -> dict:
    """{"topic", "candidates": [{"topic", "score", "keywords"}]}; "其他" when nothing matches."""
    text = (summary or "").strip()
    if not text:
        return {"topic": "其他", "candidates": []}
    tokens = set(_jieba().lcut_for_search(text))
    scores = []
    for topic, words in KEYWORDS.items():
        hits = [w for w in words if w in tokens or (len(w) >= 3 and w in text)]
        if hits:
            scores.append({"topic": topic, "score": float(sum(words[w] for w in hits)), "keywords": hits})
    scores.sort(key=lambda s: (-s["score"], TOPICS.index(s["topic"])))
    return {"topic": scores[0]["topic"] if scores else "其他", "candidates": scores[:3]}
