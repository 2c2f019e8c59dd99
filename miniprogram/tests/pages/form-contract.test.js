/** Issue 18 item 2: the form's edges where it meets the server. */
const { renderPage, flush, text } = require('../helpers/pages')
const { createFakeWx, ok, err } = require('../helpers/fake-wx')
const { login, application } = require('../helpers/fixtures')

const input = (page, field, value) => page.instance.onInput({ currentTarget: { dataset: { field } }, detail: { value } })

function setup(routes = {}) {
  login(wx)
  wx.on('GET', '/api/v1/client-config', ok({ subscribe_templates: { status: 'tmpl-status' } }))
  wx.on('GET', '/api/v1/me/consents', ok({ texts: {}, granted: {} }))
  Object.keys(routes).forEach((k) => {
    const [method, path] = k.split(' ')
    wx.on(method, path, routes[k])
  })
}

test('the Idempotency-Key follows the body: a retry of the same body keeps it, an edited body gets a new one', async () => {
  const keys = []
  let n = 0
  setup({ 'POST /api/v1/applications': (req) => { keys.push([req.header['Idempotency-Key'], req.data.applicant_name]); return ++n <= 3 ? { fail: 'request:fail timeout' } : ok(application(), 201) } })
  const page = renderPage('apply')
  require('../../config').RETRY_DELAY_MS = 1
  await page.instance.onLoad({})
  input(page, 'applicant_name', '张三')
  await page.instance.saveDraft() // lost three times
  input(page, 'applicant_name', '张三丰') // the citizen edits, then taps again
  await page.instance.saveDraft()
  expect(keys.map((k) => k[1])).toEqual(['张三', '张三', '张三', '张三丰'])
  expect(new Set(keys.slice(0, 3).map((k) => k[0])).size).toBe(1)
  expect(keys[3][0]).not.toBe(keys[0][0])
  expect(page.instance.data.id).toBe(12)
})

test('a form left in the page stack sends only what was changed on it, never nulls over confirmed values', async () => {
  // the draft as this (older) page loaded it: no name, no ID number yet
  let server = application({ applicant_name: null, id_number: null, phone: '13800138000' })
  const patches = []
  setup({
    'GET /api/v1/applications/12': () => ok(server),
    'GET /api/v1/applications/12/eligibility': ok({ source: 'derived' }),
    'PATCH /api/v1/applications/12': (req) => { patches.push(req.data); server = Object.assign({}, server, req.data); return ok(server) },
  })
  const older = renderPage('apply')
  await older.instance.onLoad({ id: '12' })
  // meanwhile the prefill review confirmed the name and ID number on the server
  server = Object.assign({}, server, { applicant_name: '王五', id_number: '420106199001011234' })
  input(older, 'occupation', '务工')
  await older.instance.saveDraft()
  expect(patches).toEqual([{ occupation: '务工' }])
  expect(server.applicant_name).toBe('王五')
  expect(server.id_number).toBe('420106199001011234')
  await older.instance.saveDraft() // nothing changed since: nothing sent
  expect(patches).toHaveLength(1)
})

test('a photo the server refused is not sent again: the next tap chooses a new one', async () => {
  let file = 0
  global.wx = createFakeWx({ chosenFile: () => `wxfile://tmp/p${++file}.jpg` })
  login(wx)
  wx.on('GET', '/api/v1/applications/12/documents', ok([]))
  wx.on('GET', '/api/v1/me/consents', ok({ texts: {}, granted: { id_photos: { version: '2026-12' } } }))
  let n = 0
  wx.on('POST', '/api/v1/documents', () => (++n === 1 ? err(422, 'invalid_image', '文件不是有效的图片（支持 JPEG、PNG、WebP）')
    : ok({ id: 5, kind: 'id_front', status: 'uploaded', status_label: '已上传', warnings: [] }, 201)))
  const page = renderPage('photos')
  await page.instance.onLoad({ id: '12' })
  const tap = { currentTarget: { dataset: { kind: 'id_front' } } }
  await page.instance.shoot(tap)
  await flush()
  expect(text(page)).toContain('文件不是有效的图片')
  expect(text(page)).toContain('重新选择照片')
  await page.instance.shoot(tap)
  await flush()
  const ups = wx.called('uploadFile').map((c) => c.args)
  expect(wx.called('chooseMedia')).toHaveLength(2)
  expect(ups.map((u) => u.filePath)).toEqual(['wxfile://tmp/p1.jpg', 'wxfile://tmp/p2.jpg'])
  expect(ups[0].header['Idempotency-Key']).not.toBe(ups[1].header['Idempotency-Key'])
  expect(page.instance.data.slots[0].doc.id).toBe(5)
})

test('a confirmed prefill row can be corrected', async () => {
  login(wx)
  const prefill = { fields: {
    birth_date: { state: 'confirmed', current: '1990-01-01', suggestion: { value: '1990-01-01', confidence: 0.97 } },
  }, documents: [], pending: [] }
  wx.on('GET', '/api/v1/applications/12/prefill', ok(prefill))
  wx.on('PATCH', '/api/v1/applications/12', ok({ id: 12 }))
  const page = renderPage('prefill')
  await page.instance.onLoad({ id: '12' })
  await flush()
  expect(page.instance.data.rows[0].choice).toBe('keep')
  expect(text(page)).toContain('修改')
  page.instance.onChoice({ currentTarget: { dataset: { field: 'birth_date' } }, detail: { value: 'correct' } })
  page.instance.onCorrect({ currentTarget: { dataset: { field: 'birth_date' } }, detail: { value: '1990-01-10' } })
  await page.instance.confirm()
  expect(wx.requests.find((r) => r.method === 'PATCH').data).toEqual({ birth_date: '1990-01-10' })
})

describe('a release build cannot talk to the development server', () => {
  const { createClient, ApiError } = require('../../utils/api')
  const { check } = require('../../scripts/check-release')
  const config = require('../../config')

  test('release and trial refuse the dev base URL; develop uses it', async () => {
    for (const envVersion of ['release', 'trial']) {
      global.wx = createFakeWx()
      wx.getAccountInfoSync = () => ({ miniProgram: { envVersion } })
      wx.on('GET', '/api/v1/client-config', ok({}))
      const c = createClient({ RELEASE_BASE_URL: '' })
      await expect(c.clientConfig()).rejects.toMatchObject({ code: 'config_error', message: '小程序未配置服务器地址，请联系法律援助中心' })
      for (const bad of ['http://legalaid.example.cn', 'https://127.0.0.1:5000', 'https://192.168.1.5', config.BASE_URL]) {
        await expect(createClient({ RELEASE_BASE_URL: bad }).clientConfig()).rejects.toBeInstanceOf(ApiError)
      }
      expect(wx.called('request')).toHaveLength(0)
      await createClient({ RELEASE_BASE_URL: 'https://fy.example.gov.cn/' }).clientConfig()
      expect(wx.called('request')[0].args.url).toBe('https://fy.example.gov.cn/api/v1/client-config')
    }
    global.wx = createFakeWx()
    wx.getAccountInfoSync = () => ({ miniProgram: { envVersion: 'develop' } })
    wx.on('GET', '/api/v1/client-config', ok({}))
    await createClient().clientConfig()
    expect(wx.called('request')[0].args.url).toBe(`${config.BASE_URL}/api/v1/client-config`)
  })

  test('a release build ignores DEV_LOGIN_CODE', async () => {
    wx.getAccountInfoSync = () => ({ miniProgram: { envVersion: 'release' } })
    wx.on('POST', '/api/v1/auth/wechat/login', (req) => ok({ access_token: 'A', refresh_token: 'R', code: req.data.code }))
    await createClient({ RELEASE_BASE_URL: 'https://fy.example.gov.cn', DEV_LOGIN_CODE: 'dev:x' }).login()
    expect(wx.called('login')).toHaveLength(1)
    expect(wx.requests[0].data.code).toMatch(/^wx-code-/)
  })

  test('npm run check:release refuses the shipped config and accepts an https origin', () => {
    expect(check(config)).toEqual(['RELEASE_BASE_URL is empty'])
    expect(check({ RELEASE_BASE_URL: config.BASE_URL })).toEqual(['RELEASE_BASE_URL must be https'])
    expect(check({ RELEASE_BASE_URL: 'https://fy.example.gov.cn', DEV_LOGIN_CODE: 'dev:a' })).toEqual(['DEV_LOGIN_CODE must be empty in a release'])
    expect(check({ RELEASE_BASE_URL: 'https://fy.example.gov.cn' })).toEqual([])
  })
})
