/**
 * The eligibility screen's choices and the current personal integrity commitment, from the server
 * (GET /api/v1/eligibility/rules: the law's lists plus what the province adds by configuration).
 * The bundled lists in labels.js are the fallback when the server cannot be reached.
 */
const labels = require('./labels')
const { api } = require('./api')

const FALLBACK = {
  matters: labels.MATTERS,
  situations: labels.SITUATIONS,
  groups: labels.GROUPS,
  hardship_standard: '',
  integrity_commitment: {
    version: '2026-01',
    text: '本人郑重承诺：所填写的家庭人口、收入及财产状况真实、完整，所提交的材料真实有效。如有隐瞒或者虚假，本人愿意承担由此产生的法律责任；法律援助机构可以依法终止法律援助，并要求本人支付已实际支出的法律援助费用。',
  },
}

let cached = null

async function load() {
  if (cached) return cached
  try {
    const r = await api().eligibilityRules()
    cached = Object.assign({}, FALLBACK, r, { fromServer: true })
  } catch (e) {
    return Object.assign({}, FALLBACK, { fromServer: false })
  }
  return cached
}

function _reset() { cached = null }

module.exports = { load, FALLBACK, _reset }
