/**
 * The privacy popup every page that uses a covered API carries (<privacy-popup/>): shown when WeChat asks
 * (wx.onNeedPrivacyAuthorization, see utils/privacy.js); the agree button has open-type
 * "agreePrivacyAuthorization", as WeChat requires.
 */
const privacy = require('../../utils/privacy')

Component({
  options: { addGlobalClass: true },
  data: { visible: false, name: '《12348 法律援助小程序隐私保护指引》' },
  lifetimes: {
    attached() {
      this.showPrivacy = (info) => this.setData({ visible: true, reason: (info && info.referrer) || '' })
      privacy.register(this)
    },
    detached() { privacy.unregister(this) },
  },
  pageLifetimes: {
    show() { privacy.unregister(this); privacy.register(this) }, // the page on top answers
  },
  methods: {
    openContract() { return privacy.openContract() },
    openNotice() { wx.navigateTo({ url: '/pages/privacy/privacy' }) },
    onAgree() {
      privacy.agree('privacy-agree')
      this.setData({ visible: false })
    },
    onDisagree() {
      privacy.disagree()
      this.setData({ visible: false })
    },
  },
})
