const { renderPage, flush, text } = require('../helpers/pages')
const { createFakeWx, ok, err } = require('../helpers/fake-wx')
const { TOKEN_KEY } = require('../../utils/api')

describe('home', () => {
  test('calls 12348 with wx.makePhoneCall', () => {
    const page = renderPage('index')
    page.instance.callHotline()
    expect(wx.called('makePhoneCall')[0].args.phoneNumber).toBe('12348')
  })

  test('large-text mode is kept in storage and changes the page class', async () => {
    const page = renderPage('index')
    expect(page.dom.firstChild.className).not.toMatch(/\blg\b|--lg/)
    page.instance.toggleLarge({ detail: { value: true } })
    await flush()
    expect(wx.getStorageSync('prefs.largeText')).toBe(true)
    expect(page.dom.firstChild.className).toMatch(/--lg/)
    const other = renderPage('status') // every page reads the same switch
    expect(other.instance.data.large).toBe(true)
  })

  test('links to the eligibility screen, the form, my applications and phone binding', () => {
    const page = renderPage('index')
    page.instance.goEligibility()
    page.instance.goApply()
    page.instance.goMine()
    page.instance.goPhone()
    expect(wx.called('navigateTo').map((c) => c.args.url)).toEqual([
      '/pages/eligibility/eligibility', '/pages/apply/apply', '/pages/mine/mine', '/pages/phone/phone'])
  })
})

describe('login', () => {
  test('refuses without consent to the privacy notice, and sends nothing', async () => {
    const page = renderPage('login')
    await page.instance.login()
    await flush()
    expect(text(page)).toContain('请先阅读并同意个人信息保护说明')
    expect(wx.requests).toHaveLength(0)
  })

  test('wx.login → API → tokens stored → back to where the citizen was', async () => {
    global.wx = createFakeWx({ loginCode: 'the-code' })
    global.getCurrentPages = () => [{ route: 'pages/apply/apply' }, { route: 'pages/login/login' }]
    wx.on('POST', '/api/v1/auth/wechat/login', ok({ access_token: 'A', refresh_token: 'R', user: { id: 3 } }))
    const page = renderPage('login')
    page.instance.onLoad({})
    page.instance.onAgree({ detail: { value: ['yes'] } })
    await page.instance.login()
    expect(wx.requests[0].data).toEqual({ code: 'the-code' })
    expect(wx.getStorageSync(TOKEN_KEY).access_token).toBe('A')
    expect(wx.called('navigateBack')).toHaveLength(1)
    global.getCurrentPages = () => [{ route: 'pages/index/index' }]
  })

  test('a WeChat error is shown in Chinese', async () => {
    wx.on('POST', '/api/v1/auth/wechat/login', err(503, 'wechat_unavailable', '微信服务繁忙，请稍后再试'))
    const page = renderPage('login')
    page.instance.onAgree({ detail: { value: ['yes'] } })
    await page.instance.login()
    await flush()
    expect(text(page)).toContain('微信服务繁忙，请稍后再试')
    expect(wx.getStorageSync(TOKEN_KEY)).toBe('')
  })
})

describe('eligibility screen', () => {
  const answer = {
    result: 'likely_eligible', means_test: 'exempt',
    basis: [{ article: '第三十一条第（五）项', text: '请求确认劳动关系或者支付劳动报酬' },
            { article: '第四十二条第（三）项', text: '申请支付劳动报酬的进城务工人员' }],
    documents: ['身份证', '劳动合同或工资条'],
  }

  test('asks for the matter before sending anything', async () => {
    const page = renderPage('eligibility')
    await page.instance.check()
    await flush()
    expect(page.instance.data.fieldErrors.matter).toBe('请选择事项')
    expect(text(page)).toContain('请选择事项')
    expect(wx.requests).toHaveLength(0)
  })

  test('sends the spec shape without login and shows the result with its basis and documents', async () => {
    wx.on('POST', '/api/v1/eligibility', ok(answer))
    const page = renderPage('eligibility')
    const matters = page.instance.data.matters
    page.instance.onMatter({ detail: { value: matters.findIndex((m) => m.key === 'labour_relation_or_pay') } })
    page.instance.onGroups({ detail: { value: ['migrant_worker_pay_or_injury'] } })
    expect(page.instance.data.askIncome).toBe(false) // exempt group: no income question
    await page.instance.check()
    await flush()
    const req = wx.requests[0]
    expect(req.data).toEqual({ matter: 'labour_relation_or_pay', situations: [], groups: ['migrant_worker_pay_or_injury'] })
    expect(req.header.Authorization).toBeUndefined()
    const t = text(page)
    expect(t).toContain('初步符合法律援助条件')
    expect(t).toContain('免予核查经济困难状况')
    expect(t).toContain('第三十一条第（五）项')
    expect(t).toContain('劳动合同或工资条')
    expect(wx.getStorageSync('eligibility.last').input.matter).toBe('labour_relation_or_pay')
  })

  test('household size and income are sent when no exemption applies; bad numbers are caught', async () => {
    wx.on('POST', '/api/v1/eligibility', ok(Object.assign({}, answer, { result: 'needs_review', means_test: 'required' })))
    const page = renderPage('eligibility')
    page.instance.onMatter({ detail: { value: 3 } })
    page.instance.onInput({ currentTarget: { dataset: { field: 'household_size' } }, detail: { value: '0' } })
    await page.instance.check()
    expect(page.instance.data.fieldErrors.household_size).toBeTruthy()
    expect(wx.requests).toHaveLength(0)
    page.instance.onInput({ currentTarget: { dataset: { field: 'household_size' } }, detail: { value: '3' } })
    page.instance.onInput({ currentTarget: { dataset: { field: 'monthly_income' } }, detail: { value: '2400' } })
    await page.instance.check()
    await flush()
    expect(wx.requests[0].data).toMatchObject({ matter: 'maintenance', household_size: 3, monthly_income: 2400 })
    expect(text(page)).toContain('需要说明家庭经济状况并签署个人诚信承诺')
  })

  test('a personal injury asks which accident; a retrial petition asks whether a retrial was decided (issue 17)', async () => {
    wx.on('POST', '/api/v1/eligibility', ok(Object.assign({}, answer, { result: 'needs_review', means_test: 'required' })))
    const page = renderPage('eligibility')
    const matters = page.instance.data.matters
    expect(text(page)).not.toContain('是哪一类事故')
    page.instance.onMatter({ detail: { value: matters.findIndex((m) => m.key === 'personal_injury') } })
    await flush()
    expect(text(page)).toContain('是哪一类事故')
    page.instance.onInjury({ detail: { value: page.instance.data.injuries.findIndex((i) => i.key === 'traffic') } })
    page.instance.onGroups({ detail: { value: ['migrant_worker_pay_or_injury'] } })
    await page.instance.check()
    expect(wx.requests[0].data).toMatchObject({ matter: 'personal_injury', injury: 'traffic' })
    page.instance.onMatter({ detail: { value: matters.findIndex((m) => m.key === 'retrial_petition') } })
    await flush()
    expect(text(page)).toContain('人民检察院是否已提出抗诉')
    page.instance.onRetrial({ detail: { value: page.instance.data.retrials.findIndex((r) => r.key === 'court_decided') } })
    await page.instance.check()
    expect(wx.requests[1].data).toMatchObject({ matter: 'retrial_petition', retrial: 'court_decided' })
    expect(wx.requests[1].data.injury).toBeUndefined()
  })

  test("the server's field error is shown at the field", async () => {
    wx.on('POST', '/api/v1/eligibility', err(422, 'validation_error', '提交的内容有误，请检查后重试',
      { fields: { matter: ['未知的申请事项'] } }))
    const page = renderPage('eligibility')
    page.instance.onMatter({ detail: { value: 0 } })
    await page.instance.check()
    await flush()
    expect(page.instance.data.fieldErrors.matter).toBe('未知的申请事项')
    expect(text(page)).toContain('未知的申请事项')
  })
})
