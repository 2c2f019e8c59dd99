const format = require('../../utils/format')
const ids = require('../../utils/ids')
const { api } = require('../../utils/api')

/**
 * The aided person's lawyer (name and firm) and the request to change lawyer (更换法律援助人员, Art. 55 of
 * the Legal Aid Law): reasons required; the legal-aid centre decides and tells the aided person in writing.
 */
Component({
  behaviors: [require('../../behaviors/page')],
  data: { id: null, view: null, reasons: '', done: null, requestedAt: '' },
  methods: {
    async onLoad(query) {
      this.setData({ id: Number(query.id) })
      await this.refresh()
    },
    async refresh() {
      const view = await this.run(() => api().handling(this.data.id))
      if (view) {
        this.setData({
          view,
          requestedAt: view.change_request ? format.dateTime(view.change_request.created_at) : '',
        })
      }
      return view
    },
    onReasons(e) {
      this.setData({ reasons: e.detail.value, fieldErrors: {} })
    },
    submit() {
      const reasons = this.data.reasons.trim()
      if (reasons.length < 5) {
        this.setData({ fieldErrors: { reasons: '请说明请求更换的理由（至少 5 个字）' }, error: '请填写理由' })
        return Promise.resolve(null)
      }
      // asking to change lawyer is not undone from the phone: confirm first
      return new Promise((resolve) => {
        wx.showModal({
          title: '申请更换律师',
          content: '提交后由法律援助中心审查决定，并书面通知您。确定提交吗？',
          confirmText: '提交',
          success: async (res) => {
            if (!res.confirm) return resolve(null)
            this.clearErrors()
            const op = `lawyer-change:${this.data.id}`
            const out = await this.run(() => api().requestLawyerChange(this.data.id, { reasons }, ids.keyFor(op)))
            if (out) {
              ids.release(op)
              this.setData({ view: out, done: true, reasons: '',
                             requestedAt: out.change_request ? format.dateTime(out.change_request.created_at) : '' })
            }
            resolve(out)
          },
          fail: () => resolve(null),
        })
      })
    },
  },
})
