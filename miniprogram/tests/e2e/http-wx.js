/**
 * wx.request / wx.uploadFile / wx.downloadFile shimmed onto real HTTP (Node's http module), with
 * the other wx APIs a journey needs (login in dev mode, storage, chooseMedia, subscribe consent,
 * openDocument, navigation) recorded. `dropResponse(pattern)` lets the next matching request reach
 * the server but reports a network failure to the client, as a phone losing signal would.
 */
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')

function createHttpWx({ loginName, tmpDir }) {
  const storage = new Map()
  const calls = []
  const drops = []
  let chosen = []
  const record = (name, args) => calls.push({ name, args })

  function shouldDrop(method, url) {
    const i = drops.findIndex((d) => d.method === method && d.pattern.test(url))
    if (i < 0) return false
    drops.splice(i, 1)
    return true
  }

  function send(method, url, headers, body, onProgress) {
    return new Promise((resolve, reject) => {
      const u = new URL(url)
      const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      })
      req.on('error', reject)
      if (body && onProgress) {
        // write in slices so progress is reported as the bytes go out
        const step = Math.max(1, Math.ceil(body.length / 4))
        for (let off = 0; off < body.length; off += step) {
          req.write(body.subarray(off, off + step))
          const sent = Math.min(body.length, off + step)
          onProgress({ progress: Math.round((sent / body.length) * 100), totalBytesSent: sent, totalBytesExpectedToSend: body.length })
        }
        req.end()
      } else {
        req.end(body)
      }
    })
  }

  const lowerHeaders = (h) => Object.fromEntries(Object.entries(h || {}).map(([k, v]) => [k.toLowerCase(), v]))

  const wx = {
    calls,
    storage,
    called: (name) => calls.filter((c) => c.name === name),
    dropResponse(method, pattern) { drops.push({ method, pattern }) },
    choose(paths) { chosen = paths.slice() },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => { storage.set(k, JSON.parse(JSON.stringify(v))) },
    removeStorageSync: (k) => { storage.delete(k) },
    login(o) {
      record('login', o)
      setTimeout(() => o.success({ code: `dev:${loginName}` }), 0)
    },
    request(o) {
      record('request', o)
      const method = o.method || 'GET'
      const headers = lowerHeaders(o.header)
      let body
      if (o.data !== undefined && method !== 'GET') {
        body = Buffer.from(JSON.stringify(o.data))
        headers['content-type'] = 'application/json'
        headers['content-length'] = body.length
      }
      send(method, o.url, headers, body).then((res) => {
        if (shouldDrop(method, o.url)) return o.fail && o.fail({ errMsg: 'request:fail timeout' })
        let data = res.body.toString('utf8')
        if ((res.headers['content-type'] || '').includes('json')) {
          try { data = JSON.parse(data) } catch (e) { /* left as text, as wx does */ }
        }
        return o.success && o.success({ statusCode: res.statusCode, data, header: res.headers })
      }, (err) => o.fail && o.fail({ errMsg: `request:fail ${err.message}` }))
      return { abort() {} }
    },
    uploadFile(o) {
      record('uploadFile', o)
      const listeners = []
      const boundary = `----wxupload${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`
      const parts = []
      Object.entries(o.formData || {}).forEach(([k, v]) => {
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
      })
      const file = fs.readFileSync(o.filePath)
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${o.name}"; filename="${path.basename(o.filePath)}"\r\n`
        + 'Content-Type: image/jpeg\r\n\r\n'))
      parts.push(file, Buffer.from(`\r\n--${boundary}--\r\n`))
      const body = Buffer.concat(parts)
      const headers = Object.assign(lowerHeaders(o.header), {
        'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length,
      })
      send('POST', o.url, headers, body, (p) => listeners.forEach((l) => l(p))).then((res) => {
        if (shouldDrop('POST', o.url)) return o.fail && o.fail({ errMsg: 'uploadFile:fail timeout' })
        return o.success && o.success({ statusCode: res.statusCode, data: res.body.toString('utf8') }) // a string, as wx gives it
      }, (err) => o.fail && o.fail({ errMsg: `uploadFile:fail ${err.message}` }))
      return { onProgressUpdate: (fn) => listeners.push(fn), abort() {} }
    },
    downloadFile(o) {
      record('downloadFile', o)
      send('GET', o.url, {}, undefined).then((res) => {
        const tempFilePath = path.join(tmpDir || os.tmpdir(), `download-${calls.length}.bin`)
        fs.writeFileSync(tempFilePath, res.body)
        o.success && o.success({ statusCode: res.statusCode, tempFilePath })
      }, (err) => o.fail && o.fail({ errMsg: `downloadFile:fail ${err.message}` }))
    },
    openDocument(o) { record('openDocument', o); setTimeout(() => o.success && o.success({}), 0) },
    chooseMedia(o) {
      record('chooseMedia', o)
      const p = chosen.shift()
      setTimeout(() => (p ? o.success({ tempFiles: [{ tempFilePath: p, fileType: 'image' }], type: 'image' })
        : o.fail({ errMsg: 'chooseMedia:fail cancel' })), 0)
    },
    requestSubscribeMessage(o) {
      record('requestSubscribeMessage', o)
      const res = { errMsg: 'requestSubscribeMessage:ok' }
      ;(o.tmplIds || []).forEach((id) => { res[id] = 'accept' })
      setTimeout(() => o.success && o.success(res), 0)
    },
    showModal(o) { record('showModal', o); setTimeout(() => o.success && o.success({ confirm: true }), 0) },
  }
  ;['navigateTo', 'redirectTo', 'navigateBack', 'reLaunch', 'showToast', 'showLoading', 'hideLoading',
    'makePhoneCall', 'stopPullDownRefresh'].forEach((name) => {
    wx[name] = (o) => { record(name, o) }
  })
  return wx
}

module.exports = { createHttpWx }
