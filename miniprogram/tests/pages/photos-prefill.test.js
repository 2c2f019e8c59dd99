const { renderPage, flush, text } = require('../helpers/pages')
const { createFakeWx, ok, err } = require('../helpers/fake-wx')
const { login } = require('../helpers/fixtures')

const doc = (over) => Object.assign({ id: 1, application_id: 12, kind: 'id_front', status: 'ocr_done', status_label: '识别完成',
                                      warnings: [], reject_message: null }, over)
const tap = (kind) => ({ currentTarget: { dataset: { kind } } })

describe('photo capture', () => {
  test('wx.chooseMedia → wx.uploadFile with kind, application_id, key and progress; warnings become re-shoot prompts', async () => {
    global.wx = createFakeWx({ chosenFile: 'wxfile://tmp/front.jpg' })
    login(wx)
    wx.on('GET', '/api/v1/applications/12/documents', ok([]))
    wx.on('POST', '/api/v1/documents', ok(doc({ warnings: ['blurred', 'wrong_kind'] }), 201))
    const page = renderPage('photos')
    await page.instance.onLoad({ id: '12' })
    await page.instance.shoot(tap('id_front'))
    await flush()
    const media = wx.called('chooseMedia')[0].args
    expect(media.mediaType).toEqual(['image'])
    expect(media.sourceType).toEqual(['camera', 'album'])
    const up = wx.called('uploadFile')[0].args
    expect(up).toMatchObject({ name: 'file', filePath: 'wxfile://tmp/front.jpg', formData: { kind: 'id_front', application_id: '12' } })
    expect(up.header['Idempotency-Key']).toMatch(/^mp-/)
    const slot = page.instance.data.slots.find((s) => s.kind === 'id_front')
    expect(slot.progress).toBe(100)
    const t = text(page)
    expect(t).toContain('照片模糊，请在光线充足处对焦后重新拍摄')
    expect(t).toContain('照片与所选材料类型不符')
    expect(t).toContain('重新拍摄')
  })

  test('a failed upload keeps the photo: "重试上传" sends the same file with the same key', async () => {
    global.wx = createFakeWx({ chosenFile: 'wxfile://tmp/back.jpg' })
    login(wx)
    wx.on('GET', '/api/v1/applications/12/documents', ok([]))
    let n = 0
    wx.on('POST', '/api/v1/documents', () => (++n <= 3 ? { fail: 'uploadFile:fail timeout' } : ok(doc({ kind: 'id_back' }), 201)))
    const page = renderPage('photos')
    require('../../config').RETRY_DELAY_MS = 1
    await page.instance.onLoad({ id: '12' })
    await page.instance.shoot(tap('id_back'))
    await flush()
    expect(text(page)).toContain('网络连接失败')
    expect(text(page)).toContain('重试上传')
    await page.instance.shoot(tap('id_back'))
    const ups = wx.called('uploadFile').map((c) => c.args)
    expect(wx.called('chooseMedia')).toHaveLength(1) // no second trip to the camera
    expect(ups).toHaveLength(4)
    expect(new Set(ups.map((u) => u.header['Idempotency-Key'])).size).toBe(1)
    expect(new Set(ups.map((u) => u.filePath))).toEqual(new Set(['wxfile://tmp/back.jpg']))
  })

  test('a new photo after success gets a new key; the server message for a bad file shows at the slot', async () => {
    global.wx = createFakeWx({ chosenFile: 'wxfile://tmp/x.jpg' })
    login(wx)
    wx.on('GET', '/api/v1/applications/12/documents', ok([]))
    let n = 0
    wx.on('POST', '/api/v1/documents', () => (++n === 1 ? ok(doc(), 201)
      : err(422, 'invalid_image', '文件不是有效的图片（支持 JPEG、PNG、WebP）')))
    const page = renderPage('photos')
    await page.instance.onLoad({ id: '12' })
    await page.instance.shoot(tap('id_front'))
    await page.instance.shoot(tap('id_front'))
    await flush()
    const keys = wx.called('uploadFile').map((c) => c.args.header['Idempotency-Key'])
    expect(keys[0]).not.toBe(keys[1])
    expect(text(page)).toContain('文件不是有效的图片')
  })

  test('OCR still running: the page asks again until the warnings are known', async () => {
    global.wx = createFakeWx()
    login(wx)
    wx.on('GET', '/api/v1/applications/12/documents', ok([]))
    wx.on('POST', '/api/v1/documents', ok(doc({ status: 'ocr_pending', status_label: '识别中' }), 201))
    let polls = 0
    wx.on('GET', '/api/v1/documents/1', () => (++polls < 2 ? ok(doc({ status: 'ocr_pending' })) : ok(doc({ warnings: ['too_dark'] }))))
    const page = renderPage('photos')
    page.instance.pollMs = 1
    await page.instance.onLoad({ id: '12' })
    await page.instance.shoot(tap('id_front'))
    await flush()
    expect(polls).toBe(2)
    expect(text(page)).toContain('照片太暗')
  })

  test('next step needs both sides of the ID card', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12/documents', ok([doc()]))
    const page = renderPage('photos')
    await page.instance.onLoad({ id: '12' })
    page.instance.next()
    await flush()
    expect(text(page)).toContain('请先拍摄：身份证国徽面')
    expect(wx.called('navigateTo')).toHaveLength(0)
  })
})

describe('prefill review', () => {
  const prefill = {
    application_id: 12,
    fields: {
      id_number: { current: null, state: 'suggested', documents_disagree: false,
                   suggestion: { value: '420106199001011234', confidence: 0.98, document_id: 1, kind: 'id_front' } },
      applicant_name: { current: '王五', state: 'differs', documents_disagree: true,
                        suggestion: { value: '王伍', confidence: 0.91, document_id: 1, kind: 'id_front' } },
      sex: { current: '男', state: 'confirmed', documents_disagree: false, suggestion: { value: '男', confidence: 0.99 } },
      hukou_address: { current: null, state: 'suggested', documents_disagree: false,
                       suggestion: { value: '湖北省武汉市硚口区', confidence: 0.7 } },
    },
    documents: [{ id: 1, kind: 'id_front', status: 'ocr_done', warnings: ['overexposed'] }],
    pending: [],
  }

  test('shows each suggestion with its confidence; a typed value is not replaced by default', async () => {
    login(wx)
    wx.on('GET', '/api/v1/applications/12/prefill', ok(prefill))
    const page = renderPage('prefill')
    await page.instance.onLoad({ id: '12' })
    await flush()
    const t = text(page)
    expect(t).toContain('公民身份号码')
    expect(t).toContain('420106199001011234')
    expect(t).toContain('可信度 98%')
    expect(t).toContain('您已填写：王五')
    expect(t).toContain('材料间不一致')
    expect(t).toContain('照片反光或过亮')
    const rows = Object.fromEntries(page.instance.data.rows.map((r) => [r.field, r.choice]))
    expect(rows).toMatchObject({ id_number: 'accept', applicant_name: 'skip' })
  })

  test('accepted fields go to prefill/confirm, corrected ones to the draft, then back to the form', async () => {
    login(wx)
    wx.on('GET', '/api/v1/me/consents', ok({ items: [{ kind: 'id_number', title: '公民身份号码', version: '2026-12', granted: true }] }))
    wx.on('GET', '/api/v1/applications/12/prefill', ok(prefill))
    wx.on('PATCH', '/api/v1/applications/12', ok({ id: 12 }))
    wx.on('POST', '/api/v1/applications/12/prefill/confirm', ok(prefill))
    const page = renderPage('prefill')
    await page.instance.onLoad({ id: '12' })
    page.instance.onChoice({ currentTarget: { dataset: { field: 'hukou_address' } }, detail: { value: 'correct' } })
    page.instance.onCorrect({ currentTarget: { dataset: { field: 'hukou_address' } }, detail: { value: '湖北省武汉市硚口区解放大道1号' } })
    await page.instance.confirm()
    const patch = wx.requests.find((r) => r.method === 'PATCH')
    const confirm = wx.requests.find((r) => r.url.endsWith('/prefill/confirm'))
    expect(patch.data).toEqual({ hukou_address: '湖北省武汉市硚口区解放大道1号' })
    expect(confirm.data).toEqual({ fields: ['id_number'] })
    expect(wx.called('redirectTo')[0].args.url).toBe('/pages/apply/apply?id=12')
  })

  test('a rejected value (ID check digit) is shown at its row and the page stays', async () => {
    login(wx)
    wx.on('GET', '/api/v1/me/consents', ok({ items: [{ kind: 'id_number', title: '公民身份号码', version: '2026-12', granted: true }] }))
    wx.on('GET', '/api/v1/applications/12/prefill', ok(prefill))
    wx.on('POST', '/api/v1/applications/12/prefill/confirm', err(422, 'validation_error', '提交的内容有误，请检查后重试',
      { fields: { id_number: ['身份证号码无效（请核对位数和末位校验码）'] } }))
    const page = renderPage('prefill')
    await page.instance.onLoad({ id: '12' })
    await page.instance.confirm()
    await flush()
    expect(text(page)).toContain('身份证号码无效（请核对位数和末位校验码）')
    expect(wx.called('redirectTo')).toHaveLength(0)
  })
})
