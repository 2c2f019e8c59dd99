/**
 * What every page shares: large-text mode (适老化), the error banner and field errors, a busy flag.
 * Pages are built with Component() (WeChat supports pages as components), so that
 * miniprogram-simulate can render and drive them in tests.
 */
const prefs = require('../utils/prefs')

module.exports = Behavior({
  data: {
    large: false,
    busy: false,
    error: '',
    fieldErrors: {},
  },
  lifetimes: {
    attached() {
      this.setData({ large: prefs.isLarge() })
    },
  },
  pageLifetimes: {
    show() {
      if (this.data.large !== prefs.isLarge()) this.setData({ large: prefs.isLarge() })
      // back from the login page: load again what failed for want of a login (a form that keeps what
      // was typed sets keepStateOnLogin; its citizen just taps again)
      if (this._reloadOnShow && typeof this.onLoad === 'function' && !this.keepStateOnLogin) {
        this._reloadOnShow = false
        const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
        const me = pages.length ? pages[pages.length - 1] : null
        this.clearErrors()
        this.onLoad((me && me.options) || {})
      }
    },
  },
  methods: {
    /** Show an ApiError: its message in the banner, field messages beside their fields. */
    showError(err) {
      const message = (err && err.message) || '操作失败，请稍后再试'
      this.setData({ error: message, fieldErrors: (err && err.fields) || {} })
      if (err && err.code === 'login_required') {
        this._reloadOnShow = true
        return
      }
      if (typeof wx !== 'undefined' && wx.showToast) wx.showToast({ title: message.slice(0, 20), icon: 'none' })
    },
    clearErrors() {
      this.setData({ error: '', fieldErrors: {} })
    },
    /** Run an async action with the busy flag set and errors shown; resolves to its result or null. */
    async run(action) {
      if (this.data.busy) return null
      this.setData({ busy: true, error: '' })
      try {
        return await action()
      } catch (err) {
        this.showError(err)
        return null
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
