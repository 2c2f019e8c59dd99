"""Eligibility for legal aid (法律援助法 Art. 31–34, 41, 42) as data with its article numbers, and the
screen that answers with a result, the means-test status, the basis of each part and the documents
to bring — never a bare yes or no. Pure: no database; the province's extensions and hardship
standard (Art. 34) come from configuration (`app/config.py`)."""
from __future__ import annotations

import dataclasses
from decimal import Decimal


@dataclasses.dataclass(frozen=True)
class Rule:
    key: str
    label: str  # short Chinese label for pickers
    article: str  # e.g. 第三十一条第（五）项
    text: str  # the law's words
    documents: tuple[str, ...] = ()


def _r(key, label, article, text, *documents):
    return Rule(key, label, article, text, tuple(documents))


CRIMINAL = "criminal"  # a key of its own so the screen can say where such a matter goes

# Art. 31 (matters) and Art. 33 (申诉、再审)
MATTERS: dict[str, Rule] = {r.key: r for r in (
    _r("state_compensation", "国家赔偿", "第三十一条第（一）项", "依法请求国家赔偿",
       "国家赔偿申请材料或有关机关的处理决定"),
    _r("social_insurance_or_assistance", "社会保险待遇或社会救助", "第三十一条第（二）项", "请求给予社会保险待遇或者社会救助",
       "社会保险或社会救助相关材料（缴费记录、申请及答复等）"),
    _r("survivor_pension", "抚恤金", "第三十一条第（三）项", "请求发给抚恤金", "与抚恤对象关系的证明"),
    _r("maintenance", "赡养费、抚养费、扶养费", "第三十一条第（四）项", "请求给付赡养费、抚养费、扶养费",
       "亲属关系证明（户口本、出生证明或结婚证等）"),
    _r("labour_relation_or_pay", "劳动关系或劳动报酬", "第三十一条第（五）项", "请求确认劳动关系或者支付劳动报酬",
       "劳动合同、工资条、欠条、考勤记录或工友证言等用工证明"),
    _r("civil_capacity", "认定无或限制民事行为能力", "第三十一条第（六）项", "请求认定公民无民事行为能力或者限制民事行为能力",
       "医疗诊断或鉴定材料"),
    _r("personal_injury", "人身损害赔偿", "第三十一条第（七）项",
       "请求工伤事故、交通事故、食品药品安全事故、医疗事故人身损害赔偿",
       "事故认定书或工伤认定书", "病历、诊断证明和医疗费票据"),
    _r("environmental_damage", "环境污染、生态破坏损害赔偿", "第三十一条第（八）项", "请求环境污染、生态破坏损害赔偿",
       "损害事实及损失的证明材料"),
    _r("retrial_petition", "申诉或申请再审", "第三十三条",
       "当事人不服司法机关生效裁判或者决定提出申诉或者申请再审，人民法院决定、裁定再审或者人民检察院提出抗诉，"
       "因经济困难没有委托辩护人或者诉讼代理人的，本人及其近亲属可以向法律援助机构申请法律援助",
       "生效裁判文书或决定书", "再审决定、再审裁定或抗诉书"),
    _r("other", "其他事项", "第三十一条第（九）项", "法律、法规、规章规定的其他情形"),
    _r(CRIMINAL, "刑事案件（辩护、被害人代理）", "第二十四条至第二十九条", "刑事案件的法律援助", ),
)}

# Art. 32: no economic-hardship condition
SITUATIONS: dict[str, Rule] = {r.key: r for r in (
    _r("martyr_relative", "英雄烈士近亲属", "第三十二条第（一）项", "英雄烈士近亲属为维护英雄烈士的人格权益",
       "与英雄烈士的近亲属关系证明"),
    _r("good_samaritan", "见义勇为", "第三十二条第（二）项", "因见义勇为行为主张相关民事权益", "见义勇为行为的认定或证明材料"),
    _r("acquitted_on_retrial", "再审改判无罪请求国家赔偿", "第三十二条第（三）项", "再审改判无罪请求国家赔偿",
       "再审改判无罪的判决书"),
    _r("abuse_or_domestic_violence", "虐待、遗弃或家庭暴力受害人", "第三十二条第（四）项",
       "遭受虐待、遗弃或者家庭暴力的受害人主张相关权益", "报警记录、告诫书、人身安全保护令或伤情证明等"),
)}

# Art. 42: hardship not checked when the applicant proves one of these
GROUPS: dict[str, Rule] = {r.key: r for r in (
    _r("dependent_without_income", "无固定生活来源的未成年人、老年人、残疾人等", "第四十二条第（一）项",
       "无固定生活来源的未成年人、老年人、残疾人等特定群体", "残疾证、年龄证明及无固定生活来源的说明"),
    _r("assistance_or_special_care", "社会救助、司法救助或优抚对象", "第四十二条第（二）项",
       "社会救助、司法救助或者优抚对象", "低保证、特困供养证、司法救助决定或优抚证明"),
    _r("migrant_worker_pay_or_injury", "追索劳动报酬或工伤赔偿的进城务工人员", "第四十二条第（三）项",
       "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员", "务工证明（工牌、工资条、工友证言等）"),
)}
# Art. 42 (三) covers two matters only: pay (Art. 31 (五)) and a WORK injury (工伤事故, one of the four
# accidents of Art. 31 (七)) — not a traffic, food/drug or medical accident.
MIGRANT_MATTERS = ("labour_relation_or_pay", "personal_injury")
INJURY_KINDS = {"work": "工伤事故", "traffic": "交通事故", "food_drug": "食品药品安全事故", "medical": "医疗事故"}
MIGRANT_INJURY = "work"

# Art. 33: a 申诉 or 再审 petition qualifies only after a court decided to retry or a procuratorate protested
RETRIAL_STAGES = {"court_decided": "人民法院已决定、裁定再审", "procuratorate_protest": "人民检察院已提出抗诉",
                  "none": "尚未决定再审，也未提出抗诉"}

# Criminal matters (Art. 24–29) are not screened here: their own routes, and the hotline
CRIMINAL_BASIS = {"article": "第二十四条至第二十九条",
                  "text": "刑事案件的法律援助（犯罪嫌疑人、被告人的辩护，被害人、自诉人、附带民事诉讼原告人的代理，"
                          "以及由人民法院、人民检察院、公安机关通知法律援助机构指派律师的情形）依照法律援助法第二章的规定办理，"
                          "不适用本自测；请拨打 12348 法律援助热线或到法律援助中心咨询"}

ART34 = ("第三十四条", "经济困难的标准，由省、自治区、直辖市人民政府根据本行政区域经济发展状况和法律援助工作需要确定，并实行动态调整")
ART41 = ("第四十一条", "因经济困难申请法律援助的，申请人应当如实说明经济困难状况；法律援助机构可以通过信息共享查询，"
                     "或者由申请人进行个人诚信承诺，核查申请人的经济困难状况")
ART42 = "第四十二条"

ALWAYS_DOCUMENTS = ("居民身份证", "户口本（户主页和本人页）", "法律援助申请表（可在小程序中填写）")
HARDSHIP_DOCUMENTS = ("经济困难状况个人诚信承诺书（小程序中签署）", "家庭成员收入情况说明")

# The existing hardship categories of the application form → the Art. 42 groups
HARDSHIP_CATEGORY_GROUPS = {
    "低保": "assistance_or_special_care", "特困供养": "assistance_or_special_care",
    "军人军属": "assistance_or_special_care", "农民工追索劳动报酬": "migrant_worker_pay_or_injury",
    # 残疾人 / 老年人 are NOT mapped: Art. 42 (一) exempts them only 无固定生活来源, which the category
    # does not say (the citizen's screen, or the staff, state it with `dependent_without_income`)
}
# the form's categories that name an Art. 42 group only in part: the screen says what is missing
HARDSHIP_CATEGORY_NOTES = {
    "残疾人": "残疾人仅在无固定生活来源时免予核查经济困难状况（第四十二条第（一）项）",
    "老年人": "老年人仅在无固定生活来源时免予核查经济困难状况（第四十二条第（一）项）",
}
# The form's case categories → the Art. 31 matters (a starting point; the citizen's screen wins)
CATEGORY_MATTERS = {
    "农民工欠薪": "labour_relation_or_pay", "劳动争议": "labour_relation_or_pay", "工伤": "personal_injury",
    "交通事故": "personal_injury", "医疗纠纷": "personal_injury", "婚姻家庭": "maintenance",
    "刑事": CRIMINAL, "刑事案件": CRIMINAL, "刑事辩护": CRIMINAL,
}
CATEGORY_INJURIES = {"工伤": "work", "交通事故": "traffic", "医疗纠纷": "medical"}

RESULT_LABELS = {"likely_eligible": "初步符合条件", "not_eligible": "初步不符合条件", "needs_review": "需法援中心审查"}
MEANS_TEST_LABELS = {"not_required": "不受经济困难条件限制", "exempt": "免予核查经济困难状况", "required": "需审查经济困难状况"}

# Art. 41: the personal integrity commitment, versioned (the accepted text is stored with the application)
INTEGRITY_COMMITMENTS = {
    "2026-01": ("本人郑重承诺：所填写的家庭人口、收入及财产状况真实、完整，所提交的材料真实有效。"
                "如有隐瞒或者虚假，本人愿意承担由此产生的法律责任；法律援助机构可以依法终止法律援助，"
                "并要求本人支付已实际支出的法律援助费用。"),
}
CURRENT_COMMITMENT = "2026-01"


def rules(config) -> tuple[dict, dict, dict]:
    """The law's matters, situations and groups plus the province's extensions from configuration:
    {key: {"label", "article", "text", "documents"}} (JSON in the environment)."""
    def extended(base, extra):
        out = dict(base)
        for key, spec in (extra or {}).items():
            out[key] = Rule(key, spec.get("label") or spec["text"][:20], spec["article"], spec["text"],
                            tuple(spec.get("documents") or ()))
        return out
    return (extended(MATTERS, config.get("ELIGIBILITY_EXTRA_MATTERS")),
            extended(SITUATIONS, config.get("ELIGIBILITY_EXTRA_SITUATIONS")),
            extended(GROUPS, config.get("ELIGIBILITY_EXTRA_GROUPS")))


class UnknownKeys(ValueError):
    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("unknown keys")
        self.fields = fields


def _basis(rule: Rule) -> dict:
    return {"article": rule.article, "text": rule.text}


def screen(data: dict, config) -> dict:
    """data: {"matter", "situations", "groups", "household_size", "monthly_income", "injury", "retrial"}
    → the answer. `injury` (personal_injury: work | traffic | food_drug | medical) decides whether the
    migrant worker's exemption applies (Art. 42 (三): a work injury only); `retrial` (retrial_petition:
    court_decided | procuratorate_protest | none) is the condition of Art. 33.
    Raises UnknownKeys for a matter, situation, group, injury or retrial stage the rules do not know."""
    matters, situations, groups = rules(config)
    unknown: dict[str, list[str]] = {}
    matter_key = data.get("matter")
    if matter_key not in matters:
        unknown["matter"] = [f"未知的申请事项：{matter_key}，应为：{'、'.join(matters)}"]
    bad = [s for s in data.get("situations") or () if s not in situations]
    if bad:
        unknown["situations"] = [f"未知的情形：{'、'.join(bad)}"]
    bad = [g for g in data.get("groups") or () if g not in groups]
    if bad:
        unknown["groups"] = [f"未知的人员类别：{'、'.join(bad)}"]
    injury, retrial = data.get("injury"), data.get("retrial")
    if injury is not None and injury not in INJURY_KINDS:
        unknown["injury"] = [f"未知的事故类型：{injury}，应为：{'、'.join(INJURY_KINDS)}"]
    if retrial is not None and retrial not in RETRIAL_STAGES:
        unknown["retrial"] = [f"未知的再审情况：{retrial}，应为：{'、'.join(RETRIAL_STAGES)}"]
    if unknown:
        raise UnknownKeys(unknown)

    matter = matters[matter_key]
    if matter_key == CRIMINAL:
        # Art. 24–29: defence and victims' aid follow their own routes; the screen says so, nothing more
        return {"result": "needs_review", "means_test": "required", "basis": [dict(CRIMINAL_BASIS)],
                "documents": list(ALWAYS_DOCUMENTS)}
    basis = [_basis(matter)]
    documents = list(ALWAYS_DOCUMENTS) + list(matter.documents)
    sits = [situations[s] for s in dict.fromkeys(data.get("situations") or ())]
    grps = [groups[g] for g in dict.fromkeys(data.get("groups") or ())]
    for s in sits:
        basis.append(_basis(s))
        documents += s.documents

    # Art. 33: the petition qualifies only once a retrial was decided or a protest lodged
    retrial_blocked = retrial_open = False
    if matter_key == "retrial_petition":
        if retrial in ("court_decided", "procuratorate_protest"):
            basis.append({"article": "第三十三条", "text": f"已说明：{RETRIAL_STAGES[retrial]}"})
        elif retrial == "none":
            retrial_blocked = True
            basis.append({"article": "第三十三条", "text": "申诉或者申请再审，须在人民法院决定、裁定再审或者人民检察院"
                                                         "提出抗诉后，方可申请法律援助；目前尚不符合该条件"})
        else:
            retrial_open = True
            basis.append({"article": "第三十三条", "text": "请说明人民法院是否已决定、裁定再审，或者人民检察院是否已提出抗诉"})

    standard = Decimal(str(config.get("HARDSHIP_MONTHLY_INCOME_PER_MEMBER") or 0))
    if sits:
        # Art. 32: these situations need no hardship condition, whatever the matter
        means_test = "not_required"
        result = "likely_eligible"
        basis.append({"article": "第三十二条", "text": "有上述情形的，申请法律援助不受经济困难条件的限制"})
    else:
        def migrant_applies() -> bool:
            if matter_key == "labour_relation_or_pay":
                return True
            return matter_key == "personal_injury" and injury == MIGRANT_INJURY
        applying = [g for g in grps if g.key != "migrant_worker_pay_or_injury" or migrant_applies()]
        for g in grps:
            if g in applying:
                basis.append(_basis(g))
                documents += g.documents
            elif matter_key == "personal_injury" and injury is None:
                basis.append({"article": g.article, "text": g.text + "（仅适用于追索劳动报酬或工伤事故人身损害赔偿；"
                                                                     "请说明事故类型，交通事故、医疗事故等不适用）"})
            else:
                what = f"本事项（{INJURY_KINDS[injury]}）" if matter_key == "personal_injury" else "本事项"
                basis.append({"article": g.article, "text": g.text + f"（仅适用于追索劳动报酬或工伤事故人身损害赔偿，{what}不适用）"})
        if applying:
            means_test = "exempt"
            basis.append({"article": ART42, "text": "申请人有材料证明属于上述人员的，免予核查经济困难状况"})
            result = "likely_eligible"
        else:
            means_test = "required"
            documents += HARDSHIP_DOCUMENTS
            size, income = data.get("household_size"), data.get("monthly_income")
            std_text = config.get("HARDSHIP_STANDARD_TEXT") or ""
            if size and income is not None and standard > 0:
                per_member = (Decimal(str(income)) / Decimal(size)).quantize(Decimal("0.01"))
                within = per_member <= standard
                basis.append({"article": ART34[0], "text": (
                    f"家庭人均月收入 {per_member} 元，{'不高于' if within else '高于'}本地经济困难标准"
                    f"（家庭成员人均月收入 {standard} 元{('，' + std_text) if std_text else ''}）")})
                result = "likely_eligible" if within else "not_eligible"
            else:
                basis.append({"article": ART34[0], "text": "未填写家庭人口和月收入，法援中心将按本地经济困难标准审查"
                                                           + (f"（{std_text}）" if std_text else "")})
                result = "needs_review"
            basis.append({"article": ART41[0], "text": "因经济困难申请的，应如实说明经济困难状况并作出个人诚信承诺"})
        if matter_key == "other" and result == "likely_eligible":
            result = "needs_review"  # Art. 31 (九): the rules that name the matter decide; the centre checks
    if matter_key == "other" and not sits:
        basis.append({"article": matter.article, "text": "其他事项是否属于法律援助范围，由法援中心依照法律、法规、规章的规定审查"})
    if retrial_blocked:
        result = "not_eligible"
    elif retrial_open and result == "likely_eligible":
        result = "needs_review"
    for note in data.get("notes") or ():
        basis.append(note)
    return {"result": result, "means_test": means_test, "basis": basis,
            "documents": list(dict.fromkeys(documents))}


def screen_from_application(app_, config) -> dict:
    """The screen for an application without a stored answer: its category and hardship category
    mapped onto the matters and the Art. 42 groups."""
    group = HARDSHIP_CATEGORY_GROUPS.get(app_.hardship_category or "")
    note = HARDSHIP_CATEGORY_NOTES.get(app_.hardship_category or "")
    data = {"matter": CATEGORY_MATTERS.get(app_.category or "", "other"), "situations": [],
            "groups": [group] if group else [], "injury": CATEGORY_INJURIES.get(app_.category or ""),
            "notes": [{"article": "第四十二条第（一）项", "text": note}] if note else []}
    return screen(data, config)
