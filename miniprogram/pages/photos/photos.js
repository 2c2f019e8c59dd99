const labels = require('../../utils/labels')
const ids = require('../../utils/ids')
const { api } = require('../../utils/api')
const consents = require('../../utils/consents')

const SLOTS = [
  { kind: 'id_front', required: true },
  { kind: 'id_back', required: true },
  { kind: 'hukou_home', required: false },
  { kind: 'hukou_member', required: false },
  { kind: 'hardship_proof', required: false },
  { kind: 'judgment', required: false },
]
const POLL_MS = 1500
const POLL_MAX = 20

function prompts(doc) {
  if (!doc) return []
  return (doc.warnings || []).map((w) => labels.PHOTO_WARNINGS[w] || '照片质量不佳，建议重新拍摄')
}

Component({
  behaviors: [require('../../behaviors/page')],
  data: {
    id: null,
    slots: SLOTS.map((s) => Object.assign({}, s, labels.DOCUMENT_KINDS[s.kind], {
      doc: null, prompts: [], uploading: false, progress: 0, error: '', pendingPath: '', retryable: false,
    })),
  },
  methods: {
    async onLoad(query) {
      this.setData({ id: Number(query.id) })
      const docs = await this.run(() => api().listDocuments(this.data.id))
      ;(docs || []).forEach((d) => this.setDoc(d))
    },
    slotIndex(kind) {
      return this.data.slots.findIndex((s) => s.kind === kind)
    },
    setSlot(kind, values) {
      const i = this.slotIndex(kind)
      if (i < 0) return
      const update = {}
      Object.keys(values).forEach((k) => { update[`slots[${i}].${k}`] = values[k] })
      this.setData(update)
    },
    setDoc(doc) {
      this.setSlot(doc.kind, { doc, prompts: prompts(doc) })
    },
    /** wx.chooseMedia → upload; a failed upload keeps the photo so "重试上传" sends it again. */
    shoot(e) {
      const kind = e.currentTarget.dataset.kind
      const slot = this.data.slots[this.slotIndex(kind)]
      // a photo lost to the network is sent again (same key); one the server refused is not: a new one is chosen
      if (slot.error && slot.pendingPath && slot.retryable) return this.upload(kind, slot.pendingPath)
      return this.consentFor(kind).then((ok) => (ok ? this.choose(kind) : null))
    },
    /** ID-card and household-register photos, income proof: the separate consent, asked before the photo. */
    async consentFor(kind) {
      const needed = consents.DOCUMENT_KIND[kind]
      if (!needed) return true
      try {
        await consents.load()
      } catch (err) {
        return true // the texts cannot be read now: the server still refuses the photo without the consent
      }
      try {
        if (await consents.ensure(needed)) return true
      } catch (err) {
        this.showError(err)
        return false
      }
      this.setSlot(kind, { error: '未同意收集该类敏感个人信息，无法上传此材料；可改为到法律援助中心现场提交' })
      return false
    },
    choose(kind) {
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: 1,
          mediaType: ['image'],
          sourceType: ['camera', 'album'],
          sizeType: ['compressed'],
          camera: 'back',
          success: (res) => resolve(this.upload(kind, res.tempFiles[0].tempFilePath, true)),
          fail: () => resolve(null), // cancelled
        })
      })
    },
    async upload(kind, filePath, fresh) {
      const op = `upload:${this.data.id}:${kind}`
      if (fresh) ids.release(op) // a new photo is a new request; a retry of the same photo keeps its key
      this.setSlot(kind, { uploading: true, progress: 0, error: '', pendingPath: filePath })
      try {
        const doc = await api().uploadDocument({
          applicationId: this.data.id, kind, filePath, idempotencyKey: ids.keyFor(op),
          onProgress: (p) => this.setSlot(kind, { progress: p }),
        })
        ids.release(op)
        this.setSlot(kind, { uploading: false, progress: 100, pendingPath: '' })
        this.setDoc(doc)
        if (doc.status === 'ocr_pending') await this.poll(doc.id)
        return doc
      } catch (err) {
        // network failure or server unavailable: "重试上传" sends the same photo again; a refusal (invalid
        // image, too large, 4xx) forgets it, so the next tap takes a new photo
        const retryable = !!(err.network || err.status >= 500 || err.status === 429)
        this.setSlot(kind, { uploading: false, retryable, pendingPath: retryable ? filePath : '',
                             error: err.fields && err.fields.file ? err.fields.file : err.message })
        if (!retryable) ids.release(op)
        if (err.code === 'login_required') this.showError(err)
        return null
      }
    },
    /** OCR runs in the background: ask again until the photo's warnings are known. */
    async poll(documentId) {
      for (let i = 0; i < POLL_MAX; i++) {
        await new Promise((r) => setTimeout(r, this.pollMs || POLL_MS))
        let doc
        try {
          doc = await api().getDocument(documentId)
        } catch (e) {
          return null
        }
        this.setDoc(doc)
        if (doc.status !== 'ocr_pending') return doc
      }
      return null
    },
    next() {
      const missing = this.data.slots.filter((s) => s.required && !s.doc).map((s) => s.label)
      if (missing.length) {
        this.setData({ error: `请先拍摄：${missing.join('、')}` })
        return
      }
      wx.navigateTo({ url: `/pages/prefill/prefill?id=${this.data.id}` })
    },
  },
})
