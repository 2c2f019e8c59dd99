const format = require('../../utils/format')
const { api } = require('../../utils/api')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { items: [], page: 1, hasMore: false, loaded: false },
  methods: {
    async onLoad() {
      await this.load(1)
    },
    async onPullDownRefresh() {
      await this.load(1)
      wx.stopPullDownRefresh()
    },
    async load(page) {
      const res = await this.run(() => api().listApplications({ page }))
      if (!res) return null
      const items = (res.items || []).map((a) => Object.assign({}, a, { created: format.dateTime(a.created_at) }))
      const all = page === 1 ? items : this.data.items.concat(items)
      const total = res.total != null ? res.total : all.length
      this.setData({ items: all, page, hasMore: all.length < total, loaded: true })
      return res
    },
    more() { return this.load(this.data.page + 1) },
    open(e) {
      wx.navigateTo({ url: `/pages/status/status?id=${e.currentTarget.dataset.id}` })
    },
    goApply() { wx.navigateTo({ url: '/pages/apply/apply' }) },
  },
})
