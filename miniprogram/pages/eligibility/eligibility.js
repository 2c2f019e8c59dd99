const config = require('../../config')
const labels = require('../../utils/labels')
const rules = require('../../utils/rules')
const screen = require('../../utils/screen')
const { api } = require('../../utils/api')

const LAST_KEY = 'eligibility.last'

Component({
  behaviors: [require('../../behaviors/page')],
  data: Object.assign(screen.state(rules.FALLBACK), { result: null }),
  methods: {
    async onLoad() {
      // the server's lists (a province may add matters); the bundled ones until they arrive
      const r = await rules.load()
      if (r.fromServer) this.setData(screen.state(r, screen.body(this.data)))
    },
    onMatter(e) {
      this.setData({ matterIndex: Number(e.detail.value), result: null })
    },
    onInjury(e) {
      this.setData({ injuryIndex: Number(e.detail.value), result: null })
    },
    onRetrial(e) {
      this.setData({ retrialIndex: Number(e.detail.value), result: null })
    },
    onSituations(e) {
      this.setData({ situations: screen.toggle(this.data.situations, e.detail.value) })
      this.updateAskIncome()
    },
    onGroups(e) {
      this.setData({ groups: screen.toggle(this.data.groups, e.detail.value) })
      this.updateAskIncome()
    },
    updateAskIncome() {
      // income is asked only when no situation or group exempts the applicant from the means test
      const exempt = this.data.situations.some((s) => s.checked) || this.data.groups.some((g) => g.checked)
      this.setData({ askIncome: !exempt, result: null })
    },
    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
    async check() {
      const body = screen.body(this.data)
      const errors = screen.validate(body)
      if (Object.keys(errors).length) {
        this.setData({ fieldErrors: errors, error: '请按提示补充后再查看结果' })
        return null
      }
      this.clearErrors()
      const res = await this.run(() => api().eligibility(body))
      if (!res) return null
      const r = labels.ELIGIBILITY_RESULTS[res.result] || { label: res.result, tone: 'warn' }
      this.setData({
        result: {
          result: res.result, label: r.label, tone: r.tone,
          meansTestLabel: labels.MEANS_TEST[res.means_test] || '',
          basis: res.basis || [], documents: res.documents || [],
        },
      })
      wx.setStorageSync(LAST_KEY, { input: body, result: res, at: new Date().toISOString() })
      return res
    },
    apply() {
      wx.navigateTo({ url: '/pages/apply/apply?from=eligibility' })
    },
    callHotline() {
      wx.makePhoneCall({ phoneNumber: config.HOTLINE, fail: () => {} })
    },
  },
})
