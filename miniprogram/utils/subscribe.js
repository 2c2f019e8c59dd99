/**
 * Subscribe-message consent (订阅消息). The template ids, and the moments at which to ask for which of
 * them, come from the server (GET /api/v1/client-config), so a centre configures them once, in the
 * server's environment, and every template the server sends with is asked for somewhere:
 *   submit    — progress, photos to re-shoot, the notice and decision letters
 *   objection — the bureau's answer and the letters after it
 *   awaiting  — the status page while a decision or a notice can come
 * wx.requestSubscribeMessage must be called straight from a tap, so pages load the config first
 * (loadConfig()) and call consent() synchronously at the start of their tap handler.
 * One-time templates allow one message per consent, so they are asked for at every moment; with
 * long-term templates (subscribe_long_term, for the account categories WeChat allows) a template the
 * citizen accepted once is not asked for again.
 */
const { api } = require('./api')

const CACHE_KEY = 'clientConfig'
const ACCEPTED_KEY = 'subscribe.accepted'
const DEFAULT_MOMENTS = {
  submit: ['status', 'document', 'letter'],
  objection: ['status', 'letter'],
  awaiting: ['letter', 'status', 'document'],
}
let cached = null

async function loadConfig() {
  try {
    cached = await api().clientConfig()
    wx.setStorageSync(CACHE_KEY, cached)
  } catch (e) {
    if (!cached) cached = wx.getStorageSync(CACHE_KEY) || null
  }
  return cached
}

function config() {
  return cached || wx.getStorageSync(CACHE_KEY) || null
}

/** Template ids for a moment ("submit", "objection", "awaiting"); all of them without a moment. */
function templates(moment) {
  const c = config()
  const byKind = (c && c.subscribe_templates) || {}
  if (!moment) return Object.values(byKind).filter(Boolean)
  const moments = (c && c.subscribe_moments) || DEFAULT_MOMENTS
  return (moments[moment] || []).map((kind) => byKind[kind]).filter(Boolean)
}

function longTerm() {
  const c = config()
  return !!(c && c.subscribe_long_term)
}

/**
 * Ask for consent; never blocks what follows. `what`: a moment name or a list of template ids.
 * Resolves {templateId: 'accept'|'reject'|...} or {}.
 */
function consent(what) {
  let ids = Array.isArray(what) ? what : templates(what)
  const accepted = wx.getStorageSync(ACCEPTED_KEY) || {}
  if (longTerm()) ids = ids.filter((id) => accepted[id] !== 'accept')
  ids = ids.slice(0, 3) // WeChat allows at most 3 per request
  if (!ids.length || !wx.requestSubscribeMessage) return Promise.resolve({})
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => {
        const out = res || {}
        if (longTerm()) {
          ids.forEach((id) => { if (out[id]) accepted[id] = out[id] })
          wx.setStorageSync(ACCEPTED_KEY, accepted)
        }
        resolve(out)
      },
      fail: () => resolve({}),
    })
  })
}

function _reset() { cached = null }

module.exports = { loadConfig, templates, consent, longTerm, DEFAULT_MOMENTS, _reset }
