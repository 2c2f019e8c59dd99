/**
 * The one file a centre edits to point the mini-program at its server.
 *
 * BASE_URL: the server's origin (https in production; it must be listed under
 * "request合法域名" / "uploadFile合法域名" / "downloadFile合法域名" in the WeChat admin console).
 * RELEASE_BASE_URL: the same for the trial and release versions (must be https, not a local address).
 * DEV_LOGIN_CODE: only for a development server running in WeChat dev mode (no WECHAT_APPID):
 * a code such as "dev:zhangsan" is sent instead of wx.login's code. Leave empty in production.
 */
module.exports = {
  // the development server (WeChat DevTools, envVersion "develop" only)
  BASE_URL: 'http://127.0.0.1:5000',
  // the centre's https origin, used by the trial (体验版) and release (正式版) versions. A release build
  // never talks to BASE_URL: with this empty or not https it refuses every request (utils/api.js), and
  // `npm run check:release` fails, so the development address cannot ship.
  RELEASE_BASE_URL: '',
  DEV_LOGIN_CODE: '',
  HOTLINE: '12348',
  CENTRE_NAME: '法律援助中心',
  REQUEST_TIMEOUT_MS: 20000,
  UPLOAD_TIMEOUT_MS: 60000,
  // automatic retries after a network failure (same Idempotency-Key each time)
  NETWORK_RETRIES: 2,
  RETRY_DELAY_MS: 800,
}
