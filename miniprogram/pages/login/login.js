const { api } = require('../../utils/api')
const privacy = require('../../utils/privacy')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { agreed: false, redirect: '' },
  methods: {
    onLoad(query) {
      this.setData({ redirect: query && query.redirect ? decodeURIComponent(query.redirect) : '' })
    },
    onAgree(e) {
      this.setData({ agreed: (e.detail.value || []).indexOf('yes') >= 0 })
    },
    openNotice() { wx.navigateTo({ url: '/pages/privacy/privacy' }) },
    openContract() { return privacy.openContract() },
    async login() {
      if (!this.data.agreed) {
        this.setData({ error: '请先阅读并同意个人信息保护说明' })
        return null
      }
      // WeChat's privacy guide first (shows the popup if the citizen has not agreed yet)
      if (!(await privacy.requireAuthorized())) {
        this.setData({ error: '需要同意《小程序隐私保护指引》后才能登录使用' })
        return null
      }
      const res = await this.run(() => api().login())
      if (!res) return null
      wx.showToast({ title: '登录成功', icon: 'success' })
      if (this.data.redirect) wx.redirectTo({ url: this.data.redirect })
      else if (getCurrentPages().length > 1) wx.navigateBack()
      else wx.reLaunch({ url: '/pages/index/index' })
      return res
    },
  },
})
