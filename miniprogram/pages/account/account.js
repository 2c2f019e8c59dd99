/** 我的数据与隐私: the separate consents (withdraw), a copy of my data, deleting the account. */
const { api } = require('../../utils/api')
const consents = require('../../utils/consents')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { items: [], copy: null, deleted: null },
  methods: {
    async onLoad() {
      const res = await this.run(() => api().listConsents())
      if (res) this.setData({ items: res.items || [] })
    },
    openNotice() { wx.navigateTo({ url: '/pages/privacy/privacy' }) },
    async grant(e) {
      const kind = e.currentTarget.dataset.kind
      const ok = await this.run(() => consents.ensure(kind))
      if (ok) await this.onLoad()
      return ok
    },
    async withdraw(e) {
      const kind = e.currentTarget.dataset.kind
      const res = await this.run(() => api().withdrawConsent(kind))
      if (res) {
        consents._reset()
        await this.onLoad()
      }
      return res
    },
    /** A copy of everything held about me: counts shown, the JSON document copied to the clipboard. */
    async dataCopy() {
      const data = await this.run(() => api().dataCopy())
      if (!data) return null
      this.setData({ copy: { applications: data.applications.length, documents: data.documents.length,
                             ratings: data.ratings.length, consents: data.consents.length } })
      wx.setClipboardData({ data: JSON.stringify(data, null, 2), fail: () => {} })
      return data
    },
    /** Irreversible: confirmation first. */
    deleteAccount() {
      return new Promise((resolve) => {
        wx.showModal({
          title: '注销账号',
          content: '注销后不可恢复：未提交的草稿及其照片、手机号绑定、微信身份标识将被删除；已提交申请的案卷依法由法律援助中心保存。确定注销吗？',
          confirmText: '注销',
          confirmColor: '#b71c1c',
          success: async (res) => {
            if (!res.confirm) return resolve(null)
            const out = await this.run(() => api().deleteAccount())
            if (out) {
              api().clearTokens()
              consents._reset()
              this.setData({ deleted: out })
              wx.showToast({ title: '账号已注销', icon: 'success' })
            }
            return resolve(out)
          },
          fail: () => resolve(null),
        })
      })
    },
    goHome() { wx.reLaunch({ url: '/pages/index/index' }) },
  },
})
