/** Render a page (built with Component()) with miniprogram-simulate, with app.json's global components. */
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '../..')
const appJson = require(path.join(ROOT, 'app.json'))

function renderPage(name, options = {}) {
  const id = simulate.load(path.join(ROOT, 'pages', name, name), {
    rootPath: ROOT,
    usingComponents: Object.assign({}, appJson.usingComponents),
    compiler: options.compiler || 'simulate',
  })
  const comp = simulate.render(id)
  const parent = document.createElement('parent-wrapper')
  comp.attach(parent)
  return comp
}

function renderComponent(rel, props) {
  const id = simulate.load(path.join(ROOT, rel), { rootPath: ROOT, compiler: 'simulate' })
  const comp = simulate.render(id, props)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** Let pending promises and 0 ms timers run. */
const flush = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0))
}

const text = (comp) => comp.dom.textContent.replace(/\s+/g, ' ')

module.exports = { renderPage, renderComponent, flush, text, ROOT, simulate }
