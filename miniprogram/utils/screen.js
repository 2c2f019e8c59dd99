/** The eligibility questions, shared by the screen page and the application form. */

/** Art. 31 (七): which accident (only a work injury brings a migrant worker's exemption, Art. 42 (三)). */
const INJURIES = [
  { key: 'work', label: '工伤事故' }, { key: 'traffic', label: '交通事故' },
  { key: 'food_drug', label: '食品药品安全事故' }, { key: 'medical', label: '医疗事故' },
]
/** Art. 33: a 申诉 or 再审 petition qualifies once a court decided to retry or a procuratorate protested. */
const RETRIAL = [
  { key: 'court_decided', label: '人民法院已决定、裁定再审' }, { key: 'procuratorate_protest', label: '人民检察院已提出抗诉' },
  { key: 'none', label: '都还没有' },
]

/** Page data for the questions, optionally pre-answered (`input` as the API takes it). */
function state(rules, input) {
  input = input || {}
  const has = (list, key) => (list || []).indexOf(key) >= 0
  const situations = rules.situations.map((s) => ({ key: s.key, label: s.label, checked: has(input.situations, s.key) }))
  const groups = rules.groups.map((g) => ({ key: g.key, label: g.label, checked: has(input.groups, g.key) }))
  return {
    matters: rules.matters.map((m) => ({ key: m.key, label: m.label })),
    matterIndex: rules.matters.findIndex((m) => m.key === input.matter),
    situations,
    groups,
    household_size: input.household_size != null ? String(input.household_size) : '',
    monthly_income: input.monthly_income != null ? String(input.monthly_income) : '',
    askIncome: !(situations.some((s) => s.checked) || groups.some((g) => g.checked)),
    hardshipStandard: rules.hardship_standard || '',
    injuries: INJURIES,
    injuryIndex: INJURIES.findIndex((i) => i.key === input.injury),
    retrials: RETRIAL,
    retrialIndex: RETRIAL.findIndex((r) => r.key === input.retrial),
  }
}

function toggle(list, chosen) {
  return list.map((x) => Object.assign({}, x, { checked: (chosen || []).indexOf(x.key) >= 0 }))
}

/** The API body {matter, situations, groups[, injury, retrial, household_size, monthly_income]}. */
function body(d) {
  const out = {
    matter: d.matterIndex >= 0 ? d.matters[d.matterIndex].key : null,
    situations: d.situations.filter((s) => s.checked).map((s) => s.key),
    groups: d.groups.filter((g) => g.checked).map((g) => g.key),
  }
  if (out.matter === 'personal_injury' && d.injuryIndex >= 0) out.injury = d.injuries[d.injuryIndex].key
  if (out.matter === 'retrial_petition' && d.retrialIndex >= 0) out.retrial = d.retrials[d.retrialIndex].key
  if (d.askIncome && d.household_size !== '') out.household_size = Number(d.household_size)
  if (d.askIncome && d.monthly_income !== '') out.monthly_income = Number(d.monthly_income)
  return out
}

/** Checks made before sending: {field: message}. */
function validate(b) {
  const errors = {}
  if (!b.matter) errors.matter = '请选择事项'
  if (b.household_size !== undefined && !(Number.isInteger(b.household_size) && b.household_size >= 1)) {
    errors.household_size = '请填写 1 以上的整数'
  }
  if (b.monthly_income !== undefined && !(b.monthly_income >= 0)) errors.monthly_income = '请填写不小于 0 的金额'
  return errors
}

module.exports = { state, toggle, body, validate, INJURIES, RETRIAL }
