/** Render a page (built with Component()) with miniprogram-simulate, with its own usingComponents. */
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '../..')

function renderPage(name, options = {}) {
  // simulate runs each component's js with require() and then drops it from require.cache, but
  // Jest keeps its own registry: reset it, or a component shared by two pages registers only once
  jest.resetModules()
  const id = simulate.load(path.join(ROOT, 'pages', name, name), {
    rootPath: ROOT,
    compiler: options.compiler || 'simulate',
  })
  const comp = simulate.render(id)
  const parent = document.createElement('parent-wrapper')
  comp.attach(parent)
  return comp
}

function renderComponent(rel, props) {
  jest.resetModules()
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
