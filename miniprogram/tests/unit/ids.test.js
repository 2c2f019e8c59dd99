const ids = require('../../utils/ids')

test('one key per operation until it succeeds, then a new one', () => {
  const a = ids.keyFor('submit:1')
  expect(ids.keyFor('submit:1')).toBe(a)
  expect(ids.keyFor('submit:2')).not.toBe(a)
  ids.release('submit:1')
  expect(ids.keyFor('submit:1')).not.toBe(a)
})

test('keys are printable and at most 128 characters (the server\'s bound)', () => {
  const k = ids.newIdempotencyKey()
  expect(k).toMatch(/^[\x21-\x7e]{1,128}$/)
  expect(new Set(Array.from({ length: 200 }, () => ids.newIdempotencyKey())).size).toBe(200)
})
