const { renderPage, renderComponent, flush, text } = require('../helpers/pages')
const { createFakeWx, ok, err } = require('../helpers/fake-wx')
const { login, application } = require('../helpers/fixtures')

const future = (days) => new Date(Date.now() + days * 86400000 + 8 * 3600000).toISOString().slice(0, 10)

describe('status', () => {
  const assigned = application({
    status: 'assigned', status_label: '已指派律师', is_urgent: true, legal_deadline: future(1),
    allowed_actions: ['upload', 'rate'],
    assigned_lawyer: { id: 4, name: '李律师', phone: '13900139000' },
    deadlines: { review_due: null, supplement_due: null, assign_due: future(3), objection_due: null },
    backfill: { required: [{ kind: 'hukou_home', label: '户口本首页' }], missing: [{ kind: 'hukou_home', label: '户口本首页' }],
                due_at: '2026-12-05T09:00:00+00:00', complete: false, overdue: false },
    letters: [{ kind: 'grant', number: '武法援决字〔2026〕第0012号', issued_at: '2026-12-01T03:00:00+00:00',
                url: '/files/letters/abc.pdf?expires=1&signature=s' }],
    timeline: [
      { id: 1, action: 'submit', action_label: '提交申请', actor_name: '申请人', note: null, created_at: '2026-12-01T01:00:00+00:00' },
      { id: 2, action: 'assign', action_label: '指派律师', actor_name: '王主任', note: '指派李律师', created_at: '2026-12-01T01:40:00+00:00' },
    ],
  })

  test('timeline (newest first), deadlines, backfill owed, letters, lawyer; rating offered', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12', ok(assigned))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await flush()
    const t = text(page)
    expect(t).toContain('已指派律师')
    expect(t).toContain('紧急')
    expect(t.indexOf('指派律师')).toBeLessThan(t.indexOf('提交申请'))
    expect(t).toContain('指派李律师')
    expect(t).toContain('指派律师期限')
    expect(t).toContain('需要补交的材料')
    expect(t).toContain('户口本首页')
    expect(t).toContain('给予法律援助决定书')
    expect(t).toContain('武法援决字〔2026〕第0012号')
    expect(t).toContain('承办律师：李律师')
    expect(page.instance.data.can).toMatchObject({ rate: true, object: false, withdraw: false, edit: false, upload: true })
    page.instance.toRating()
    expect(wx.called('navigateTo')[0].args.url).toBe('/pages/rating/rating?id=12')
  })

  test('a letter opens with wx.downloadFile + wx.openDocument; an expired link is fetched afresh once', async () => {
    login(wx)
    let gets = 0
    wx.on('GET', '/api/v1/applications/12', () => { gets += 1; return ok(assigned) })
    let downloads = 0
    wx.on('GET', /^\/files\//, () => (++downloads === 1 ? { statusCode: 403 } : { statusCode: 200, tempFilePath: 'wxfile://l.pdf' }))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await page.instance.openLetter({ currentTarget: { dataset: { index: 0 } } })
    expect(gets).toBe(2)
    expect(wx.called('downloadFile')[0].args.url).toMatch(/^http:\/\/127\.0\.0\.1:5000\/files\/letters\/abc\.pdf/)
    expect(wx.called('openDocument')[0].args).toMatchObject({ filePath: 'wxfile://l.pdf', fileType: 'pdf' })
  })

  test('a refusal offers the objection until its last day', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'rejected', status_label: '不予法律援助',
      decision_reason: '不属于法律援助事项范围', deadlines: { objection_due: future(20) }, allowed_actions: ['object'] })))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await flush()
    expect(page.instance.data.can.object).toBe(true)
    expect(text(page)).toContain('决定理由：不属于法律援助事项范围')
    expect(text(page)).toContain('提出异议截止日')

    global.wx = createFakeWx()
    login(wx)
    wx.on('GET', '/api/v1/applications/12/objections', ok([]))
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'rejected', deadlines: { objection_due: null }, allowed_actions: [] })))
    const late = renderPage('status')
    await late.instance.onLoad({ id: '12' })
    expect(late.instance.data.can.object).toBe(false)
  })

  test('an open objection is shown with its decide-by date, and no second one is offered', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'rejected', status_label: '不予法律援助',
      deadlines: { objection_due: future(20) } })))
    wx.on('GET', '/api/v1/applications/12/objections', ok([{ id: 3, status: 'open', status_label: '待审查',
      against_label: '不予法律援助决定', received_at: '2026-12-01T02:00:00+00:00', decide_by: '2026-12-08' }]))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await flush()
    expect(text(page)).toContain('对不予法律援助决定的异议：待审查')
    expect(text(page)).toContain('2026年12月8日 前作出决定')
    expect(page.instance.data.can.object).toBe(false)
  })

  test('withdraw asks first, then posts with a key and refreshes', async () => {
    login(wx)
    let status = 'submitted'
    wx.on('GET', '/api/v1/applications/12', () => ok(application({ status, status_label: status === 'withdrawn' ? '已撤回' : '已提交',
      allowed_actions: status === 'withdrawn' ? [] : ['withdraw', 'upload'] })))
    wx.on('POST', '/api/v1/applications/12/withdraw', () => { status = 'withdrawn'; return ok(application({ status })) })
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await page.instance.withdraw()
    await flush()
    const post = wx.requests.find((r) => r.method === 'POST')
    expect(post.header['Idempotency-Key']).toBeTruthy()
    expect(wx.called('showModal')).toHaveLength(1)
    expect(text(page)).toContain('已撤回')
  })

  test('not logged in: sent to login, and the page loads once the citizen is back', async () => {
    let gets = 0
    wx.on('GET', '/api/v1/applications/12', () => { gets += 1; return ok(application({ status: 'submitted', status_label: '已提交' })) })
    global.getCurrentPages = () => [{ route: 'pages/status/status', options: { id: '12' } }]
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    expect(wx.called('navigateTo')[0].args.url).toBe('/pages/login/login')
    expect(gets).toBe(0)
    login(wx) // the login page stored the tokens
    page.triggerPageLifeTime('show')
    await flush()
    expect(gets).toBe(1)
    expect(text(page)).toContain('已提交')
    global.getCurrentPages = () => [{ route: 'pages/index/index' }]
  })

  test("another citizen's application: the server's 404 message, nothing else", async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/99', err(404, 'not_found', '未找到该申请'))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '99' })
    await flush()
    expect(text(page)).toContain('未找到该申请')
    expect(page.instance.data.app).toBeNull()
  })
})

describe('my applications', () => {
  test('lists with status and pages on', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications', (req) => (/page=1\b/.test(req.url)
      ? ok({ items: [application({ id: 1, status_label: '审查中' })], page: 1, page_size: 1, total: 2 })
      : ok({ items: [application({ id: 2, status_label: '草稿' })], page: 2, page_size: 1, total: 2 })))
    const page = renderPage('mine')
    await page.instance.onLoad()
    expect(page.instance.data.hasMore).toBe(true)
    await page.instance.more()
    await flush()
    expect(page.instance.data.items.map((a) => a.id)).toEqual([1, 2])
    expect(page.instance.data.hasMore).toBe(false)
    expect(text(page)).toContain('审查中')
    page.instance.open({ currentTarget: { dataset: { id: 2 } } })
    expect(wx.called('navigateTo')[0].args.url).toBe('/pages/status/status?id=2')
  })
})

describe('rating', () => {
  test('stars are required; the body has stars, dimensions and comment; a bad rating promises a callback', async () => {
    login(wx)
    wx.on('POST', '/api/v1/applications/12/rating', (req) => ok(Object.assign({ id: 1, callback_opened: req.data.stars <= 2 }, req.data), 201))
    wx.on('GET', '/api/v1/applications/12/rating', ok([]))
    const page = renderPage('rating')
    await page.instance.onLoad({ id: '12' })
    await page.instance.submit()
    await flush()
    expect(text(page)).toContain('请选择星级')
    expect(wx.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    page.instance.onStars({ currentTarget: { dataset: { field: 'stars' } }, detail: { value: 2 } })
    page.instance.onStars({ currentTarget: { dataset: { field: 'attitude' } }, detail: { value: 1 } })
    page.instance.onComment({ detail: { value: ' 律师一直联系不上 ' } })
    await page.instance.submit()
    await flush()
    const post = wx.requests.find((r) => r.method === 'POST')
    expect(post.data).toEqual({ stars: 2, attitude: 1, comment: '律师一直联系不上' })
    expect(post.header['Idempotency-Key']).toBeTruthy()
    expect(text(page)).toContain('工作人员会尽快回访您')
  })

  test('an earlier rating is shown', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12/rating', ok([{ id: 1, stars: 2, comment: '没人联系我', round: 0 }]))
    const page = renderPage('rating')
    await page.instance.onLoad({ id: '12' })
    await flush()
    expect(text(page)).toContain('您已评价过：2 星，“没人联系我”')
  })

  test('the server refusing (not yet assigned) is shown', async () => {
    login(wx)
    wx.on('POST', '/api/v1/applications/12/rating', err(409, 'invalid_transition', '指派律师后才能评价'))
    const page = renderPage('rating')
    page.instance.onLoad({ id: '12' })
    page.instance.onStars({ currentTarget: { dataset: { field: 'stars' } }, detail: { value: 5 } })
    await page.instance.submit()
    await flush()
    expect(text(page)).toContain('指派律师后才能评价')
  })
})

describe('objection', () => {
  test('reasons required; posted with a key after subscribe consent; the bureau\'s decide-by date shown', async () => {
    login(wx)
    wx.on('GET', '/api/v1/client-config', ok({ subscribe_templates: { status: 't1' } }))
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'rejected', status_label: '不予法律援助',
      decision_reason: '经济状况不符合', deadlines: { objection_due: '2026-12-31' } })))
    wx.on('POST', '/api/v1/applications/12/objections', (req) => ok({ id: 3, status: 'open', decide_by: '2026-12-08', reasons: req.data.reasons }, 201))
    const page = renderPage('objection')
    await page.instance.onLoad({ id: '12' })
    await flush()
    expect(text(page)).toContain('不予法律援助：经济状况不符合')
    expect(text(page)).toContain('2026年12月31日')
    // Art. 49 word for word: 五日, never 五个工作日; and the route onwards (¶3)
    expect(text(page)).toContain('应当自收到异议之日起五日内进行审查')
    expect(text(page)).not.toContain('工作日')
    expect(text(page)).toContain('可以依法申请行政复议或者提起行政诉讼')
    page.instance.onReasons({ detail: { value: '太短' } })
    await page.instance.submit()
    expect(wx.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    page.instance.onReasons({ detail: { value: '我家是低保户，已提交低保证明，请重新审查。' } })
    await page.instance.submit()
    await flush()
    const post = wx.requests.find((r) => r.method === 'POST')
    expect(post.data).toEqual({ reasons: '我家是低保户，已提交低保证明，请重新审查。', document_ids: [] })
    expect(post.header['Idempotency-Key']).toBeTruthy()
    expect(wx.called('requestSubscribeMessage')).toHaveLength(1)
    expect(text(page)).toContain('2026年12月8日')
  })
})

test('objection photos are uploaded as kind "other" and their ids sent with the reasons', async () => {
  global.wx = createFakeWx({ chosenFile: 'wxfile://tmp/proof.jpg' })
  login(wx)
  wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'rejected' })))
  wx.on('POST', '/api/v1/documents', ok({ id: 77, kind: 'other', status: 'uploaded' }, 201))
  wx.on('POST', '/api/v1/applications/12/objections', (req) => ok({ id: 3, decide_by: '2026-12-08' }, 201))
  const page = renderPage('objection')
  await page.instance.onLoad({ id: '12' })
  await page.instance.addPhotos()
  await flush()
  expect(text(page)).toContain('照片 1：已上传')
  const up = wx.called('uploadFile')[0].args
  expect(up.formData).toEqual({ kind: 'other', application_id: '12' })
  page.instance.onReasons({ detail: { value: '我家是低保户，已提交低保证明，请重新审查。' } })
  await page.instance.submit()
  const post = wx.requests.find((r) => r.url.endsWith('/objections'))
  expect(post.data.document_ids).toEqual([77])
})

describe('phone binding', () => {
  test('open-type getPhoneNumber: the code goes to POST /api/v1/me/phone', async () => {
    login(wx)
    wx.on('GET', '/api/v1/me', ok({ id: 1, phone_bound: false, phone_masked: null }))
    wx.on('POST', '/api/v1/me/phone', (req) => ok({ id: 1, phone_bound: true, phone_masked: '138****8000' }))
    const page = renderPage('phone')
    await page.instance.onLoad()
    await page.instance.onPhone({ detail: { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' } })
    await flush()
    const post = wx.requests.find((r) => r.method === 'POST')
    expect(post.data).toEqual({ code: 'phone-code-1' })
    expect(post.header['Idempotency-Key']).toBeTruthy()
    expect(text(page)).toContain('已绑定手机号：138****8000')
  })

  test('declined: nothing sent, told in Chinese', async () => {
    login(wx)
    wx.on('GET', '/api/v1/me', ok({ id: 1, phone_bound: false }))
    const page = renderPage('phone')
    await page.instance.onLoad()
    await page.instance.onPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
    await flush()
    expect(wx.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    expect(text(page)).toContain('您已取消授权')
  })
})

describe('components', () => {
  test('star-rating: tapping a star emits change and lights the stars up to it', async () => {
    const comp = renderComponent('components/star-rating/star-rating', { label: '服务态度', value: 0 })
    const seen = []
    comp.addEventListener('change', (e) => seen.push(e.detail.value))
    comp.instance.pick({ currentTarget: { dataset: { value: 4 } } })
    await flush()
    expect(seen).toEqual([4])
    expect(comp.instance.data.stars.map((s) => s.on)).toEqual([true, true, true, true, false])
    expect(text(comp)).toContain('满意')
  })

  test('form-field: shows the error instead of the hint', async () => {
    const comp = renderComponent('components/form-field/form-field', { label: '姓名', hint: '与身份证一致', required: true })
    expect(text(comp)).toContain('与身份证一致')
    comp.setData({ error: '请填写申请人姓名' })
    await flush()
    expect(text(comp)).toContain('请填写申请人姓名')
    expect(text(comp)).not.toContain('与身份证一致')
  })
})

describe('status: the counting rule and delivery (issue 17)', () => {
  test('the rule the server counts by; the days left while a notice pauses the review; opening a letter records it', async () => {
    global.wx = createFakeWx()
    login(wx)
    const paused = application({
      status: 'submitted', status_label: '已提交',
      deadlines: { review_due: null, review_days_left: 5, supplement_due: future(10), assign_due: null,
                   objection_due: null, rule: 'calendar' },
      letters: [{ id: 7, kind: 'supplement_notice', number: '武法援补字〔2026〕第0003号', issued_at: '2026-12-01T03:00:00+00:00',
                  url: '/files/letters/n.pdf?expires=1&signature=s', delivered_at: null }],
    })
    wx.on('GET', '/api/v1/applications/12', ok(paused))
    let opened = 0
    wx.on('POST', '/api/v1/applications/12/letters/7/opened', () => { opened += 1; return ok({ letter_id: 7 }) })
    wx.on('GET', /^\/files\//, () => ({ statusCode: 200, tempFilePath: 'wxfile://n.pdf' }))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await flush()
    const t = text(page)
    expect(t).toContain('民法典第二百零一条、第二百零三条')
    expect(t).not.toContain('按工作日计算')
    expect(t).toContain('尚余 5 日')
    await page.instance.openLetter({ currentTarget: { dataset: { index: 0 } } })
    await flush()
    expect(opened).toBe(1)
  })

  test('workdays when the province counts so', async () => {
    global.wx = createFakeWx()
    login(wx)
    wx.on('GET', '/api/v1/applications/12', ok(application({ status: 'submitted', status_label: '已提交',
      deadlines: { review_due: future(7), review_days_left: 7, supplement_due: null, assign_due: null, objection_due: null,
                   rule: 'workdays' } })))
    const page = renderPage('status')
    await page.instance.onLoad({ id: '12' })
    await flush()
    expect(text(page)).toContain('期限按工作日计算')
  })
})
