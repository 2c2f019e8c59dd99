/** Random request ids for the Idempotency-Key header (no crypto in every base library version). */
function randomHex(n) {
  let s = ''
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16)
  return s
}

function newIdempotencyKey() {
  return `mp-${Date.now().toString(36)}-${randomHex(20)}`
}

/** JSON with sorted keys: the same body always gives the same text. */
function stable(v) {
  if (v === undefined) return 'null'
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`
}

/** FNV-1a (32 bit) of the body's stable text, twice with different seeds: a short fingerprint. */
function fingerprint(body) {
  const text = stable(body)
  let a = 0x811c9dc5
  let b = 0x01000193 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193) >>> 0
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0
  }
  return a.toString(16) + b.toString(16)
}

/**
 * One key per logical operation and body ("submit:12", "create-application" + the body), kept until
 * the operation succeeds: a citizen who taps "重试" after a network failure sends the same body with the
 * same key, so the server answers with the first result instead of creating a second one. An edited
 * body is another request and gets another key (the server refuses a key reused with another body).
 */
const pending = new Map()

function keyFor(operation, body) {
  const k = body === undefined ? operation : `${operation}#${fingerprint(body)}`
  if (!pending.has(k)) pending.set(k, newIdempotencyKey())
  return pending.get(k)
}

/** The operation succeeded: forget its keys (for every body it was tried with). */
function release(operation) {
  Array.from(pending.keys()).forEach((k) => {
    if (k === operation || k.indexOf(`${operation}#`) === 0) pending.delete(k)
  })
}

module.exports = { newIdempotencyKey, keyFor, release, fingerprint, stable, _pending: pending }
