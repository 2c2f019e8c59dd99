/** The eligibility questions, shared by the screen page and the application form. */

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
  }
}

function toggle(list, chosen) {
  return list.map((x) => Object.assign({}, x, { checked: (chosen || []).indexOf(x.key) >= 0 }))
}

/** The API body {matter, situations, groups[, household_size, monthly_income]}. */
function body(d) {
  const out = {
    matter: d.matterIndex >= 0 ? d.matters[d.matterIndex].key : null,
    situations: d.situations.filter((s) => s.checked).map((s) => s.key),
    groups: d.groups.filter((g) => g.checked).map((g) => g.key),
  }
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

module.exports = { state, toggle, body, validate }
