const format = require('../../utils/format')
const ids = require('../../utils/ids')
const subscribe = require('../../utils/subscribe')
const { api } = require('../../utils/api')

Component({
  behaviors: [require('../../behaviors/page')],
  data: { id: null, reasons: '', decision: '', objectionDue: '', done: null, photos: [] },
  methods: {
    async onLoad(query) {
      this.setData({ id: Number(query.id) })
      subscribe.loadConfig()
      const app = await this.run(() => api().getApplication(this.data.id))
      if (app) {
        const dl = app.deadlines || {}
        this.setData({
          decision: `${app.status_label}${app.decision_reason ? `：${app.decision_reason}` : ''}`,
          objectionDue: format.date(dl.objection_due),
        })
      }
    },
    /** Photos for the objection: uploaded at once as kind "other" (allowed after a refusal or termination). */
    addPhotos() {
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: 9 - this.data.photos.length,
          mediaType: ['image'],
          sourceType: ['camera', 'album'],
          sizeType: ['compressed'],
          success: async (res) => {
            const start = this.data.photos.length
            const added = res.tempFiles.map((f) => ({ path: f.tempFilePath, state: 'uploading', progress: 0, id: null }))
            this.setData({ photos: this.data.photos.concat(added) })
            await Promise.all(added.map((p, i) => this.uploadPhoto(start + i)))
            resolve(this.data.photos)
          },
          fail: () => resolve(null),
        })
      })
    },
    async uploadPhoto(index) {
      const photo = this.data.photos[index]
      const op = `objection-photo:${this.data.id}:${photo.path}`
      try {
        const doc = await api().uploadDocument({
          applicationId: this.data.id, kind: 'other', filePath: photo.path, idempotencyKey: ids.keyFor(op),
          onProgress: (p) => this.setData({ [`photos[${index}].progress`]: p }),
        })
        ids.release(op)
        this.setData({ [`photos[${index}].state`]: 'done', [`photos[${index}].id`]: doc.id })
      } catch (err) {
        this.setData({ [`photos[${index}].state`]: 'failed', error: err.message })
      }
    },
    removePhoto(e) {
      const photos = this.data.photos.slice()
      photos.splice(Number(e.currentTarget.dataset.index), 1)
      this.setData({ photos })
    },
    onReasons(e) {
      this.setData({ reasons: e.detail.value, fieldErrors: {} })
    },
    async submit() {
      const reasons = this.data.reasons.trim()
      if (reasons.length < 10) {
        this.setData({ fieldErrors: { reasons: '请填写异议理由（至少 10 个字）' }, error: '请填写异议理由' })
        return null
      }
      if (this.data.photos.some((p) => p.state !== 'done')) {
        this.setData({ fieldErrors: { document_ids: '有照片未上传成功，请删除后重新添加' }, error: '请处理未上传成功的照片' })
        return null
      }
      const consent = subscribe.consent('objection') // the bureau's answer and later letters come as subscribe messages
      this.clearErrors()
      const op = `objection:${this.data.id}`
      const res = await this.run(async () => {
        await consent
        const body = { reasons, document_ids: this.data.photos.map((p) => p.id) }
        return api().object(this.data.id, body, ids.keyFor(op, body)) // an edited reason is a new request
      })
      if (!res) return null
      ids.release(op)
      this.setData({ done: { decideBy: format.date(res.decide_by) } })
      return res
    },
  },
})
