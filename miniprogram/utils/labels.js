/** Chinese labels for the API's keys (the server's enums; OpenAPI lists the same values). */

const CATEGORIES = ['婚姻家庭', '劳动争议', '农民工欠薪', '工伤', '交通事故', '债权债务', '个人财产', '房产物业',
  '房价调控', '医疗纠纷', '消费维权', '刑事', '行政', '其他']

const HARDSHIP_CATEGORIES = ['低保', '特困供养', '农民工追索劳动报酬', '残疾人', '老年人', '军人军属', '其他']

const SERVICE_TYPES = [
  { value: 'representation', label: '代理（由律师代为诉讼、仲裁等）' },
  { value: 'document_drafting', label: '代书（代写法律文书）' },
  { value: 'advice', label: '咨询（法律咨询）' },
]

const SEXES = ['男', '女']

const DOCUMENT_KINDS = {
  id_front: { label: '身份证人像面', tip: '请将身份证人像面平放，四角完整拍入画面' },
  id_back: { label: '身份证国徽面', tip: '请拍摄身份证国徽面（有效期限一面）' },
  hukou_home: { label: '户口本首页', tip: '请拍摄户口本首页（户主页），避免反光' },
  hukou_member: { label: '户口本本人页', tip: '请拍摄户口本中申请人本人的常住人口登记卡' },
  hardship_proof: { label: '经济困难证明', tip: '如低保证、特困供养证、残疾证等' },
  judgment: { label: '判决书等法律文书', tip: '如一审判决书、仲裁裁决书' },
  other: { label: '其他材料', tip: '其他能证明案情的材料' },
}

/** Photo warnings from the server → what to do about them (the re-shoot prompt). */
const PHOTO_WARNINGS = {
  image_too_small: '照片太小或证件离镜头太远，请靠近后重新拍摄',
  blurred: '照片模糊，请在光线充足处对焦后重新拍摄',
  too_dark: '照片太暗，请到光线明亮的地方重新拍摄',
  overexposed: '照片反光或过亮，请避开灯光直射后重新拍摄',
  wrong_kind: '照片与所选材料类型不符，请确认拍摄的是正确的证件页',
  no_text: '照片中没有识别到文字，请将证件完整拍入画面后重新拍摄',
  expired: '证件已超过有效期，请上传有效证件',
  surname_unknown: '识别出的姓氏不常见，可能识别有误，请核对姓名',
  seal_text: '部分内容可能取自印章文字，请核对识别结果',
}

const PREFILL_FIELDS = {
  applicant_name: '姓名', sex: '性别', ethnicity: '民族', birth_date: '出生日期', id_number: '公民身份号码',
  hukou_address: '户籍地址', occupation: '职业',
}

const DEADLINES = {
  review_due: '审查决定期限',
  supplement_due: '补充材料截止日',
  assign_due: '指派律师期限',
  objection_due: '提出异议截止日',
}

/** How the server counts its periods (deadlines.rule). */
const CLOCK_RULES = {
  calendar: '期限按日计算：自次日起算，期间最后一日为法定节假日或休息日的，顺延至其后第一个工作日（民法典第二百零一条、第二百零三条）。',
  workdays: '期限按工作日计算：自次日起算，法定节假日和休息日不计入，调休上班日计入。',
}

const ELIGIBILITY_RESULTS = {
  likely_eligible: { label: '初步符合法律援助条件', tone: 'ok' },
  not_eligible: { label: '初步看不符合法律援助条件', tone: 'bad' },
  needs_review: { label: '需要法律援助机构进一步审查', tone: 'warn' },
}

const MEANS_TEST = {
  not_required: '无需审查经济困难状况',
  exempt: '免予核查经济困难状况',
  required: '需要说明家庭经济状况并签署个人诚信承诺',
}

const LETTER_KINDS = {
  grant: '给予法律援助决定书',
  refusal: '不予法律援助决定书',
  termination: '终止法律援助决定书',
  supplement_notice: '补充材料通知书',
  expedite: '先行提供法律援助决定书',
  assignment: '指派通知书',
}

module.exports = {
  CATEGORIES, HARDSHIP_CATEGORIES, SERVICE_TYPES, SEXES, DOCUMENT_KINDS, PHOTO_WARNINGS, PREFILL_FIELDS,
  DEADLINES, CLOCK_RULES, ELIGIBILITY_RESULTS, MEANS_TEST, LETTER_KINDS,
}

/** The eligibility screen's choices (Legal Aid Law Art. 31–33, 42; keys as the API takes them). */
const MATTERS = [
  { key: 'state_compensation', label: '依法请求国家赔偿' },
  { key: 'social_insurance_or_assistance', label: '请求给予社会保险待遇或者社会救助' },
  { key: 'survivor_pension', label: '请求发给抚恤金' },
  { key: 'maintenance', label: '请求给付赡养费、抚养费、扶养费' },
  { key: 'labour_relation_or_pay', label: '请求确认劳动关系或者支付劳动报酬' },
  { key: 'civil_capacity', label: '请求认定公民无民事行为能力或者限制民事行为能力' },
  { key: 'personal_injury', label: '请求工伤、交通、食品药品安全、医疗事故人身损害赔偿' },
  { key: 'environmental_damage', label: '请求环境污染、生态破坏损害赔偿' },
  { key: 'retrial_petition', label: '申诉或者申请再审' },
  { key: 'other', label: '其他事项' },
  { key: 'criminal', label: '刑事案件（辩护、被害人代理）' },
]
const SITUATIONS = [
  { key: 'martyr_relative', label: '英雄烈士近亲属维护英雄烈士的人格权益' },
  { key: 'good_samaritan', label: '因见义勇为行为主张相关民事权益' },
  { key: 'acquitted_on_retrial', label: '再审改判无罪请求国家赔偿' },
  { key: 'abuse_or_domestic_violence', label: '遭受虐待、遗弃或者家庭暴力的受害人主张相关权益' },
]
const GROUPS = [
  { key: 'dependent_without_income', label: '无固定生活来源的未成年人、老年人、残疾人等' },
  { key: 'assistance_or_special_care', label: '社会救助、司法救助或者优抚对象（如低保、特困供养）' },
  { key: 'migrant_worker_pay_or_injury', label: '申请支付劳动报酬或工伤赔偿的进城务工人员' },
]
module.exports.MATTERS = MATTERS
module.exports.SITUATIONS = SITUATIONS
module.exports.GROUPS = GROUPS
