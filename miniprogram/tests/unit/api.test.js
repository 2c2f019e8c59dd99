const { createFakeWx, ok, err } = require('../helpers/fake-wx')
const { createClient, ApiError, TOKEN_KEY } = require('../../utils/api')

const BASE = 'https://legal-aid.example.cn'

function setup(opts = {}) {
  const fake = createFakeWx(opts.wx)
  global.wx = fake
  const client = createClient({ BASE_URL: `${BASE}/`, RETRY_DELAY_MS: 1, DEV_LOGIN_CODE: '', onLoginRequired: opts.onLoginRequired })
  return { fake, client }
}

function loggedIn(fake, access = 'A1', refresh = 'R1') {
  fake.setStorageSync(TOKEN_KEY, { access_token: access, refresh_token: refresh })
}

describe('login', () => {
  test('wx.login code goes to POST /api/v1/auth/wechat/login and the tokens are stored', async () => {
    const { fake, client } = setup({ wx: { loginCode: 'code-xyz' } })
    fake.on('POST', '/api/v1/auth/wechat/login', (req) => ok({ access_token: 'A', refresh_token: 'R', expires_at: 'x', user: { id: 1 }, body: req.data }))
    const res = await client.login()
    expect(res.user.id).toBe(1)
    const req = fake.requests[0]
    expect(req.url).toBe(`${BASE}/api/v1/auth/wechat/login`)
    expect(req.data).toEqual({ code: 'code-xyz' })
    expect(req.header.Authorization).toBeUndefined()
    expect(fake.getStorageSync(TOKEN_KEY)).toEqual({ access_token: 'A', refresh_token: 'R', expires_at: 'x' })
  })

  test('dev login code is sent instead of wx.login when configured (dev-mode servers)', async () => {
    const fake = createFakeWx()
    global.wx = fake
    const client = createClient({ BASE_URL: BASE, DEV_LOGIN_CODE: 'dev:alice' })
    fake.on('POST', '/api/v1/auth/wechat/login', ok({ access_token: 'A', refresh_token: 'R' }))
    await client.login()
    expect(fake.requests[0].data).toEqual({ code: 'dev:alice' })
    expect(fake.called('login')).toHaveLength(0)
  })

  test('a refused code shows the server message and stores nothing', async () => {
    const { fake, client } = setup()
    fake.on('POST', '/api/v1/auth/wechat/login', err(401, 'invalid_code', '微信登录凭证无效，请重新登录'))
    await expect(client.login()).rejects.toMatchObject({ status: 401, message: '微信登录凭证无效，请重新登录' })
    expect(fake.getStorageSync(TOKEN_KEY)).toBe('')
  })

  test('no token: the call is not sent, the citizen is sent to login', async () => {
    const onLoginRequired = jest.fn()
    const { fake, client } = setup({ onLoginRequired })
    await expect(client.getApplication(1)).rejects.toMatchObject({ code: 'login_required' })
    expect(fake.requests).toHaveLength(0)
    expect(onLoginRequired).toHaveBeenCalledTimes(1)
  })

  test('default login redirect navigates to the login page once', async () => {
    const { fake, client } = setup()
    await expect(client.getApplication(1)).rejects.toBeInstanceOf(ApiError)
    await expect(client.getApplication(2)).rejects.toBeInstanceOf(ApiError)
    expect(fake.called('navigateTo').map((c) => c.args.url)).toEqual(['/pages/login/login'])
  })
})

describe('refresh on 401', () => {
  test('refreshes once, stores the new tokens and repeats the call with the new token', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('GET', '/api/v1/applications/7', (req) => (req.header.Authorization === 'Bearer A2'
      ? ok({ id: 7 }) : err(401, 'invalid_token', '登录已过期，请重新登录')))
    fake.on('POST', '/api/v1/auth/refresh', (req) => (req.data.refresh_token === 'R1'
      ? ok({ access_token: 'A2', refresh_token: 'R2' }) : err(401, 'invalid_token', 'x')))
    await expect(client.getApplication(7)).resolves.toEqual({ id: 7 })
    expect(fake.requests.map((r) => `${r.method} ${r.url.replace(BASE, '')}`)).toEqual([
      'GET /api/v1/applications/7', 'POST /api/v1/auth/refresh', 'GET /api/v1/applications/7'])
    expect(fake.getStorageSync(TOKEN_KEY).refresh_token).toBe('R2')
  })

  test('concurrent 401s share one refresh (a rotated refresh token must not be replayed)', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('GET', /^\/api\/v1\/applications\/\d+$/, (req) => (req.header.Authorization === 'Bearer A2'
      ? ok({ ok: true }) : err(401, 'invalid_token', '登录已过期')))
    fake.on('POST', '/api/v1/auth/refresh', ok({ access_token: 'A2', refresh_token: 'R2' }))
    await Promise.all([client.getApplication(1), client.getApplication(2), client.getApplication(3)])
    expect(fake.requests.filter((r) => r.url.endsWith('/auth/refresh'))).toHaveLength(1)
  })

  test('a failed refresh clears the tokens and goes back to login (no second refresh)', async () => {
    const onLoginRequired = jest.fn()
    const { fake, client } = setup({ onLoginRequired })
    loggedIn(fake)
    fake.on('GET', '/api/v1/me', err(401, 'invalid_token', '登录已过期，请重新登录'))
    fake.on('POST', '/api/v1/auth/refresh', err(401, 'invalid_token', '刷新令牌无效'))
    await expect(client.me()).rejects.toMatchObject({ code: 'login_required', status: 401 })
    expect(fake.requests.filter((r) => r.url.endsWith('/auth/refresh'))).toHaveLength(1)
    expect(fake.getStorageSync(TOKEN_KEY)).toBe('')
    expect(onLoginRequired).toHaveBeenCalled()
  })

  test('still 401 after a successful refresh: back to login, not a loop', async () => {
    const onLoginRequired = jest.fn()
    const { fake, client } = setup({ onLoginRequired })
    loggedIn(fake)
    fake.on('GET', '/api/v1/me', err(401, 'invalid_token', '账号不可用，请重新登录'))
    fake.on('POST', '/api/v1/auth/refresh', ok({ access_token: 'A2', refresh_token: 'R2' }))
    await expect(client.me()).rejects.toMatchObject({ code: 'login_required', message: '账号不可用，请重新登录' })
    expect(fake.requests).toHaveLength(3)
    expect(onLoginRequired).toHaveBeenCalledTimes(1)
  })

  test('uploads refresh on 401 too', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('POST', '/api/v1/documents', (req) => (req.header.Authorization === 'Bearer A2'
      ? ok({ id: 3, kind: 'id_front' }, 201) : err(401, 'invalid_token', '登录已过期')))
    fake.on('POST', '/api/v1/auth/refresh', ok({ access_token: 'A2', refresh_token: 'R2' }))
    const doc = await client.uploadDocument({ applicationId: 5, kind: 'id_front', filePath: 'wxfile://a.jpg', idempotencyKey: 'k1' })
    expect(doc.id).toBe(3)
  })
})

describe('Idempotency-Key and network failures', () => {
  test('a creating POST retried after a network failure carries the same key', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    let n = 0
    fake.on('POST', '/api/v1/applications', () => (++n < 3 ? { fail: 'request:fail timeout' } : ok({ id: 9 }, 201)))
    await expect(client.createApplication({ applicant_name: '张三' }, 'key-123')).resolves.toEqual({ id: 9 })
    const posts = fake.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(3)
    expect(posts.map((r) => r.header['Idempotency-Key'])).toEqual(['key-123', 'key-123', 'key-123'])
    expect(posts.every((r) => r.data.applicant_name === '张三')).toBe(true)
  })

  test('the key survives a 401 refresh too', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('POST', '/api/v1/applications/4/submit', (req) => (req.header.Authorization === 'Bearer A2'
      ? ok({ id: 4, status: 'submitted' }) : err(401, 'invalid_token', 'x')))
    fake.on('POST', '/api/v1/auth/refresh', ok({ access_token: 'A2', refresh_token: 'R2' }))
    await client.submitApplication(4, 'sub-key')
    const submits = fake.requests.filter((r) => r.url.endsWith('/submit'))
    expect(submits.map((r) => r.header['Idempotency-Key'])).toEqual(['sub-key', 'sub-key'])
  })

  test('a POST without a key is not retried (it could create twice)', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('POST', '/api/v1/applications', { fail: 'request:fail timeout' })
    await expect(client.request('POST', '/api/v1/applications', { data: {} }))
      .rejects.toMatchObject({ network: true, code: 'network_error', message: '网络连接失败，请检查网络后重试' })
    expect(fake.requests).toHaveLength(1)
  })

  test('gives up after the configured retries with a network error', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('POST', '/api/v1/applications/1/rating', { fail: 'request:fail' })
    await expect(client.rate(1, { stars: 5 }, 'rk')).rejects.toMatchObject({ network: true })
    expect(fake.requests).toHaveLength(3) // first try + 2 retries
  })

  test('409 request_in_progress (the first attempt still running) is asked again with the same key', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    let n = 0
    fake.on('POST', '/api/v1/applications/2/submit', () => (++n === 1
      ? err(409, 'request_in_progress', '相同的请求正在处理中，请稍后重试') : ok({ id: 2 })))
    await expect(client.submitApplication(2, 'same')).resolves.toEqual({ id: 2 })
    expect(fake.requests.map((r) => r.header['Idempotency-Key'])).toEqual(['same', 'same'])
  })

  test('upload: wx.uploadFile with field `file`, kind, application_id, key and progress; retried with the same key', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    let n = 0
    fake.on('POST', '/api/v1/documents', () => (++n === 1 ? { fail: 'uploadFile:fail socket closed' }
      : ok({ id: 11, kind: 'id_back', warnings: ['blurred'] }, 201)))
    const progress = []
    const doc = await client.uploadDocument({ applicationId: 5, kind: 'id_back', filePath: 'wxfile://b.jpg',
                                              idempotencyKey: 'up-1', onProgress: (p) => progress.push(p) })
    expect(doc).toEqual({ id: 11, kind: 'id_back', warnings: ['blurred'] })
    const ups = fake.called('uploadFile').map((c) => c.args)
    expect(ups).toHaveLength(2)
    expect(ups[0]).toMatchObject({ url: `${BASE}/api/v1/documents`, name: 'file', filePath: 'wxfile://b.jpg',
                                   formData: { kind: 'id_back', application_id: '5' } })
    expect(ups.map((u) => u.header['Idempotency-Key'])).toEqual(['up-1', 'up-1'])
    expect(progress).toEqual([40, 30, 100])
  })
})

describe('error mapping', () => {
  test('server message and field errors (422 with details.fields)', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('POST', '/api/v1/applications/3/submit', err(422, 'incomplete_application', '申请信息不完整，请补充后再提交',
      { fields: { phone: ['请填写联系电话'], id_number: ['身份证号码无效', '请核对'] } }))
    const e = await client.submitApplication(3, 'k').catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(422)
    expect(e.code).toBe('incomplete_application')
    expect(e.message).toBe('申请信息不完整，请补充后再提交')
    expect(e.fields).toEqual({ phone: '请填写联系电话', id_number: '身份证号码无效；请核对' })
  })

  test('form-level (_schema) errors are added to the message', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('POST', '/api/v1/me/phone', err(422, 'validation_error', '提交的内容有误，请检查后重试',
      { fields: { _schema: ['请提供 code，或 encrypted_data 与 iv'] } }))
    await expect(client.bindPhone('', 'k')).rejects.toMatchObject({ message: '提交的内容有误，请检查后重试：请提供 code，或 encrypted_data 与 iv' })
  })

  test('409 with the state in Chinese', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('PATCH', '/api/v1/applications/3', err(409, 'invalid_transition', '申请当前状态为「已提交」，只有草稿可以修改'))
    await expect(client.updateApplication(3, {})).rejects.toMatchObject({ status: 409, message: '申请当前状态为「已提交」，只有草稿可以修改' })
  })

  test('a 502 from a proxy (HTML, no JSON) becomes a Chinese message, not the HTML', async () => {
    const { fake, client } = setup()
    loggedIn(fake)
    fake.on('GET', '/api/v1/me', { statusCode: 502, data: '<html>Bad Gateway</html>' })
    await expect(client.me()).rejects.toMatchObject({ status: 502, message: '服务暂时不可用，请稍后再试' })
  })

  test('eligibility needs no login and sends no token', async () => {
    const { fake, client } = setup()
    fake.on('POST', '/api/v1/eligibility', ok({ result: 'likely_eligible', means_test: 'exempt', basis: [], documents: [] }))
    await client.eligibility({ matter: 'labour_relation_or_pay', situations: [], groups: [] })
    expect(fake.requests[0].header.Authorization).toBeUndefined()
  })
})

describe('letters', () => {
  test('relative signed URL → absolute, wx.downloadFile then wx.openDocument as PDF', async () => {
    const { fake, client } = setup()
    fake.on('GET', /^\/files\//, { statusCode: 200, tempFilePath: 'wxfile://tmp/l1.pdf' })
    await client.openLetter({ url: '/files/letters/1.pdf?expires=1&signature=s' })
    expect(fake.called('downloadFile')[0].args.url).toBe(`${BASE}/files/letters/1.pdf?expires=1&signature=s`)
    expect(fake.called('openDocument')[0].args).toMatchObject({ filePath: 'wxfile://tmp/l1.pdf', fileType: 'pdf' })
  })

  test('an expired link (403) is reported in Chinese and nothing is opened', async () => {
    const { fake, client } = setup()
    fake.on('GET', /^\/b\//, { statusCode: 403 })
    await expect(client.openLetter({ url: 'https://s3.example.cn/b/k?X-Amz=1' })).rejects.toMatchObject({ status: 403, message: '文书链接已过期，请刷新后重试' })
    expect(fake.called('openDocument')).toHaveLength(0)
  })
})
