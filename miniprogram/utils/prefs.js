/** Large-text mode (适老化): one switch, kept in storage, read by every page. */
const KEY = 'prefs.largeText'

function isLarge() {
  try {
    return !!wx.getStorageSync(KEY)
  } catch (e) {
    return false
  }
}

function setLarge(on) {
  wx.setStorageSync(KEY, !!on)
}

module.exports = { isLarge, setLarge, KEY }
