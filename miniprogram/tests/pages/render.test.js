const path = require('path')
const { renderPage, flush, text, ROOT } = require('../helpers/pages')
const { ok } = require('../helpers/fake-wx')
const { login, application } = require('../helpers/fixtures')

const appJson = require(path.join(ROOT, 'app.json'))

describe('every page in app.json renders in Chinese', () => {
  appJson.pages.forEach((route) => {
    const name = route.split('/')[1]
    test(route, async () => {
      login(wx)
      wx.on('GET', /^\/api\/v1\/applications\/\d+$/, ok(application()))
      wx.on('GET', '/api/v1/applications', ok({ items: [application()], page: 1, page_size: 20, total: 1 }))
      wx.on('GET', /documents$/, ok([]))
      wx.on('GET', /prefill$/, ok({ fields: {}, documents: [], pending: [] }))
      wx.on('GET', '/api/v1/me', ok({ id: 1, phone_bound: false }))
      wx.on('GET', '/api/v1/client-config', ok({ subscribe_templates: { status: 't1' } }))
      const comp = renderPage(name)
      if (comp.instance.onLoad) await comp.instance.onLoad({ id: '12' })
      await flush()
      const t = text(comp)
      expect(/[\u4e00-\u9fa5]{4}/.test(t)).toBe(true)
      expect(/[A-Za-z]{6}/.test(t.replace(/FY\d+/g, ''))).toBe(false) // no untranslated keys on screen
    })
  })
})

describe('accessible labels (WXML source: the simulator drops aria-* attributes from its DOM)', () => {
  const fs = require('fs')
  const files = appJson.pages.map((r) => path.join(ROOT, `${r}.wxml`))
    .concat(['components/star-rating/star-rating.wxml'].map((f) => path.join(ROOT, f)))
  files.forEach((file) => {
    test(path.relative(ROOT, file), () => {
      const src = fs.readFileSync(file, 'utf8')
      const tags = src.match(/<[a-z-]+(?=[\s>/])[^>]*>/g) || []
      const controls = tags.filter((t) => /^<(button|input|textarea|picker|switch|checkbox|radio)(?=[\s>/])/.test(t) || /\bbindtap=/.test(t))
      expect(controls.length).toBeGreaterThan(0)
      controls.forEach((tag) => expect(tag).toMatch(/aria-label="[^"]*([\u4e00-\u9fa5]|{{item\.label}})[^"]*"/))
    })
  })
})
