/**
 * Issue 18 item 3, the mini-program side: WeChat's privacy flow with the privacy API faked
 * (wx.onNeedPrivacyAuthorization, wx.requirePrivacyAuthorize, wx.openPrivacyContract), the readable
 * notice, the separate consents asked before sensitive data is collected, the data copy and deletion.
 */
const fs = require('fs')
const path = require('path')
const { renderPage, flush, text, ROOT } = require('../helpers/pages')
const { createFakeWx, ok } = require('../helpers/fake-wx')
const { login, application } = require('../helpers/fixtures')

const appJson = require('../../app.json')
const CONSENTS = [
  { kind: 'id_number', title: '公民身份号码', version: '2026-12', text: '公民身份号码属于敏感个人信息……', granted: false, granted_at: null },
  { kind: 'id_photos', title: '身份证照片', version: '2026-12', text: '身份证照片属于敏感个人信息……', granted: false, granted_at: null },
  { kind: 'household_photos', title: '户口簿照片', version: '2026-12', text: '户口簿照片……', granted: false, granted_at: null },
  { kind: 'income', title: '家庭收入与经济状况', version: '2026-12', text: '家庭收入……', granted: true, granted_at: '2026-12-01T02:00:00+00:00' },
]

/** The privacy API as WeChat gives it: the handler is kept so the test can play WeChat's part. */
function fakePrivacy(fake, { authorized = true } = {}) {
  const p = { handler: null, resolved: [], contracts: 0, required: 0 }
  fake.onNeedPrivacyAuthorization = (fn) => { p.handler = fn }
  fake.openPrivacyContract = (o) => { p.contracts += 1; o && o.success && o.success({}) }
  fake.requirePrivacyAuthorize = (o) => {
    p.required += 1
    if (authorized) o.success({})
    else o.fail({ errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized' })
  }
  p.need = () => p.handler((res) => p.resolved.push(res), { referrer: 'chooseMedia' })
  return p
}

/** Run app.js's onLaunch in the current module registry (the page's, after renderPage; fresh otherwise). */
function launchApp({ fresh = false } = {}) {
  if (fresh) jest.resetModules()
  global.App = (o) => o.onLaunch()
  require('../../app.js')
}

test('app.json turns the privacy check on; every page using a covered API carries the popup', () => {
  expect(appJson.__usePrivacyCheck__).toBe(true)
  const covered = /chooseMedia|getPhoneNumber|requirePrivacyAuthorize|setClipboardData/
  appJson.pages.forEach((route) => {
    const src = fs.readFileSync(path.join(ROOT, `${route}.js`), 'utf8') + fs.readFileSync(path.join(ROOT, `${route}.wxml`), 'utf8')
    if (!covered.test(src) || route === 'pages/account/account') return
    const json = require(path.join(ROOT, `${route}.json`))
    expect([route, json.usingComponents['privacy-popup']]).toEqual([route, '/components/privacy-popup/privacy-popup'])
    expect(fs.readFileSync(path.join(ROOT, `${route}.wxml`), 'utf8')).toContain('<privacy-popup/>')
  })
  const popup = fs.readFileSync(path.join(ROOT, 'components/privacy-popup/privacy-popup.wxml'), 'utf8')
  expect(popup).toMatch(/open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/)
  expect(popup).toContain('id="privacy-agree"')
})

test('WeChat asks: the page on top shows the popup; agreeing resolves with the agree button, refusing with disagree', async () => {
  const p = fakePrivacy(wx)
  login(wx)
  wx.on('GET', '/api/v1/applications/12/documents', ok([]))
  const page = renderPage('photos')
  launchApp()
  await page.instance.onLoad({ id: '12' })
  p.need()
  await flush()
  expect(text(page)).toContain('隐私保护提示')
  expect(text(page)).toContain('《12348 法律援助小程序隐私保护指引》')
  const popup = require('../../utils/privacy')._popups[0] // the page's <privacy-popup/> component
  expect(popup.data.visible).toBe(true)
  popup.openContract()
  expect(p.contracts).toBe(1)
  popup.onAgree()
  await flush()
  expect(p.resolved).toEqual([{ buttonId: 'privacy-agree', event: 'agree' }])
  expect(text(page)).not.toContain('隐私保护提示')
  p.need()
  popup.onDisagree()
  expect(p.resolved[1]).toEqual({ event: 'disagree' })
})

test('no page able to ask: WeChat gets "disagree" at once and the citizen a hint', () => {
  const p = fakePrivacy(wx)
  launchApp({ fresh: true })
  p.need()
  expect(p.resolved).toEqual([{ event: 'disagree' }])
  expect(wx.called('showToast')[0].args.title).toContain('隐私保护指引')
})

test('login asks for the privacy guide first; refused, no login is sent', async () => {
  const p = fakePrivacy(wx, { authorized: false })
  const page = renderPage('login')
  page.instance.onLoad({})
  page.instance.onAgree({ detail: { value: ['yes'] } })
  await page.instance.login()
  await flush()
  expect(p.required).toBe(1)
  expect(wx.called('login')).toHaveLength(0)
  expect(text(page)).toContain('需要同意《小程序隐私保护指引》后才能登录使用')
  page.instance.openContract()
  expect(p.contracts).toBe(1)
  page.instance.openNotice()
  expect(wx.called('navigateTo')[0].args.url).toBe('/pages/privacy/privacy')
})

test('login goes on once the guide is agreed', async () => {
  const p = fakePrivacy(wx, { authorized: true })
  wx.on('POST', '/api/v1/auth/wechat/login', ok({ access_token: 'A', refresh_token: 'R' }))
  const page = renderPage('login')
  page.instance.onLoad({})
  page.instance.onAgree({ detail: { value: ['yes'] } })
  const res = await page.instance.login()
  expect(p.required).toBe(1)
  expect(res.access_token).toBe('A')
})

test('the readable notice lists what is collected, why and for how long', async () => {
  const notice = require('../../utils/privacy-notice')
  const page = renderPage('privacy')
  await flush()
  const t = text(page)
  notice.items.forEach((item) => {
    expect(t).toContain(item.name)
    expect(t).toContain(item.why)
  })
  ;['公民身份号码', '身份证照片', '户口簿照片', '家庭收入与经济状况'].forEach((n) => expect(t).toContain(n))
  expect(t).toContain('注销账号')
})

describe('separate consent before sensitive data is collected', () => {
  function routes(granted = {}) {
    login(wx)
    wx.on('GET', '/api/v1/client-config', ok({ subscribe_templates: {} }))
    wx.on('GET', '/api/v1/me/consents', () => ok({ items: CONSENTS.map((c) => Object.assign({}, c, granted[c.kind] ? { granted: true } : {})) }))
    const grants = []
    wx.on('POST', '/api/v1/me/consents', (req) => { grants.push(req.data); return ok(Object.assign({}, CONSENTS.find((c) => c.kind === req.data.kind), { granted: true })) })
    return grants
  }

  test('the ID number: the text is shown when the field is entered; agreeing records it with its version', async () => {
    const grants = routes()
    const page = renderPage('apply')
    await page.instance.onLoad({})
    const ok1 = await page.instance.onSensitiveFocus({ currentTarget: { dataset: { field: 'id_number' } } })
    expect(ok1).toBe(true)
    const modal = wx.called('showModal')[0].args
    expect(modal.title).toBe('同意收集公民身份号码')
    expect(modal.content).toContain('敏感个人信息')
    expect(grants).toEqual([{ kind: 'id_number', version: '2026-12' }])
    await page.instance.onSensitiveFocus({ currentTarget: { dataset: { field: 'id_number' } } })
    expect(wx.called('showModal')).toHaveLength(1) // asked once
    // income was given before: not asked again
    await page.instance.onSensitiveFocus({ currentTarget: { dataset: { field: 'hardship_statement' } } })
    expect(wx.called('showModal')).toHaveLength(1)
  })

  test('declined: the field is emptied, the message stays at it, and a save does not send it', async () => {
    global.wx = createFakeWx({ modalConfirm: false })
    const grants = routes()
    const posts = []
    wx.on('POST', '/api/v1/applications', (req) => { posts.push(req.data); return ok(application(), 201) })
    const page = renderPage('apply')
    await page.instance.onLoad({})
    page.instance.onInput({ currentTarget: { dataset: { field: 'id_number' } }, detail: { value: '420106199001011234' } })
    await page.instance.onSensitiveFocus({ currentTarget: { dataset: { field: 'id_number' } } })
    await flush()
    expect(page.instance.data.form.id_number).toBe('')
    expect(page.instance.data.fieldErrors.id_number).toContain('未同意收集')
    expect(grants).toEqual([])
    page.instance.onInput({ currentTarget: { dataset: { field: 'id_number' } }, detail: { value: '420106199001011234' } })
    await page.instance.saveDraft() // typed again without agreeing: asked again, declined, nothing sent
    await flush()
    expect(posts).toEqual([])
    expect(page.instance.data.fieldErrors.id_number).toContain('未同意收集')
  })

  test('ID-card photos: consent before the camera opens; declined, no photo is taken', async () => {
    global.wx = createFakeWx({ modalConfirm: false })
    routes()
    wx.on('GET', '/api/v1/applications/12/documents', ok([]))
    const page = renderPage('photos')
    await page.instance.onLoad({ id: '12' })
    await page.instance.shoot({ currentTarget: { dataset: { kind: 'id_front' } } })
    await flush()
    expect(wx.called('showModal')[0].args.title).toBe('同意收集身份证照片')
    expect(wx.called('chooseMedia')).toHaveLength(0)
    expect(text(page)).toContain('未同意收集该类敏感个人信息')
    // a photo of another kind ("judgment") needs no separate consent
    wx.on('POST', '/api/v1/documents', ok({ id: 3, kind: 'judgment', status: 'uploaded', warnings: [] }, 201))
    await page.instance.shoot({ currentTarget: { dataset: { kind: 'judgment' } } })
    expect(wx.called('chooseMedia')).toHaveLength(1)
  })

  test('agreed: the consent is recorded, then the camera opens', async () => {
    const grants = routes()
    wx.on('GET', '/api/v1/applications/12/documents', ok([]))
    wx.on('POST', '/api/v1/documents', ok({ id: 3, kind: 'hukou_home', status: 'uploaded', warnings: [] }, 201))
    const page = renderPage('photos')
    await page.instance.onLoad({ id: '12' })
    await page.instance.shoot({ currentTarget: { dataset: { kind: 'hukou_home' } } })
    expect(grants).toEqual([{ kind: 'household_photos', version: '2026-12' }])
    expect(wx.called('chooseMedia')).toHaveLength(1)
  })
})

describe('my data and privacy', () => {
  function routes() {
    login(wx)
    wx.on('GET', '/api/v1/me/consents', ok({ items: CONSENTS }))
    const sent = []
    wx.on('DELETE', '/api/v1/me/consents/income', (req) => { sent.push(['DELETE', req.url]); return ok(Object.assign({}, CONSENTS[3], { granted: false })) })
    wx.on('GET', '/api/v1/me/data', ok({ exported_at: 'x', account: {}, consents: [{}], applications: [{}, {}], documents: [{}], ratings: [], objections: [] }))
    wx.on('POST', '/api/v1/me/deletion', (req) => { sent.push(['POST', req.data]); return ok({ drafts_deleted: 1, photos_deleted: 2, case_files_kept: 1 }) })
    wx.setClipboardData = (o) => { sent.push(['clipboard', JSON.parse(o.data).applications.length]) }
    return sent
  }

  test('consents listed and withdrawn; a copy of the data; deletion only after confirmation', async () => {
    const sent = routes()
    const page = renderPage('account')
    await page.instance.onLoad()
    await flush()
    const t = text(page)
    expect(t).toContain('公民身份号码')
    expect(t).toContain('已同意')
    await page.instance.withdraw({ currentTarget: { dataset: { kind: 'income' } } })
    await page.instance.dataCopy()
    await flush()
    expect(text(page)).toContain('已复制：申请 2 份、材料 1 份')
    await page.instance.deleteAccount()
    await flush()
    expect(wx.called('showModal')[0].args.content).toContain('不可恢复')
    expect(sent).toEqual([['DELETE', expect.stringMatching(/\/api\/v1\/me\/consents\/income$/)], ['clipboard', 2],
                          ['POST', { confirm: true }]])
    expect(text(page)).toContain('账号已注销')
    expect(wx.getStorageSync(require('../../utils/api').TOKEN_KEY)).toBe('')
  })

  test('deletion cancelled: nothing is sent', async () => {
    global.wx = createFakeWx({ modalConfirm: false })
    const sent = routes()
    const page = renderPage('account')
    await page.instance.onLoad()
    expect(await page.instance.deleteAccount()).toBeNull()
    expect(sent).toEqual([])
  })
})
