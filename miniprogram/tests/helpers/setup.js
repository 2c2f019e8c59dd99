// Every test starts with a fresh fake wx (tests replace it with their own) and no pending keys.
const { createFakeWx } = require('./fake-wx')

global.getCurrentPages = () => [{ route: 'pages/index/index' }]

beforeEach(() => {
  global.wx = createFakeWx()
  require('../../utils/ids')._pending.clear()
  require('../../utils/subscribe')._reset()
  require('../../utils/rules')._reset()
  require('../../utils/consents')._reset()
  require('../../utils/privacy')._reset()
})
