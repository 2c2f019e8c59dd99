/**
 * The API layer: every call to the server goes through here.
 *
 * - base URL from config.js;
 * - login: wx.login → POST /api/v1/auth/wechat/login; tokens kept in storage;
 * - a 401 refreshes the tokens once (one refresh shared by concurrent calls) and repeats the
 *   call; a second 401 or a failed refresh clears the tokens and sends the citizen to login;
 * - creating requests carry an Idempotency-Key; after a network failure the request is sent
 *   again with the same key (the server answers with the first result, nothing is created twice);
 * - errors become ApiError with the server's Chinese `message` and `fields` (field → message)
 *   so pages can show each message beside its field;
 * - uploads through wx.uploadFile (field `file`, form fields `kind`, `application_id`) with progress.
 */
const config = require('../config')

const TOKEN_KEY = 'auth.tokens'
const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
const LOGIN_MESSAGE = '请先登录'

class ApiError extends Error {
  constructor({ status = 0, code = 'error', message = '请求失败，请稍后再试', details = {}, network = false } = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details || {}
    this.network = network
    this.fields = fieldErrors(this.details)
  }
}

/** details.fields {name: ["msg", ...] | {nested}} → {name: "msg；msg"} */
function fieldErrors(details) {
  const out = {}
  const f = details && details.fields
  if (!f || typeof f !== 'object') return out
  Object.keys(f).forEach((name) => {
    out[name] = flatten(f[name]).join('；')
  })
  return out
}

function flatten(v) {
  if (v == null) return []
  if (Array.isArray(v)) return v.reduce((acc, x) => acc.concat(flatten(x)), [])
  if (typeof v === 'object') return Object.keys(v).reduce((acc, k) => acc.concat(flatten(v[k])), [])
  return [String(v)]
}

function parseBody(data) {
  if (typeof data !== 'string') return data
  if (!data) return null
  try {
    return JSON.parse(data)
  } catch (e) {
    return data
  }
}

function errorFromResponse(res) {
  const body = parseBody(res.data)
  if (body && typeof body === 'object' && body.message) {
    const details = body.details || {}
    let message = body.message
    const schemaErrors = details.fields && details.fields._schema
    if (schemaErrors) message = `${message}：${flatten(schemaErrors).join('；')}`
    return new ApiError({ status: res.statusCode, code: body.code || 'error', message, details })
  }
  const status = res.statusCode
  const message = status >= 500 ? '服务暂时不可用，请稍后再试' : `请求失败（${status}）`
  return new ApiError({ status, code: status >= 500 ? 'service_unavailable' : 'error', message })
}

function networkError(err) {
  return new ApiError({ code: 'network_error', message: NETWORK_MESSAGE, network: true,
                        details: { errMsg: (err && err.errMsg) || String(err) } })
}

function loginRequired(message) {
  return new ApiError({ status: 401, code: 'login_required', message: message || LOGIN_MESSAGE })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function createClient(options = {}) {
  const env = () => options.wx || wx // looked up at call time: tests swap the global
  const setting = (name) => (options[name] !== undefined ? options[name] : config[name])
  const base = () => baseUrl(envVersion(), setting)
  let refreshing = null
  let lastLoginRedirect = 0

  /** "develop" (DevTools), "trial" (体验版) or "release" (正式版); develop when unknown (tests, old bases). */
  function envVersion() {
    if (options.envVersion) return options.envVersion
    try {
      const info = env().getAccountInfoSync && env().getAccountInfoSync()
      return (info && info.miniProgram && info.miniProgram.envVersion) || 'develop'
    } catch (e) {
      return 'develop'
    }
  }

  // --- tokens ------------------------------------------------------------------

  function tokens() {
    try {
      return env().getStorageSync(TOKEN_KEY) || null
    } catch (e) {
      return null
    }
  }

  function saveTokens(t) {
    env().setStorageSync(TOKEN_KEY, {
      access_token: t.access_token, refresh_token: t.refresh_token, expires_at: t.expires_at || null,
    })
  }

  function clearTokens() {
    try {
      env().removeStorageSync(TOKEN_KEY)
    } catch (e) { /* storage unavailable: nothing to clear */ }
  }

  function isLoggedIn() {
    const t = tokens()
    return !!(t && t.access_token)
  }

  function toLogin() {
    if (options.onLoginRequired) return options.onLoginRequired()
    const now = Date.now()
    if (now - lastLoginRedirect < 1500) return undefined // several calls failing at once: one redirect
    lastLoginRedirect = now
    const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
    const current = pages.length ? pages[pages.length - 1] : null
    if (current && current.route === 'pages/login/login') return undefined
    return env().navigateTo({ url: '/pages/login/login' })
  }

  // --- transport -----------------------------------------------------------------

  function absolute(url) {
    return /^https?:\/\//.test(url) ? url : `${base()}${url.charAt(0) === '/' ? '' : '/'}${url}`
  }

  function rawRequest({ method, path, data, header }) {
    return new Promise((resolve, reject) => {
      env().request({
        url: absolute(path),
        method,
        data,
        header: Object.assign({ 'content-type': 'application/json' }, header),
        timeout: setting('REQUEST_TIMEOUT_MS'),
        success: (res) => resolve({ statusCode: res.statusCode, data: parseBody(res.data), header: res.header || {} }),
        fail: (err) => reject(networkError(err)),
      })
    })
  }

  function rawUpload({ path, filePath, formData, header, onProgress }) {
    return new Promise((resolve, reject) => {
      const task = env().uploadFile({
        url: absolute(path),
        filePath,
        name: 'file',
        formData,
        header,
        timeout: setting('UPLOAD_TIMEOUT_MS'),
        success: (res) => resolve({ statusCode: res.statusCode, data: parseBody(res.data), header: res.header || {} }),
        fail: (err) => reject(networkError(err)),
      })
      if (task && onProgress && typeof task.onProgressUpdate === 'function') {
        task.onProgressUpdate((p) => onProgress(p.progress, p))
      }
    })
  }

  /**
   * Send with the auth, refresh and retry rules. `transport(header)` performs one attempt.
   * retry: whether a network failure may be retried (safe methods, or an Idempotency-Key).
   */
  async function send(transport, { auth = true, idempotencyKey = null, retry = false } = {}) {
    let attempt = 0
    let refreshed = false
    const maxRetries = setting('NETWORK_RETRIES')
    for (;;) {
      const header = {}
      if (auth) {
        const t = tokens()
        if (!t || !t.access_token) {
          toLogin()
          throw loginRequired()
        }
        header.Authorization = `Bearer ${t.access_token}`
      }
      if (idempotencyKey) header['Idempotency-Key'] = idempotencyKey
      let res
      try {
        res = await transport(header)
      } catch (err) {
        if (err.network && (retry || idempotencyKey) && attempt < maxRetries) {
          attempt += 1
          await sleep(setting('RETRY_DELAY_MS') * attempt)
          continue
        }
        throw err
      }
      if (res.statusCode === 401 && auth) {
        if (!refreshed) {
          refreshed = true
          if (await refresh()) continue
        }
        clearTokens()
        toLogin()
        throw loginRequired(res.data && res.data.message ? `${res.data.message}` : '登录已过期，请重新登录')
      }
      // the same key is still being processed (a retry raced the first attempt): wait and ask again
      if (res.statusCode === 409 && res.data && res.data.code === 'request_in_progress' && attempt < maxRetries) {
        attempt += 1
        await sleep(setting('RETRY_DELAY_MS') * attempt)
        continue
      }
      if (res.statusCode >= 200 && res.statusCode < 300) return res.data
      throw errorFromResponse(res)
    }
  }

  /** One refresh at a time; true when new tokens were stored. */
  function refresh() {
    if (!refreshing) {
      refreshing = (async () => {
        const t = tokens()
        if (!t || !t.refresh_token) return false
        const res = await rawRequest({ method: 'POST', path: '/api/v1/auth/refresh',
                                       data: { refresh_token: t.refresh_token }, header: {} })
        if (res.statusCode === 200 && res.data && res.data.access_token) {
          saveTokens(res.data)
          return true
        }
        return false
      })().finally(() => { refreshing = null })
    }
    return refreshing
  }

  function request(method, path, { data, auth = true, idempotencyKey = null, retry } = {}) {
    const safe = method === 'GET' || method === 'PATCH' || method === 'PUT' || method === 'DELETE'
    return send((header) => rawRequest({ method, path, data, header }),
                { auth, idempotencyKey, retry: retry !== undefined ? retry : safe })
  }

  // --- WeChat login -----------------------------------------------------------------

  function wxLoginCode() {
    const dev = envVersion() === 'develop' ? setting('DEV_LOGIN_CODE') : '' // never outside DevTools
    if (dev) return Promise.resolve(dev)
    return new Promise((resolve, reject) => {
      env().login({
        success: (res) => (res.code ? resolve(res.code)
          : reject(new ApiError({ code: 'wx_login_failed', message: '微信登录失败，请重试' }))),
        fail: () => reject(new ApiError({ code: 'wx_login_failed', message: '微信登录失败，请检查网络后重试', network: true })),
      })
    })
  }

  async function login() {
    const code = await wxLoginCode()
    const res = await send((header) => rawRequest({ method: 'POST', path: '/api/v1/auth/wechat/login', data: { code }, header }),
                           { auth: false })
    saveTokens(res)
    return res
  }

  async function logout() {
    try {
      if (isLoggedIn()) await request('POST', '/api/v1/auth/logout')
    } finally {
      clearTokens()
    }
  }

  // --- documents ----------------------------------------------------------------------

  function uploadDocument({ applicationId, kind, filePath, onProgress, idempotencyKey }) {
    return send((header) => rawUpload({
      path: '/api/v1/documents', filePath, header, onProgress,
      formData: { kind, application_id: String(applicationId) },
    }), { idempotencyKey })
  }

  /** A letter (PDF): wx.downloadFile the signed URL, then wx.openDocument. */
  function openLetter(letter) {
    return new Promise((resolve, reject) => {
      env().downloadFile({
        url: absolute(letter.url),
        success: (res) => {
          if (res.statusCode !== 200) {
            reject(new ApiError({ status: res.statusCode, code: 'download_failed',
                                  message: res.statusCode === 403 ? '文书链接已过期，请刷新后重试' : '文书下载失败，请稍后再试' }))
            return
          }
          env().openDocument({
            filePath: res.tempFilePath, fileType: 'pdf', showMenu: true,
            success: () => resolve(res.tempFilePath),
            fail: () => reject(new ApiError({ code: 'open_failed', message: '无法打开文书，请稍后再试' })),
          })
        },
        fail: (err) => reject(networkError(err)),
      })
    })
  }

  const qs = (params) => Object.keys(params || {}).filter((k) => params[k] !== undefined && params[k] !== null)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`).join('&')

  return {
    // plumbing (exported for tests and for pages that need them)
    request, send, refresh, tokens, saveTokens, clearTokens, isLoggedIn, absolute,
    // auth and profile
    login,
    logout,
    me: () => request('GET', '/api/v1/me'),
    bindPhone: (code, idempotencyKey) => request('POST', '/api/v1/me/phone', { data: { code }, idempotencyKey }),
    clientConfig: () => request('GET', '/api/v1/client-config', { auth: false }),
    // privacy: separate consents for sensitive data, the data copy, account deletion
    listConsents: () => request('GET', '/api/v1/me/consents'),
    grantConsent: (kind, version) => request('POST', '/api/v1/me/consents', { data: { kind, version }, retry: true }),
    withdrawConsent: (kind) => request('DELETE', `/api/v1/me/consents/${kind}`),
    dataCopy: () => request('GET', '/api/v1/me/data'),
    deleteAccount: () => request('POST', '/api/v1/me/deletion', { data: { confirm: true } }),
    // eligibility (no login)
    eligibility: (body) => request('POST', '/api/v1/eligibility', { data: body, auth: false, retry: true }),
    eligibilityRules: () => request('GET', '/api/v1/eligibility/rules', { auth: false }),
    getScreen: (applicationId) => request('GET', `/api/v1/applications/${applicationId}/eligibility`),
    saveScreen: (applicationId, body) => request('PUT', `/api/v1/applications/${applicationId}/eligibility`, { data: body }),
    // applications
    listApplications: (params) => request('GET', `/api/v1/applications?${qs(Object.assign({ page: 1, page_size: 20 }, params))}`),
    getApplication: (id) => request('GET', `/api/v1/applications/${id}`),
    createApplication: (data, idempotencyKey) => request('POST', '/api/v1/applications', { data, idempotencyKey }),
    updateApplication: (id, data) => request('PATCH', `/api/v1/applications/${id}`, { data }),
    submitApplication: (id, idempotencyKey) => request('POST', `/api/v1/applications/${id}/submit`, { data: {}, idempotencyKey }),
    withdrawApplication: (id, reason, idempotencyKey) => request('POST', `/api/v1/applications/${id}/withdraw`,
                                                                 { data: { reason }, idempotencyKey }),
    // documents and prefill
    uploadDocument,
    listDocuments: (applicationId) => request('GET', `/api/v1/applications/${applicationId}/documents`),
    getDocument: (id) => request('GET', `/api/v1/documents/${id}`),
    getPrefill: (applicationId) => request('GET', `/api/v1/applications/${applicationId}/prefill`),
    confirmPrefill: (applicationId, fields) => request('POST', `/api/v1/applications/${applicationId}/prefill/confirm`,
                                                       { data: { fields }, retry: true }),
    // after the decision
    rate: (applicationId, body, idempotencyKey) => request('POST', `/api/v1/applications/${applicationId}/rating`,
                                                           { data: body, idempotencyKey }),
    ratings: (applicationId) => request('GET', `/api/v1/applications/${applicationId}/rating`),
    object: (applicationId, body, idempotencyKey) => request('POST', `/api/v1/applications/${applicationId}/objections`,
                                                             { data: body, idempotencyKey }),
    objections: (applicationId) => request('GET', `/api/v1/applications/${applicationId}/objections`),
    /** 送达: the citizen opened the letter (the first opening is its delivery; the clocks run from it). */
    letterOpened: (applicationId, letterId) =>
      request('POST', `/api/v1/applications/${applicationId}/letters/${letterId}/opened`),
    // after assignment: the lawyer (name, firm), a change request (Art. 55), the closing
    handling: (applicationId) => request('GET', `/api/v1/applications/${applicationId}/handling`),
    requestLawyerChange: (applicationId, body, idempotencyKey) => request(
      'POST', `/api/v1/applications/${applicationId}/lawyer-change`, { data: body, idempotencyKey }),
    openLetter,
  }
}

const CONFIG_MESSAGE = '小程序未配置服务器地址，请联系法律援助中心'

/** A release or trial build's origin: RELEASE_BASE_URL, https, not a local or private address. */
function releaseUrlProblem(url) {
  if (!url) return 'RELEASE_BASE_URL is empty'
  if (!/^https:\/\/[^/]+/.test(url)) return 'RELEASE_BASE_URL must be https'
  const host = url.replace(/^https:\/\//, '').split(/[/:]/)[0].toLowerCase()
  if (host === 'localhost' || /^127\./.test(host) || /^10\./.test(host) || /^192\.168\./.test(host)
      || /^172\.(1[6-9]|2\d|3[01])\./.test(host) || host === '0.0.0.0' || /\.local$/.test(host)) {
    return 'RELEASE_BASE_URL points at a local address'
  }
  return null
}

function baseUrl(version, setting) {
  if (version === 'develop') return String(setting('BASE_URL')).replace(/\/+$/, '')
  const url = String(setting('RELEASE_BASE_URL') || '').replace(/\/+$/, '')
  if (releaseUrlProblem(url)) throw new ApiError({ code: 'config_error', message: CONFIG_MESSAGE })
  return url
}

let defaultClient = null

/** The client the pages use (config.js settings, the global wx). */
function api() {
  if (!defaultClient) defaultClient = createClient()
  return defaultClient
}

module.exports = { api, createClient, ApiError, fieldErrors, releaseUrlProblem, TOKEN_KEY, NETWORK_MESSAGE }
