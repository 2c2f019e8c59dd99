const ids = require('../../utils/ids')
const { api } = require('../../utils/api')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { id: null, stars: 0, attitude: 0, professionalism: 0, timeliness: 0, comment: '', done: null, previous: null },
  methods: {
    async onLoad(query) {
      this.setData({ id: Number(query.id) })
      // an earlier rating is shown; rating again is allowed while its callback is open (the server decides)
      try {
        const mine = await api().ratings(this.data.id)
        if (mine && mine.length) this.setData({ previous: mine[mine.length - 1] })
      } catch (e) { /* not fatal: the form still works */ }
    },
    onStars(e) {
      const field = e.currentTarget.dataset.field
      const fieldErrors = Object.assign({}, this.data.fieldErrors)
      delete fieldErrors[field]
      this.setData({ [field]: e.detail.value, fieldErrors })
    },
    onComment(e) {
      this.setData({ comment: e.detail.value })
    },
    async submit() {
      if (!this.data.stars) {
        this.setData({ fieldErrors: { stars: '请选择星级' }, error: '请先选择总体评价的星级' })
        return null
      }
      this.clearErrors()
      const d = this.data
      const body = { stars: d.stars, comment: d.comment.trim() || null }
      ;['attitude', 'professionalism', 'timeliness'].forEach((k) => { if (d[k]) body[k] = d[k] })
      const op = `rating:${d.id}`
      const res = await this.run(() => api().rate(d.id, body, ids.keyFor(op, body)))
      if (!res) return null
      ids.release(op)
      this.setData({ done: res })
      return res
    },
  },
})
