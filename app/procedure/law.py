"""The articles the procedure cites: grounds of refusal, 先行提供 (Art. 44), termination (Art. 48),
the objection route (Art. 49), and the checklist of materials per matter for the one-time notice
(一次性告知, Art. 43). Keys are the API's; texts are the law's."""
from __future__ import annotations

# 不予法律援助: each reason with its article
REFUSAL_GROUNDS = {
    "matter_not_covered": ("第三十一条、第三十三条", "申请事项不属于法律援助的事项范围"),
    "not_in_hardship": ("第三十四条", "申请人的经济状况不符合本地经济困难标准"),
    "untrue_statement": ("第四十一条", "申请人未如实说明经济困难状况"),
    "other": ("", "其他理由（见说明）"),
}

# 先行提供法律援助 (Art. 44)
EXPEDITE_GROUNDS = {
    "deadline_within_7_days": ("第四十四条第（一）项",
                               "距法定时效或者期限届满不足七日，需要及时提起诉讼或者申请仲裁、行政复议"),
    "preservation_or_advance_execution": ("第四十四条第（二）项", "需要立即申请财产保全、证据保全或者先予执行"),
    "other": ("第四十四条第（三）项", "法律、法规、规章规定的其他情形"),
}

# 终止法律援助 (Art. 48)
TERMINATION_GROUNDS = {
    "deceit": ("第四十八条第（一）项", "受援人以欺骗或者其他不正当手段获得法律援助"),
    "concealment_or_false_evidence": ("第四十八条第（二）项", "受援人故意隐瞒与案件有关的重要事实或者提供虚假证据"),
    "illegal_use": ("第四十八条第（三）项", "受援人利用法律援助从事违法活动"),
    "economic_change": ("第四十八条第（四）项", "受援人的经济状况发生变化，不再符合法律援助条件"),
    "case_ended": ("第四十八条第（五）项", "案件终止审理或者已经被撤销"),
    "own_lawyer": ("第四十八条第（六）项", "受援人自行委托律师或者其他代理人"),
    "aided_person_request": ("第四十八条第（七）项", "受援人有正当理由要求终止法律援助"),
    "other": ("第四十八条第（八）项", "法律法规规定的其他情形"),
}

ART43 = ("第四十三条", "法律援助机构应当自收到法律援助申请之日起七日内进行审查，作出是否给予法律援助的决定；"
                     "决定给予法律援助的，应当自作出决定之日起三日内指派法律援助人员为受援人提供法律援助；"
                     "申请人提交的申请材料不齐全的，法律援助机构应当一次性告知申请人需要补充的材料或者要求申请人作出说明。"
                     "申请人未按要求补充材料或者作出说明的，视为撤回申请")
ART49 = ("第四十九条", "申请人、受援人对法律援助机构不予法律援助、终止法律援助的决定有异议的，可以向设立该法律援助机构的"
                     "司法行政部门提出。司法行政部门应当自收到异议之日起五日内进行审查，作出维持法律援助机构决定或者责令"
                     "法律援助机构改正的决定")
# Art. 49 para. 3: the route onwards from the bureau's decision to uphold
ART49_3 = ("第四十九条第三款", "申请人、受援人对司法行政部门维持法律援助机构决定不服的，可以依法申请行政复议或者提起行政诉讼")
# the two routes, each quoted word for word
RECONSIDERATION = ("《中华人民共和国行政复议法》第二十条第一款",
                   "公民、法人或者其他组织认为行政行为侵犯其合法权益的，可以自知道或者应当知道该行政行为之日起六十日内提出"
                   "行政复议申请；但是法律规定的申请期限超过六十日的除外")
SUIT = ("《中华人民共和国行政诉讼法》第四十六条第一款",
        "公民、法人或者其他组织直接向人民法院提起诉讼的，应当自知道或者应当知道作出行政行为之日起六个月内提出。"
        "法律另有规定的除外")
# 民法典 on periods (the default clock rule)
CIVIL_CODE_201 = ("《中华人民共和国民法典》第二百零一条第一款", "按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算")
CIVIL_CODE_203 = ("《中华人民共和国民法典》第二百零三条第一款",
                  "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日")

# The one-time notice's checklist: items every application may lack, then per matter.
# Each item: (key, label, document kind that ticks it off when uploaded, or None)
COMMON_ITEMS = (
    ("id_front", "居民身份证人像面照片", "id_front"),
    ("id_back", "居民身份证国徽面照片", "id_back"),
    ("hukou_home", "户口本首页照片", "hukou_home"),
    ("hukou_member", "户口本本人页（常住人口登记卡）照片", "hukou_member"),
    ("hardship_proof", "经济困难证明材料（低保证、收入证明或个人诚信承诺书）", "hardship_proof"),
    ("judgment", "裁判文书或有关机关的处理决定", "judgment"),
    ("explanation", "对案件情况的书面说明", "other"),
)
MATTER_ITEMS = {
    "labour_relation_or_pay": (("employment_proof", "劳动合同、工资条、欠条或考勤记录等用工证明", "other"),),
    "personal_injury": (("accident_finding", "事故认定书或工伤认定书", "other"),
                        ("medical_records", "病历、诊断证明和医疗费票据", "other")),
    "maintenance": (("kinship_proof", "亲属关系证明（出生证明、结婚证等）", "other"),),
    "state_compensation": (("compensation_decision", "国家赔偿申请及有关机关的决定", "judgment"),),
    "retrial_petition": (("retrial_decision", "再审决定、再审裁定或抗诉书", "judgment"),),
}


def checklist(matter: str | None) -> list[dict]:
    items = list(COMMON_ITEMS) + list(MATTER_ITEMS.get(matter or "", ()))
    return [{"key": k, "label": label, "kind": kind} for k, label, kind in items]

# Art. 44 para. 2 and the Ministry's procedure rules (not Art. 48 (八)): a 先行提供 case whose review finds
# the applicant not eligible is terminated
PROCEDURE_RULES = "《办理法律援助案件程序规定》"
EXPEDITE_TERMINATION = {
    "ineligible_after_expedite": (f"第四十四条，{PROCEDURE_RULES}",
                                  "先行提供法律援助后经审查，申请人不符合法律援助条件"),
}

