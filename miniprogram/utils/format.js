/** Dates for display: the server sends ISO 8601 (UTC for times); shown in China time. */
const pad = (n) => (n < 10 ? `0${n}` : `${n}`)

function dateTime(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  const cn = new Date(d.getTime() + 8 * 3600 * 1000) // Asia/Shanghai, no DST
  return `${cn.getUTCFullYear()}年${cn.getUTCMonth() + 1}月${cn.getUTCDate()}日 ${pad(cn.getUTCHours())}:${pad(cn.getUTCMinutes())}`
}

function date(iso) {
  if (!iso) return ''
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso)
  if (!m) return String(iso)
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`
}

/** Today in China as YYYY-MM-DD (picker bounds). */
function today(now = new Date()) {
  const cn = new Date(now.getTime() + 8 * 3600 * 1000)
  return `${cn.getUTCFullYear()}-${pad(cn.getUTCMonth() + 1)}-${pad(cn.getUTCDate())}`
}

/** Whole days from today (China) to a YYYY-MM-DD date. */
function daysUntil(isoDate, now = new Date()) {
  if (!isoDate) return null
  const t = Date.parse(`${today(now)}T00:00:00Z`)
  const d = Date.parse(`${String(isoDate).slice(0, 10)}T00:00:00Z`)
  return Math.round((d - t) / 86400000)
}

module.exports = { dateTime, date, today, daysUntil }
