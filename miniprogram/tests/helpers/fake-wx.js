/**
 * A fake `wx` for tests: storage in memory, wx.request / wx.uploadFile answered by a route table
 * (or a network failure), navigation and UI calls recorded.
 */
function createFakeWx(opts = {}) {
  const storage = new Map()
  const calls = []
  const routes = []
  const record = (name, args) => calls.push({ name, args })
  const later = (fn) => setTimeout(fn, 0)

  function match(method, url) {
    const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i]
      if (r.method === method && (r.path instanceof RegExp ? r.path.test(path) : r.path === path)) return r
    }
    return null
  }

  function answer(kind, o) {
    const method = kind === 'upload' ? 'POST' : (o.method || 'GET')
    const req = { method, url: o.url, header: o.header || {}, data: o.data, formData: o.formData,
                  filePath: o.filePath, name: o.name, kind }
    fake.requests.push(req)
    const route = match(method, o.url)
    if (!route) return { statusCode: 404, data: { code: 'not_found', message: '未找到该资源', details: {} } }
    const out = route.handler(req)
    return out
  }

  const fake = {
    requests: [],
    calls,
    storage,
    /** on('POST', '/api/v1/x', req => ({statusCode, data}) | {fail: 'request:fail timeout'}) */
    on(method, path, handler) {
      routes.unshift({ method, path, handler: typeof handler === 'function' ? handler : () => handler })
      return fake
    },
    called(name) { return calls.filter((c) => c.name === name) },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => { storage.set(k, JSON.parse(JSON.stringify(v))) },
    removeStorageSync: (k) => { storage.delete(k) },
    request(o) {
      record('request', o)
      const res = answer('request', o)
      later(() => {
        if (res.fail) o.fail && o.fail({ errMsg: res.fail })
        else o.success && o.success({ statusCode: res.statusCode, data: res.data, header: res.header || {} })
        o.complete && o.complete()
      })
      return { abort() {} }
    },
    uploadFile(o) {
      record('uploadFile', o)
      const listeners = []
      const res = answer('upload', o)
      later(() => {
        if (res.fail) {
          listeners.forEach((l) => l({ progress: 40, totalBytesSent: 40, totalBytesExpectedToSend: 100 }))
          o.fail && o.fail({ errMsg: res.fail })
          return
        }
        ;[30, 100].forEach((p) => listeners.forEach((l) => l({ progress: p, totalBytesSent: p, totalBytesExpectedToSend: 100 })))
        const data = typeof res.data === 'string' ? res.data : JSON.stringify(res.data)
        o.success && o.success({ statusCode: res.statusCode, data })
      })
      return { onProgressUpdate: (fn) => listeners.push(fn), abort() {} }
    },
    downloadFile(o) {
      record('downloadFile', o)
      const res = answer('download', Object.assign({ method: 'GET' }, o))
      later(() => {
        if (res.fail) o.fail && o.fail({ errMsg: res.fail })
        else o.success && o.success({ statusCode: res.statusCode, tempFilePath: res.tempFilePath || 'wxfile://tmp/letter.pdf' })
      })
    },
    openDocument(o) { record('openDocument', o); later(() => o.success && o.success({})) },
    login(o) {
      record('login', o)
      const code = opts.loginCode || `wx-code-${calls.filter((c) => c.name === 'login').length}`
      later(() => (opts.loginFails ? o.fail({ errMsg: 'login:fail' }) : o.success({ code })))
    },
    requestSubscribeMessage(o) {
      record('requestSubscribeMessage', o)
      const res = {}
      ;(o.tmplIds || []).forEach((id) => { res[id] = 'accept' })
      later(() => o.success && o.success(Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, res)))
    },
    chooseMedia(o) {
      record('chooseMedia', o)
      const path = typeof opts.chosenFile === 'function' ? opts.chosenFile() : (opts.chosenFile || 'wxfile://tmp/photo.jpg')
      later(() => (path ? o.success({ tempFiles: [{ tempFilePath: path, size: 1000, fileType: 'image' }], type: 'image' })
        : o.fail({ errMsg: 'chooseMedia:fail cancel' })))
    },
    showModal(o) {
      record('showModal', o)
      later(() => o.success && o.success({ confirm: opts.modalConfirm !== false, cancel: opts.modalConfirm === false }))
    },
  }
  ;['navigateTo', 'redirectTo', 'navigateBack', 'reLaunch', 'switchTab', 'showToast', 'showLoading', 'hideLoading',
    'makePhoneCall', 'stopPullDownRefresh', 'vibrateShort'].forEach((name) => {
    fake[name] = (o) => { record(name, o); if (o && o.success) later(() => o.success({})) }
  })
  return fake
}

const ok = (data, statusCode = 200) => ({ statusCode, data })
const err = (statusCode, code, message, details = {}) => ({ statusCode, data: { code, message, details } })

module.exports = { createFakeWx, ok, err }
