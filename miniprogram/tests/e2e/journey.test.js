/**
 * End to end: the real backend on loopback (embedded default, WeChat dev mode, OCR on) driven by
 * the mini-program's own API layer and page logic, with wx.request / wx.uploadFile /
 * wx.downloadFile shimmed onto real HTTP. One citizen's whole journey: login, eligibility,
 * application, two photo uploads (one answer lost to the network and retried), prefill confirm,
 * submit, status with its review deadline, the centre's decision and assignment (staff API), the
 * grant letter downloaded and opened, rating.
 */
const { spawn } = require('child_process')
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')
const readline = require('readline')

const { renderPage, flush, text, ROOT } = require('../helpers/pages')
const { createHttpWx } = require('./http-wx')

jest.setTimeout(180000)

const REPO = path.resolve(ROOT, '..')
let server
let info
let base
let tmp

function python() {
  if (process.env.PYTHON) return process.env.PYTHON
  const venv = path.join(REPO, '.venv', 'bin', 'python')
  return fs.existsSync(venv) ? venv : 'python3'
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-e2e-'))
  server = spawn(python(), [path.join(__dirname, 'server.py'), tmp], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  server.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000) })
  info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start:\n${stderr}`)), 120000)
    readline.createInterface({ input: server.stdout }).once('line', (line) => {
      clearTimeout(timer)
      resolve(JSON.parse(line))
    })
    server.once('exit', (code) => reject(new Error(`backend exited (${code}):\n${stderr}`)))
  })
  base = `http://127.0.0.1:${info.port}`
})

afterAll(() => {
  if (server && server.exitCode === null) server.kill('SIGTERM')
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

/** Render a page against the live server (config.js's BASE_URL is the one setting that changes). */
function page(name, query) {
  const p = renderPage(name)
  require('../../config').BASE_URL = base
  require('../../config').RETRY_DELAY_MS = 10
  return p
}

/** The centre's side, through the staff API (not the client's code). */
function staffCall(method, urlPath, body, token) {
  return new Promise((resolve, reject) => {
    const data = body ? Buffer.from(JSON.stringify(body)) : null
    const headers = { 'content-type': 'application/json' }
    if (data) headers['content-length'] = data.length
    if (token) headers.authorization = `Bearer ${token}`
    const req = http.request(`${base}${urlPath}`, { method, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode, body: raw ? JSON.parse(raw) : null })
      })
    })
    req.on('error', reject)
    req.end(data)
  })
}

async function staffToken(role) {
  const s = info.staff[role]
  const r = await staffCall('POST', '/api/v1/auth/staff/login', { username: s.username, password: s.password })
  expect(r.status).toBe(200)
  return r.body.access_token
}

test('a citizen applies, uploads, confirms the prefill, submits, follows the case and rates it', async () => {
  global.wx = createHttpWx({ loginName: `e2e-${Date.now()}`, tmpDir: tmp })
  // the API layer as the pages use it (renderPage resets the module registry: take the current one)
  const api = () => require('../../utils/api').api()

  // 1. login (dev mode: wx.login's code is dev:<name>)
  const login = page('login')
  login.instance.onAgree({ detail: { value: ['yes'] } })
  const session = await login.instance.login()
  expect(session.access_token).toBeTruthy()
  expect(session.user.role).toBe('citizen')

  // 2. eligibility screen (no login needed): a migrant worker owed pay
  const elig = page('eligibility')
  const matterIndex = elig.instance.data.matters.findIndex((m) => m.key === 'labour_relation_or_pay')
  elig.instance.onMatter({ detail: { value: matterIndex } })
  elig.instance.onGroups({ detail: { value: ['migrant_worker_pay_or_injury'] } })
  const screen = await elig.instance.check()
  expect(elig.instance.data.error).toBe('')
  expect(screen.result).toBe('likely_eligible')
  expect(screen.means_test).toBe('exempt')
  expect(screen.basis.length).toBeGreaterThan(0)
  expect(text(elig)).toContain(screen.basis[0].article)

  // 3. application form: a draft from what the citizen types
  const form = page('apply')
  await form.instance.onLoad({ from: 'eligibility' })
  const scr = form.instance.data.scr // the screen's answers come along, to be kept with the draft
  expect(scr.matters[scr.matterIndex].key).toBe('labour_relation_or_pay')
  expect(scr.groups.filter((g) => g.checked).map((g) => g.key)).toEqual(['migrant_worker_pay_or_injury'])
  const type = (field, value) => form.instance.onInput({ currentTarget: { dataset: { field } }, detail: { value } })
  type('phone', '13871234567')
  type('description', '在工地务工八个月，包工头拖欠工资三万二千元，多次讨要未果。')
  type('opposing_party', '某建筑劳务有限公司')
  type('current_address', '湖北省武汉市硚口区中山大道88号')
  form.instance.onPick({ currentTarget: { dataset: { field: 'category', options: 'categories' } }, detail: { value: 2 } })
  form.instance.onService({ detail: { value: 0 } }) // representation
  form.instance.onPick({ currentTarget: { dataset: { field: 'hardship_category', options: 'hardships' } }, detail: { value: 2 } })
  const draft = await form.instance.toPhotos()
  expect(form.instance.data.error).toBe('')
  expect(draft.status).toBe('draft')
  expect(wx.called('request').some((c) => c.args.method === 'PUT' && /\/eligibility$/.test(c.args.url))).toBe(true)
  const id = draft.id

  // 4. two photos; the first upload's answer is lost to the network: the retry carries the same key
  const photos = page('photos')
  await photos.instance.onLoad({ id: String(id) })
  wx.choose([info.photos.id_front, info.photos.id_back])
  wx.dropResponse('POST', /\/api\/v1\/documents$/)
  const progress = []
  const origSetSlot = photos.instance.setSlot.bind(photos.instance)
  photos.instance.setSlot = (kind, values) => {
    if (values.progress !== undefined) progress.push(values.progress)
    return origSetSlot(kind, values)
  }
  const front = await photos.instance.shoot({ currentTarget: { dataset: { kind: 'id_front' } } })
  const back = await photos.instance.shoot({ currentTarget: { dataset: { kind: 'id_back' } } })
  expect(front.status).toBe('ocr_done')
  expect(back.kind).toBe('id_back')
  const uploads = wx.called('uploadFile').map((c) => c.args)
  expect(uploads).toHaveLength(3)
  expect(uploads[0].header['Idempotency-Key']).toBe(uploads[1].header['Idempotency-Key'])
  expect(uploads[2].header['Idempotency-Key']).not.toBe(uploads[0].header['Idempotency-Key'])
  expect(progress).toContain(100)
  const docs = await api().listDocuments(id)
  expect(docs.map((d) => d.kind).sort()).toEqual(['id_back', 'id_front']) // the retry created nothing new
  expect(photos.instance.data.slots.find((s) => s.kind === 'id_front').prompts).toEqual([])
  photos.instance.next()
  expect(wx.called('navigateTo').pop().args.url).toBe(`/pages/prefill/prefill?id=${id}`)

  // 5. prefill review: accept what the ID card says
  const pre = page('prefill')
  await pre.instance.onLoad({ id: String(id) })
  const rows = Object.fromEntries(pre.instance.data.rows.map((r) => [r.field, r]))
  expect(rows.id_number.suggestion).toBe(info.truth.id_front.id_number)
  expect(rows.applicant_name.suggestion).toBe(info.truth.id_front.name)
  const confirmed = await pre.instance.confirm()
  expect(pre.instance.data.error).toBe('')
  expect(confirmed.accepted).toEqual(expect.arrayContaining(['id_number', 'applicant_name', 'sex', 'birth_date']))
  expect(wx.called('redirectTo').pop().args.url).toBe(`/pages/apply/apply?id=${id}`)

  // 6. back on the form: the confirmed values are there; commit, consent and submit
  const form2 = page('apply')
  await form2.instance.onLoad({ id: String(id) })
  expect(form2.instance.data.form.id_number).toBe(info.truth.id_front.id_number)
  expect(form2.instance.data.form.applicant_name).toBe(info.truth.id_front.name)
  expect(form2.instance.data.form.description).toContain('拖欠工资')
  const scr2 = form2.instance.data.scr // the screen's answers, read back from the server (GET …/eligibility)
  expect(scr2.matters[scr2.matterIndex].key).toBe('labour_relation_or_pay')
  expect(scr2.groups.filter((g) => g.checked).map((g) => g.key)).toEqual(['migrant_worker_pay_or_injury'])
  form2.instance.onCommit({ detail: { value: ['yes'] } })
  const submitted = await form2.instance.submit()
  expect(form2.instance.data.error).toBe('')
  expect(submitted.status).toBe('submitted')
  const consent = wx.called('requestSubscribeMessage')
  expect(consent).toHaveLength(1)
  expect(consent[0].args.tmplIds).toEqual(expect.arrayContaining(['dev-template-status']))
  expect(wx.called('redirectTo').pop().args.url).toBe(`/pages/status/status?id=${id}`)

  // 7. status
  const status = page('status')
  await status.instance.onLoad({ id: String(id) })
  await flush()
  expect(status.instance.data.app.status).toBe('submitted')
  expect(text(status)).toContain('提交申请')
  expect(status.instance.data.can.rate).toBe(false)
  expect(status.instance.data.app.deadlines.review_due).toMatch(/^\d{4}-\d{2}-\d{2}$/) // 7 working days (Art. 43)
  expect(text(status)).toContain('审查决定期限')

  // 8. the centre reviews, grants and assigns a lawyer (staff API)
  const manager = await staffToken('manager')
  const duty = await staffToken('duty_lawyer')
  let r = await staffCall('POST', `/api/v1/staff/applications/${id}/start-review`, {}, duty)
  expect(r.status).toBe(200)
  r = await staffCall('POST', `/api/v1/staff/applications/${id}/approve`, {}, manager)
  expect(r.status).toBe(200)
  r = await staffCall('POST', `/api/v1/staff/applications/${id}/assign`, { lawyer_id: info.staff.aid_lawyer.id }, manager)
  expect(r.status).toBe(200)

  await status.instance.refresh()
  await flush()
  expect(status.instance.data.app.status).toBe('assigned')
  expect(status.instance.data.app.assigned_lawyer.name).toBe('李律师')
  expect(text(status)).toContain('指派律师')
  expect(status.instance.data.can.rate).toBe(true)
  const letters = status.instance.data.letters
  expect(letters.map((l) => l.kind)).toEqual(expect.arrayContaining(['grant']))
  expect(text(status)).toContain('给予法律援助决定书')
  await status.instance.openLetter({ currentTarget: { dataset: { index: letters.findIndex((l) => l.kind === 'grant') } } })
  expect(status.instance.data.error).toBe('')
  const opened = wx.called('openDocument').pop().args
  expect(opened.fileType).toBe('pdf')
  expect(fs.readFileSync(opened.filePath).subarray(0, 5).toString()).toBe('%PDF-')

  // 9. rating
  const rating = page('rating')
  rating.instance.onLoad({ id: String(id) })
  rating.instance.onStars({ currentTarget: { dataset: { field: 'stars' } }, detail: { value: 5 } })
  rating.instance.onStars({ currentTarget: { dataset: { field: 'professionalism' } }, detail: { value: 5 } })
  rating.instance.onComment({ detail: { value: '律师很快联系了我，非常感谢。' } })
  const rated = await rating.instance.submit()
  expect(rating.instance.data.error).toBe('')
  expect(rated.stars).toBe(5)
  expect(rated.callback_opened).toBe(false)
  const mine = await api().ratings(id)
  expect(mine).toHaveLength(1)
})
