const config = require('../../config')
const labels = require('../../utils/labels')
const { api } = require('../../utils/api')

const LAST_KEY = 'eligibility.last'

Component({
  behaviors: [require('../../behaviors/page')],
  data: {
    matters: labels.MATTERS,
    matterIndex: -1,
    situations: labels.SITUATIONS.map((s) => Object.assign({ checked: false }, s)),
    groups: labels.GROUPS.map((g) => Object.assign({ checked: false }, g)),
    household_size: '',
    monthly_income: '',
    askIncome: true,
    result: null,
  },
  methods: {
    onMatter(e) {
      this.setData({ matterIndex: Number(e.detail.value), result: null })
    },
    onSituations(e) {
      const chosen = e.detail.value || []
      this.setData({ situations: this.data.situations.map((s) => Object.assign({}, s, { checked: chosen.indexOf(s.key) >= 0 })) })
      this.updateAskIncome()
    },
    onGroups(e) {
      const chosen = e.detail.value || []
      this.setData({ groups: this.data.groups.map((g) => Object.assign({}, g, { checked: chosen.indexOf(g.key) >= 0 })) })
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
    body() {
      const d = this.data
      const body = {
        matter: d.matterIndex >= 0 ? d.matters[d.matterIndex].key : null,
        situations: d.situations.filter((s) => s.checked).map((s) => s.key),
        groups: d.groups.filter((g) => g.checked).map((g) => g.key),
      }
      if (d.askIncome && d.household_size !== '') body.household_size = Number(d.household_size)
      if (d.askIncome && d.monthly_income !== '') body.monthly_income = Number(d.monthly_income)
      return body
    },
    validate(body) {
      const errors = {}
      if (!body.matter) errors.matter = '请选择事项'
      if (body.household_size !== undefined && !(Number.isInteger(body.household_size) && body.household_size >= 1)) {
        errors.household_size = '请填写 1 以上的整数'
      }
      if (body.monthly_income !== undefined && !(body.monthly_income >= 0)) errors.monthly_income = '请填写不小于 0 的金额'
      return errors
    },
    async check() {
      const body = this.body()
      const errors = this.validate(body)
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
