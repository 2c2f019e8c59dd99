const config = require('../../config')
const prefs = require('../../utils/prefs')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { hotline: config.HOTLINE },
  methods: {
    callHotline() {
      wx.makePhoneCall({ phoneNumber: config.HOTLINE, fail: () => {} })
    },
    goEligibility() { wx.navigateTo({ url: '/pages/eligibility/eligibility' }) },
    goApply() { wx.navigateTo({ url: '/pages/apply/apply' }) },
    goMine() { wx.navigateTo({ url: '/pages/mine/mine' }) },
    goPhone() { wx.navigateTo({ url: '/pages/phone/phone' }) },
    goAccount() { wx.navigateTo({ url: '/pages/account/account' }) },
    goPrivacy() { wx.navigateTo({ url: '/pages/privacy/privacy' }) },
    toggleLarge(e) {
      const on = !!e.detail.value
      prefs.setLarge(on)
      this.setData({ large: on })
    },
  },
})
