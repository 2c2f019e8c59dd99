/**
 * WeChat's privacy flow (用户隐私保护指引, app.json "__usePrivacyCheck__": true). When a page calls an API the
 * guide covers (wx.chooseMedia, getPhoneNumber, wx.getClipboardData…) before the citizen agreed, WeChat calls
 * the handler registered with wx.onNeedPrivacyAuthorization; the page's <privacy-popup> then shows the
 * guide's summary with a link to the full text (wx.openPrivacyContract) and an agree button
 * (open-type="agreePrivacyAuthorization"); WeChat waits for resolve({event: 'agree', buttonId}) or
 * resolve({event: 'disagree'}). requireAuthorized() asks up front (wx.requirePrivacyAuthorize), e.g. at login.
 */
let pending = null
const popups = []

function install() {
  if (typeof wx === 'undefined' || !wx.onNeedPrivacyAuthorization) return false
  wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    pending = resolve
    const popup = popups[popups.length - 1] // the page on top
    if (popup) {
      popup.showPrivacy(eventInfo || {})
    } else {
      pending = null
      resolve({ event: 'disagree' })
      wx.showToast({ title: '请先同意隐私保护指引', icon: 'none' })
    }
  })
  return true
}

function register(popup) { popups.push(popup) }

function unregister(popup) {
  const i = popups.indexOf(popup)
  if (i >= 0) popups.splice(i, 1)
}

function agree(buttonId) {
  if (pending) pending({ buttonId, event: 'agree' })
  pending = null
}

function disagree() {
  if (pending) pending({ event: 'disagree' })
  pending = null
}

function openContract() {
  return new Promise((resolve) => {
    if (!wx.openPrivacyContract) return resolve(false)
    wx.openPrivacyContract({ success: () => resolve(true), fail: () => resolve(false) })
    return undefined
  })
}

/** Resolves true once the citizen has agreed to the guide (asks now if needed), false if refused. */
function requireAuthorized() {
  return new Promise((resolve) => {
    if (!wx.requirePrivacyAuthorize) return resolve(true) // base library before 2.32.3: no check
    wx.requirePrivacyAuthorize({ success: () => resolve(true), fail: () => resolve(false) })
    return undefined
  })
}

function _reset() {
  pending = null
  popups.length = 0
}

module.exports = { install, register, unregister, agree, disagree, openContract, requireAuthorized, _reset, _popups: popups }
