/**
 * The contract with the server, client side (issue 18). tests/contract/server.json is written by the
 * server's own code (`python -m tests.miniprogram_contract`; a pytest fails when it is stale):
 * every page a subscribe message opens exists here, every template is asked for at its moments, every
 * field the submit check can name has its place in the form, every citizen action has its button.
 */
const fs = require('fs')
const path = require('path')
const { renderPage, flush, text, ROOT } = require('../helpers/pages')
const { ok } = require('../helpers/fake-wx')
const { login, application } = require('../helpers/fixtures')

const contract = require('./server.json')
const appJson = require('../../app.json')
const TEMPLATES = { status: 'tmpl-status', document: 'tmpl-doc', letter: 'tmpl-letter' }

function clientConfig(over = {}) {
  return Object.assign({ subscribe_templates: TEMPLATES, subscribe_long_term: false,
                         subscribe_moments: contract.consent_moments }, over)
}

test('every page a message can open is a page of app.json', () => {
  expect(contract.message_pages.length).toBeGreaterThan(0)
  contract.message_pages.forEach((p) => expect(appJson.pages).toContain(p))
})

test('the contract names every template the server sends with, each asked for at some moment', () => {
  const asked = new Set([].concat(...Object.values(contract.consent_moments)))
  expect([...asked].sort()).toEqual([...contract.templates].sort())
  expect(contract.consent_moments.submit).toContain('letter')
})

async function consentAt(moment) {
  login(wx)
  wx.on('GET', '/api/v1/client-config', ok(clientConfig()))
  wx.on('GET', '/api/v1/me/consents', ok({ texts: {}, granted: {} }))
  if (moment === 'submit') {
    wx.on('POST', '/api/v1/applications', ok(application(), 201))
    wx.on('POST', '/api/v1/applications/12/submit', ok(application({ status: 'submitted' })))
    wx.on('PUT', '/api/v1/applications/12/eligibility', ok({}))
    const page = renderPage('apply')
    await page.instance.onLoad({})
    page.instance.onMatter({ detail: { value: 0 } })
    page.instance.setData({ 'scr.askIncome': false })
    await page.instance.submit()
  } else if (moment === 'objection') {
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'rejected', allowed_actions: ['object'] })))
    wx.on('POST', '/api/v1/applications/12/objections', ok({ id: 1, decide_by: '2026-12-08' }, 201))
    const page = renderPage('objection')
    await page.instance.onLoad({ id: '12' })
    await flush()
    page.instance.onReasons({ detail: { value: '家庭收入计算有误，请重新审查' } })
    await page.instance.submit()
  } else {
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'under_review', allowed_actions: ['withdraw', 'upload'] })))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await flush()
    expect(page.instance.data.can.notify).toBe(true)
    await page.instance.notifyMe()
  }
  await flush()
  const calls = wx.called('requestSubscribeMessage')
  expect(calls).toHaveLength(1)
  return calls[0].args.tmplIds
}

test.each(Object.keys(contract.consent_moments))('consent at "%s" asks for the server\'s templates of that moment', async (moment) => {
  const ids = await consentAt(moment)
  expect(ids).toEqual(contract.consent_moments[moment].map((k) => TEMPLATES[k]))
})

test('every template the server sends with is requested by the client somewhere', async () => {
  const asked = new Set()
  for (const moment of Object.keys(contract.consent_moments)) {
    global.wx = require('../helpers/fake-wx').createFakeWx()
    require('../../utils/subscribe')._reset()
    ;(await consentAt(moment)).forEach((id) => asked.add(id))
  }
  expect([...asked].sort()).toEqual(contract.templates.map((k) => TEMPLATES[k]).sort())
})

test('long-term templates: a template accepted once is not asked for again; one-time ones are', async () => {
  const subscribe = require('../../utils/subscribe')
  wx.on('GET', '/api/v1/client-config', ok(clientConfig({ subscribe_long_term: true })))
  await subscribe.loadConfig()
  await subscribe.consent('submit')
  await subscribe.consent('objection')
  let calls = wx.called('requestSubscribeMessage')
  expect(calls).toHaveLength(1) // the objection's templates were all accepted at submit
  global.wx = require('../helpers/fake-wx').createFakeWx()
  subscribe._reset()
  wx.on('GET', '/api/v1/client-config', ok(clientConfig({ subscribe_long_term: false })))
  await subscribe.loadConfig()
  await subscribe.consent('submit')
  await subscribe.consent('objection')
  calls = wx.called('requestSubscribeMessage')
  expect(calls).toHaveLength(2)
  expect(calls[1].args.tmplIds).toEqual(['tmpl-status', 'tmpl-letter'])
})

test('every field the server\'s submit check can name has its place in the form', () => {
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/apply/apply.wxml'), 'utf8')
  const placed = new Set()
  const re = /fieldErrors\.([a-z_]+)/g
  let m
  while ((m = re.exec(wxml))) placed.add(m[1])
  const missing = contract.submit_fields.filter((f) => !placed.has(f))
  expect(missing).toEqual([])
})

test('the server\'s field errors are shown at those fields (birth date, ethnicity, occupation)', async () => {
  login(wx)
  wx.on('GET', '/api/v1/client-config', ok(clientConfig()))
  wx.on('GET', '/api/v1/applications/12', ok(application()))
  wx.on('GET', '/api/v1/applications/12/eligibility', ok({ source: 'derived' }))
  wx.on('PATCH', '/api/v1/applications/12', {
    statusCode: 422,
    data: { code: 'validation_error', message: '提交的内容有误', details: { fields: {
      birth_date: ['出生日期与身份证号码不一致'], ethnicity: ['长度不能超过 32 个字'], occupation: ['长度不能超过 64 个字'] } } },
  })
  const page = renderPage('apply')
  await page.instance.onLoad({ id: '12' })
  page.instance.onInput({ currentTarget: { dataset: { field: 'ethnicity' } }, detail: { value: '汉' } })
  await page.instance.saveDraft()
  await flush()
  const t = text(page)
  ;['出生日期与身份证号码不一致', '长度不能超过 32 个字', '长度不能超过 64 个字'].forEach((m) => expect(t).toContain(m))
  // each message right after its own row's label (the row is there to hold it)
  expect(t.indexOf('出生日期与身份证号码不一致')).toBeGreaterThan(t.indexOf('出生日期'))
  expect(t.indexOf('长度不能超过 64 个字')).toBeGreaterThan(t.indexOf('职业'))
  expect(page.instance.data.fieldErrors).toMatchObject({ birth_date: '出生日期与身份证号码不一致' })
})

test('every action the server can allow the citizen has a button, shown only when allowed', async () => {
  const render = async (allowed) => {
    global.wx = require('../helpers/fake-wx').createFakeWx()
    login(wx)
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'rejected', allowed_actions: allowed })))
    wx.on('GET', '/api/v1/applications/12/objections', ok([]))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await flush()
    return page.instance.data.can
  }
  const all = await render(contract.citizen_actions)
  const keyOf = { edit: 'edit', submit: 'edit', withdraw: 'withdraw', upload: 'upload', rate: 'rate', object: 'object' }
  contract.citizen_actions.forEach((a) => {
    expect(keyOf[a]).toBeDefined() // a new server action needs its place on the status page
    expect(all[keyOf[a]]).toBe(true)
  })
  const none = await render([])
  Object.values(keyOf).forEach((k) => expect(none[k]).toBe(false))
})
