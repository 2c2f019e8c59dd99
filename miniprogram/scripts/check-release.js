#!/usr/bin/env node
/**
 * Run before uploading a trial or release version (npm run check:release): fails when config.js has no
 * https RELEASE_BASE_URL of the centre (the development address can never ship: utils/api.js refuses
 * to send anything from a release build without one), or when DEV_LOGIN_CODE is set.
 */
const path = require('path')

function check(config) {
  const { releaseUrlProblem } = require('../utils/api')
  const problems = []
  const p = releaseUrlProblem(String(config.RELEASE_BASE_URL || '').replace(/\/+$/, ''))
  if (p) problems.push(p)
  if (config.DEV_LOGIN_CODE) problems.push('DEV_LOGIN_CODE must be empty in a release')
  return problems
}

if (require.main === module) {
  const problems = check(require(path.join(__dirname, '..', 'config.js')))
  if (problems.length) {
    console.error(`not ready for release:\n- ${problems.join('\n- ')}`)
    process.exit(1)
  }
  console.log('config.js is ready for release')
}

module.exports = { check }
