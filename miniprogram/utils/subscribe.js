/**
 * Subscribe-message consent (订阅消息). The template ids come from the server
 * (GET /api/v1/client-config), so a centre configures them once, in the server's environment.
 * wx.requestSubscribeMessage must be called straight from a tap, so pages load the ids first
 * (templates()) and call consent() synchronously at the start of their tap handler.
 */
const { api } = require('./api')

const CACHE_KEY = 'clientConfig'
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

function templates() {
  const c = cached || wx.getStorageSync(CACHE_KEY) || null
  return (c && c.subscribe_templates ? Object.values(c.subscribe_templates) : []).filter(Boolean)
}

/** Ask for consent; never blocks what follows. Resolves {templateId: 'accept'|'reject'|...} or {}. */
function consent(tmplIds) {
  const ids = (tmplIds || templates()).slice(0, 3) // WeChat allows at most 3 per request
  if (!ids.length || !wx.requestSubscribeMessage) return Promise.resolve({})
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => resolve(res || {}),
      fail: () => resolve({}),
    })
  })
}

function _reset() { cached = null }

module.exports = { loadConfig, templates, consent, _reset }
