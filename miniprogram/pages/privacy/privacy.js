const notice = require('../../utils/privacy-notice')
const privacy = require('../../utils/privacy')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { notice },
  methods: {
    openContract() { return privacy.openContract() },
  },
})
