const format = require('../../utils/format')
const ids = require('../../utils/ids')
const subscribe = require('../../utils/subscribe')
const { api } = require('../../utils/api')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { id: null, reasons: '', decision: '', objectionDue: '', done: null },
  methods: {
    async onLoad(query) {
      this.setData({ id: Number(query.id) })
      subscribe.loadConfig()
      const app = await this.run(() => api().getApplication(this.data.id))
      if (app) {
        const dl = app.deadlines || {}
        this.setData({
          decision: `${app.status_label}${app.decision_reason ? `：${app.decision_reason}` : ''}`,
          objectionDue: format.date(dl.objection_due),
        })
      }
    },
    onReasons(e) {
      this.setData({ reasons: e.detail.value, fieldErrors: {} })
    },
    async submit() {
      const reasons = this.data.reasons.trim()
      if (reasons.length < 10) {
        this.setData({ fieldErrors: { reasons: '请填写异议理由（至少 10 个字）' }, error: '请填写异议理由' })
        return null
      }
      const consent = subscribe.consent() // the bureau's answer comes as a subscribe message
      this.clearErrors()
      const op = `objection:${this.data.id}`
      const res = await this.run(async () => {
        await consent
        return api().object(this.data.id, { reasons }, ids.keyFor(op))
      })
      if (!res) return null
      ids.release(op)
      this.setData({ done: { decideBy: format.date(res.decide_by) } })
      return res
    },
  },
})
