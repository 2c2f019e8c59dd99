/**
 * Separate consent for sensitive personal information (个人信息保护法第二十九条). The server keeps the texts
 * and their versions (GET /api/v1/me/consents) and records each consent (POST /api/v1/me/consents); it
 * refuses an ID number, ID or household-register photo, or income information without it. Pages ask
 * right before they collect: ensure(kind) shows the text and records the consent.
 */
const { api } = require('./api')

// what needs which consent (the same table as the server's app/auth/consents.py)
const FIELD_KIND = { id_number: 'id_number', hardship_statement: 'income', monthly_income: 'income' }
const DOCUMENT_KIND = { id_front: 'id_photos', id_back: 'id_photos', hukou_home: 'household_photos',
                        hukou_member: 'household_photos', hardship_proof: 'income' }

let state = null // {kind: item}

async function load(force) {
  if (state && !force) return state
  const res = await api().listConsents()
  state = {}
  ;(res.items || []).forEach((c) => { state[c.kind] = c })
  return state
}

function granted(kind) {
  return !!(state && state[kind] && state[kind].granted)
}

function ask(item) {
  return new Promise((resolve) => {
    wx.showModal({
      title: `同意收集${item.title}`,
      content: item.text,
      confirmText: '同意',
      cancelText: '不同意',
      success: (res) => resolve(!!res.confirm),
      fail: () => resolve(false),
    })
  })
}

/** true once the citizen has given (or already had) the consent for `kind`; false if they decline. */
async function ensure(kind) {
  await load()
  if (granted(kind)) return true
  const item = state[kind]
  if (!item) return true // the server does not ask for this one
  if (!(await ask(item))) return false
  const res = await api().grantConsent(kind, item.version)
  state[kind] = res
  return !!res.granted
}

/** The consents a body needs that are not given yet. */
function neededFor(body) {
  const kinds = new Set()
  Object.keys(body || {}).forEach((f) => {
    if (FIELD_KIND[f] && body[f] !== null && body[f] !== '' && body[f] !== undefined) kinds.add(FIELD_KIND[f])
  })
  return Array.from(kinds).filter((k) => !granted(k))
}

function _reset() { state = null }

module.exports = { load, granted, ensure, neededFor, FIELD_KIND, DOCUMENT_KIND, _reset }
