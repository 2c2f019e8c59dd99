/** App entry: nothing is fetched here; pages call the API layer (utils/api.js) when they need it. */
const privacy = require('./utils/privacy')

App({
  onLaunch() {
    // WeChat's privacy check (__usePrivacyCheck__): the page on top shows its <privacy-popup/>
    privacy.install()
    // New versions: ask the citizen to restart once an update is downloaded
    if (wx.getUpdateManager) {
      const um = wx.getUpdateManager()
      um.onUpdateReady(() => {
        wx.showModal({
          title: '发现新版本',
          content: '新版本已准备好，是否重启使用？',
          success: (res) => { if (res.confirm) um.applyUpdate() },
        })
      })
    }
  },
})
