const { renderPage, flush, text } = require('../helpers/pages')
const { ok, err } = require('../helpers/fake-wx')
const { login, application } = require('../helpers/fixtures')

const input = (page, field, value) => page.instance.onInput({ currentTarget: { dataset: { field } }, detail: { value } })

function setup(routes = {}) {
  login(wx)
  wx.on('GET', '/api/v1/client-config', ok({ subscribe_templates: { status: 'tmpl-status', document: 'tmpl-doc' } }))
  Object.keys(routes).forEach((k) => {
    const [method, path] = k.split(' ')
    wx.on(method, path, routes[k])
  })
}

test('pickers fill category, service and hardship with the API values; the legal deadline shows its urgency', async () => {
  setup()
  const page = renderPage('apply')
  await page.instance.onLoad({})
  page.instance.onPick({ currentTarget: { dataset: { field: 'category', options: 'categories' } }, detail: { value: 2 } })
  page.instance.onService({ detail: { value: 0 } })
  page.instance.onPick({ currentTarget: { dataset: { field: 'hardship_category', options: 'hardships' } }, detail: { value: 0 } })
  const inTwoDays = new Date(Date.now() + 2 * 86400000 + 8 * 3600000).toISOString().slice(0, 10)
  page.instance.onDeadline({ detail: { value: inTwoDays } })
  await flush()
  const f = page.instance.data.form
  expect([f.category, f.service_type, f.hardship_category, f.legal_deadline]).toEqual(['农民工欠薪', 'representation', '低保', inTwoDays])
  expect(text(page)).toContain('将作为紧急案件优先处理')
  expect(text(page)).toContain('紧急情况说明') // the urgency field appears with a deadline
})

test('saving creates the draft once with an Idempotency-Key, then PATCHes it', async () => {
  let created = 0
  setup({
    'POST /api/v1/applications': (req) => { created += 1; return ok(application({ applicant_name: req.data.applicant_name }), 201) },
    'PATCH /api/v1/applications/12': (req) => ok(application(req.data)),
  })
  const page = renderPage('apply')
  await page.instance.onLoad({})
  input(page, 'applicant_name', ' 张三 ')
  input(page, 'description', '')
  await page.instance.saveDraft()
  input(page, 'phone', '13800138000')
  await page.instance.saveDraft()
  const [post, patch] = wx.requests.filter((r) => r.method !== 'GET')
  expect(created).toBe(1)
  expect(post.header['Idempotency-Key']).toMatch(/^mp-/)
  expect(post.data.applicant_name).toBe('张三')
  expect(post.data.description).toBeNull()
  expect(patch.method).toBe('PATCH')
  expect(patch.url).toMatch(/\/api\/v1\/applications\/12$/)
  expect(patch.data.phone).toBe('13800138000')
})

test('a create lost to the network is retried with the same key by the next tap', async () => {
  let n = 0
  setup({ 'POST /api/v1/applications': () => (++n <= 3 ? { fail: 'request:fail timeout' } : ok(application(), 201)) })
  const page = renderPage('apply')
  require('../../config').RETRY_DELAY_MS = 1 // the page's own module instance (after renderPage's reset)
  await page.instance.onLoad({})
  await page.instance.saveDraft() // three attempts, all lost
  await flush()
  expect(text(page)).toContain('网络连接失败，请检查网络后重试')
  await page.instance.saveDraft() // the citizen taps again
  const keys = wx.requests.filter((r) => r.method === 'POST').map((r) => r.header['Idempotency-Key'])
  expect(keys).toHaveLength(4)
  expect(new Set(keys).size).toBe(1)
  expect(page.instance.data.id).toBe(12)
})

test('submit needs the integrity commitment; nothing is sent without it', async () => {
  setup()
  const page = renderPage('apply')
  await page.instance.onLoad({ id: undefined })
  await page.instance.submit()
  await flush()
  expect(text(page)).toContain('提交前请作出个人诚信承诺')
  expect(wx.requests.filter((r) => r.method !== 'GET')).toHaveLength(0)
  expect(wx.called('requestSubscribeMessage')).toHaveLength(0)
})

test("submit: subscribe consent first, then save and submit; the server's field errors show at the fields and the input stays", async () => {
  setup({
    'GET /api/v1/applications/12': ok(application()),
    'PATCH /api/v1/applications/12': (req) => ok(application(req.data)),
    'POST /api/v1/applications/12/submit': err(422, 'incomplete_application', '申请信息不完整，请补充后再提交',
      { fields: { id_number: ['请填写身份证号码'], description: ['案情说明至少 10 个字'] } }),
  })
  wx.on('PUT', '/api/v1/applications/12/eligibility', ok({ result: 'likely_eligible', means_test: 'required' }))
  const page = renderPage('apply')
  await page.instance.onLoad({ id: '12' })
  input(page, 'description', '拖欠工资')
  page.instance.onMatter({ detail: { value: 4 } })
  page.instance.onCommit({ detail: { value: ['yes'] } })
  await page.instance.submit()
  await flush()
  const consent = wx.called('requestSubscribeMessage')
  expect(consent).toHaveLength(1)
  expect(consent[0].args.tmplIds).toEqual(['tmpl-status', 'tmpl-doc'])
  const order = wx.calls.filter((c) => c.name === 'requestSubscribeMessage' || (c.name === 'request' && c.args.method !== 'GET'))
    .map((c) => c.name === 'request' ? c.args.method : 'consent')
  expect(order).toEqual(['consent', 'PATCH', 'PUT', 'POST'])
  const t = text(page)
  expect(t).toContain('申请信息不完整，请补充后再提交')
  expect(t).toContain('请填写身份证号码')
  expect(t).toContain('案情说明至少 10 个字')
  expect(page.instance.data.form.description).toBe('拖欠工资') // what was typed is kept
  expect(wx.called('redirectTo')).toHaveLength(0)
  input(page, 'id_number', '1')
  expect(page.instance.data.fieldErrors.id_number).toBeUndefined() // correcting a field clears its message
})

test('submit success goes to the status page; the submit key is sent', async () => {
  setup({
    'GET /api/v1/applications/12': ok(application()),
    'PATCH /api/v1/applications/12': (req) => ok(application(req.data)),
    'POST /api/v1/applications/12/submit': ok(application({ status: 'submitted', status_label: '已提交' })),
    'PUT /api/v1/applications/12/eligibility': ok({ result: 'likely_eligible', means_test: 'exempt' }),
  })
  const page = renderPage('apply')
  await page.instance.onLoad({ id: '12' })
  page.instance.onMatter({ detail: { value: 4 } })
  page.instance.onGroups({ detail: { value: ['migrant_worker_pay_or_injury'] } }) // exempt: no commitment needed
  await page.instance.submit()
  const submit = wx.requests.find((r) => r.url.endsWith('/submit'))
  expect(submit.header['Idempotency-Key']).toBeTruthy()
  expect(wx.called('redirectTo')[0].args.url).toBe('/pages/status/status?id=12')
})

test('a submitted application opens on the status page, not the form', async () => {
  setup({ 'GET /api/v1/applications/12': ok(application({ status: 'submitted' })) })
  const page = renderPage('apply')
  await page.instance.onLoad({ id: '12' })
  expect(wx.called('redirectTo')[0].args.url).toBe('/pages/status/status?id=12')
})

test("the screen's answers and the server's current commitment are kept with the draft (PUT …/eligibility)", async () => {
  setup({
    'GET /api/v1/eligibility/rules': ok({
      matters: [{ key: 'maintenance', label: '请求给付赡养费、抚养费、扶养费' }, { key: 'province_extra', label: '本省增加的事项' }],
      situations: [], groups: [{ key: 'dependent_without_income', label: '无固定生活来源的老年人等' }],
      hardship_standard: '家庭成员人均月收入不高于 1200 元', integrity_commitment: { version: '2027-01', text: '本人承诺……（2027 版）' },
    }),
    'POST /api/v1/applications': ok(application(), 201),
    'PUT /api/v1/applications/12/eligibility': ok({ result: 'needs_review', means_test: 'required' }),
  })
  const page = renderPage('apply')
  await page.instance.onLoad({})
  await flush()
  expect(text(page)).toContain('本人承诺……（2027 版）')
  expect(text(page)).toContain('家庭成员人均月收入不高于 1200 元')
  page.instance.onMatter({ detail: { value: 1 } })
  page.instance.onScreenInput({ currentTarget: { dataset: { field: 'household_size' } }, detail: { value: '3' } })
  page.instance.onScreenInput({ currentTarget: { dataset: { field: 'monthly_income' } }, detail: { value: '2400.5' } })
  page.instance.onCommit({ detail: { value: ['yes'] } })
  await page.instance.saveDraft()
  const put = wx.requests.find((r) => r.method === 'PUT')
  expect(put.url).toMatch(/\/api\/v1\/applications\/12\/eligibility$/)
  expect(put.data).toEqual({ matter: 'province_extra', situations: [], groups: [], household_size: 3, monthly_income: 2400.5,
                             integrity_commitment: { version: '2027-01', accepted: true } })
})

test('reopening a draft restores the answers and the commitment kept by the server', async () => {
  setup({
    'GET /api/v1/applications/12': ok(application()),
    'GET /api/v1/applications/12/eligibility': ok({ source: 'citizen', result: 'needs_review', means_test: 'required',
      input: { matter: 'maintenance', situations: [], groups: [], household_size: 4, monthly_income: '3000' },
      integrity_commitment: { version: '2026-01', accepted_at: '2026-12-01T01:00:00+00:00' } }),
  })
  const page = renderPage('apply')
  await page.instance.onLoad({ id: '12' })
  const scr = page.instance.data.scr
  expect(scr.matters[scr.matterIndex].key).toBe('maintenance')
  expect(scr.household_size).toBe('4')
  expect(scr.monthly_income).toBe('3000')
  expect(page.instance.data.committed).toBe(true)
})

test('a commitment of an older version is asked again', async () => {
  setup({
    'GET /api/v1/applications/12': ok(application()),
    'GET /api/v1/applications/12/eligibility': ok({ source: 'citizen', input: { matter: 'maintenance' },
      integrity_commitment: { version: '2020-01', accepted_at: '2020-01-01T00:00:00+00:00' } }),
  })
  const page = renderPage('apply')
  await page.instance.onLoad({ id: '12' })
  expect(page.instance.data.committed).toBe(false)
})

test('the answers from the eligibility screen come along; a server refusal of the commitment shows at it', async () => {
  setup({
    'POST /api/v1/applications': ok(application(), 201),
    'PUT /api/v1/applications/12/eligibility': err(422, 'validation_error', '因经济困难申请的，需作出个人诚信承诺（法律援助法第四十一条）',
      { fields: { integrity_commitment: ['请阅读并同意个人诚信承诺'] } }),
  })
  wx.setStorageSync('eligibility.last', { input: { matter: 'maintenance', situations: [], groups: [], household_size: 2 },
                                          result: { result: 'needs_review', means_test: 'required' } })
  const page = renderPage('apply')
  await page.instance.onLoad({ from: 'eligibility' })
  expect(page.instance.data.scr.matters[page.instance.data.scr.matterIndex].key).toBe('maintenance')
  expect(page.instance.data.scr.household_size).toBe('2')
  await page.instance.saveDraft()
  await flush()
  expect(text(page)).toContain('需要法律援助机构进一步审查')
  expect(page.instance.data.fieldErrors.integrity_commitment).toBe('请阅读并同意个人诚信承诺')
  expect(text(page)).toContain('请阅读并同意个人诚信承诺')
})

test('an exempt applicant is not asked for income or the commitment', async () => {
  setup()
  const page = renderPage('apply')
  await page.instance.onLoad({})
  page.instance.onGroups({ detail: { value: ['assistance_or_special_care'] } })
  await flush()
  expect(text(page)).not.toContain('个人诚信承诺')
  expect(text(page)).not.toContain('家庭月收入合计')
})

test('submit without a matter is stopped at the field', async () => {
  setup()
  const page = renderPage('apply')
  await page.instance.onLoad({})
  page.instance.onCommit({ detail: { value: ['yes'] } })
  await page.instance.submit()
  await flush()
  expect(text(page)).toContain('请选择申请法律援助的事项')
  expect(wx.requests.filter((r) => r.method !== 'GET')).toHaveLength(0)
})

test('not logged in when saving: sent to login, and what was typed is still there afterwards', async () => {
  wx.on('GET', '/api/v1/client-config', ok({ subscribe_templates: {} }))
  wx.on('POST', '/api/v1/applications', ok(application(), 201))
  const page = renderPage('apply')
  await page.instance.onLoad({})
  input(page, 'applicant_name', '张三')
  page.instance.onMatter({ detail: { value: 3 } })
  await page.instance.saveDraft()
  expect(wx.called('navigateTo')[0].args.url).toBe('/pages/login/login')
  login(wx)
  page.triggerPageLifeTime('show')
  await flush()
  expect(page.instance.data.form.applicant_name).toBe('张三')
  expect(page.instance.data.scr.matterIndex).toBe(3)
  await page.instance.saveDraft()
  expect(wx.requests.find((r) => r.method === 'POST').data.applicant_name).toBe('张三')
})
