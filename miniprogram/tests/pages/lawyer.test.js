const { renderPage, flush, text } = require('../helpers/pages')
const { ok, err } = require('../helpers/fake-wx')
const { login } = require('../helpers/fixtures')

const ART55 = '受援人有权向法律援助机构、法律援助人员了解法律援助事项办理情况；法律援助机构、法律援助人员未依法履行职责的，'
  + '受援人可以向司法行政部门投诉，并可以请求法律援助机构更换法律援助人员。'
const view = (over = {}) => Object.assign({
  lawyer: { id: 4, name: '李援助', law_firm: '湖北楚天律师事务所' }, status: 'in_progress', status_label: '办理中',
  can_request_change: true, change_request: null, closing: null, art55: ART55,
}, over)

describe('lawyer (承办律师与更换申请)', () => {
  test("shows the lawyer's name and firm, and Art. 55 word for word", async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12/handling', ok(view()))
    const page = renderPage('lawyer')
    await page.instance.onLoad({ id: '12' })
    await flush()
    const t = text(page)
    expect(t).toContain('李援助')
    expect(t).toContain('湖北楚天律师事务所')
    expect(t).toContain(`第五十五条：${ART55}`)
    expect(t).toContain('提交更换申请')
  })

  test('reasons are required; the request asks first, is sent with a key and shows the pending request', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12/handling', ok(view()))
    let body = null
    wx.on('POST', '/api/v1/applications/12/lawyer-change', (req) => {
      body = req.data
      return { statusCode: 201, data: view({ can_request_change: false, change_request: {
        id: 3, status: 'open', status_label: '待决定', requested_by: 'citizen', requested_by_label: '受援人申请更换',
        created_at: '2026-09-25T02:00:00+00:00' } }) }
    })
    const page = renderPage('lawyer')
    await page.instance.onLoad({ id: '12' })
    expect(await page.instance.submit()).toBeNull()
    expect(page.instance.data.fieldErrors.reasons).toContain('理由')
    expect(wx.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    page.instance.onReasons({ detail: { value: '律师两周没有回复我的电话' } })
    await page.instance.submit()
    await flush()
    expect(wx.called('showModal')).toHaveLength(1)
    const post = wx.requests.find((r) => r.method === 'POST')
    expect(post.header['Idempotency-Key']).toBeTruthy()
    expect(body).toEqual({ reasons: '律师两周没有回复我的电话' })
    const t = text(page)
    expect(t).toContain('受援人申请更换 · 待决定')
    expect(t).toContain('已提交更换申请')
    expect(t).not.toContain('提交更换申请 ')
  })

  test("a refusal of the server (another request pending) is shown in the server's words", async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12/handling', ok(view()))
    wx.on('POST', '/api/v1/applications/12/lawyer-change',
      err(409, 'change_pending', '已有一项更换法律援助人员的申请等待中心决定'))
    const page = renderPage('lawyer')
    await page.instance.onLoad({ id: '12' })
    page.instance.onReasons({ detail: { value: '律师不回复电话' } })
    await page.instance.submit()
    await flush()
    expect(text(page)).toContain('已有一项更换法律援助人员的申请等待中心决定')
  })
})
