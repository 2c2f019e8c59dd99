const ids = require('../../utils/ids')
const { api } = require('../../utils/api')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { me: null },
  methods: {
    async onLoad() {
      const me = await this.run(() => api().me())
      if (me) this.setData({ me })
    },
    /** open-type="getPhoneNumber": the new-style `code` goes to the server, which asks WeChat for the number. */
    async onPhone(e) {
      const detail = e.detail || {}
      if (!detail.code) {
        this.setData({ error: detail.errMsg && detail.errMsg.indexOf('deny') >= 0 ? '您已取消授权，未绑定手机号' : '未能获取手机号，请重试' })
        return null
      }
      const op = 'bind-phone'
      const me = await this.run(() => api().bindPhone(detail.code, ids.keyFor(op)))
      if (!me) return null
      ids.release(op)
      this.setData({ me })
      wx.showToast({ title: '绑定成功', icon: 'success' })
      return me
    },
  },
})
