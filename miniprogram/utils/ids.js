/** Random request ids for the Idempotency-Key header (no crypto in every base library version). */
function randomHex(n) {
  let s = ''
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16)
  return s
}

function newIdempotencyKey() {
  return `mp-${Date.now().toString(36)}-${randomHex(20)}`
}

/**
 * One key per logical operation ("submit:12", "upload:12:id_front"), kept until the operation
 * succeeds: a citizen who taps "重试" after a network failure sends the same key, so the server
 * answers with the first result instead of creating a second one.
 */
const pending = new Map()

function keyFor(operation) {
  if (!pending.has(operation)) pending.set(operation, newIdempotencyKey())
  return pending.get(operation)
}

function release(operation) {
  pending.delete(operation)
}

module.exports = { newIdempotencyKey, keyFor, release, _pending: pending }
