/**
 * WeChat's own compilers (wcc for WXML, wcsc for WXSS, from miniprogram-compiler) accept every
 * template and style sheet: the simulator's parser is more lenient than the real one in places.
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { wxmlToJs, wxssToJs } = require('miniprogram-compiler')

const ROOT = path.resolve(__dirname, '../..')

function copyProject() {
  // only the shipped sources (node_modules and tests stay out of the compiler's scan)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-compile-'))
  ;['pages', 'components', 'app.wxss'].forEach((name) => fs.cpSync(path.join(ROOT, name), path.join(dir, name), { recursive: true }))
  return dir
}

test('wcc compiles every WXML file', () => {
  const dir = copyProject()
  const js = wxmlToJs(dir)
  const app = require(path.join(ROOT, 'app.json'))
  app.pages.forEach((p) => expect(js).toContain(`${p}.wxml`))
  fs.rmSync(dir, { recursive: true, force: true })
})

test('wcc reports a broken template (the check can fail)', () => {
  const dir = copyProject()
  fs.appendFileSync(path.join(dir, 'pages/index/index.wxml'), '<view>{{broken </view')
  expect(() => wxmlToJs(dir)).toThrow(/index\.wxml/)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('wcsc compiles every WXSS file', () => {
  const dir = copyProject()
  const js = wxssToJs(dir)
  expect(js).toContain('pages/status/status.wxss')
  fs.rmSync(dir, { recursive: true, force: true })
})
