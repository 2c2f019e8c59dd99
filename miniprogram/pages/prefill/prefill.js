const labels = require('../../utils/labels')
const { api } = require('../../utils/api')
const consents = require('../../utils/consents')

function rowsFrom(prefill) {
  return Object.keys(prefill.fields || {}).map((field) => {
    const f = prefill.fields[field]
    const s = f.suggestion || {}
    return {
      field,
      label: labels.PREFILL_FIELDS[field] || field,
      suggestion: s.value,
      confidence: Math.round((s.confidence || 0) * 100),
      current: f.current || '',
      state: f.state,
      disagree: !!f.documents_disagree,
      // a value the citizen typed is never replaced unless they choose to
      // a confirmed value stays unless the citizen corrects it (it is editable like any other)
      choice: f.state === 'confirmed' ? 'keep'
        : (f.state === 'suggested' || f.state === 'same' ? 'accept' : (f.state === 'differs' ? 'skip' : 'accept')),
      corrected: f.current || s.value || '',
    }
  })
}

Component({
  behaviors: [require('../../behaviors/page')],
  data: { id: null, rows: [], warnings: [], pending: false, loaded: false },
  methods: {
    async onLoad(query) {
      this.setData({ id: Number(query.id) })
      await this.reload()
    },
    async reload() {
      const p = await this.run(() => api().getPrefill(this.data.id))
      if (!p) return null
      const warnings = []
      ;(p.documents || []).forEach((d) => (d.warnings || []).forEach((w) => {
        const kind = labels.DOCUMENT_KINDS[d.kind] ? labels.DOCUMENT_KINDS[d.kind].label : d.kind
        warnings.push(`${kind}：${labels.PHOTO_WARNINGS[w] || '照片质量不佳，建议重新拍摄'}`)
      }))
      this.setData({ rows: rowsFrom(p), warnings, pending: (p.pending || []).length > 0, loaded: true })
      return p
    },
    onChoice(e) {
      const i = this.data.rows.findIndex((r) => r.field === e.currentTarget.dataset.field)
      this.setData({ [`rows[${i}].choice`]: e.detail.value })
    },
    onCorrect(e) {
      const i = this.data.rows.findIndex((r) => r.field === e.currentTarget.dataset.field)
      this.setData({ [`rows[${i}].corrected`]: e.detail.value })
    },
    reshoot() {
      wx.navigateBack()
    },
    /** Accepted suggestions → prefill/confirm; corrected values → the draft (same validation as typing). */
    async confirm() {
      this.clearErrors()
      const open = this.data.rows.filter((r) => r.state !== 'confirmed')
      const accepted = open.filter((r) => r.choice === 'accept').map((r) => r.field)
      const corrected = {}
      // corrections of open and of already confirmed rows alike go to the draft (same validation as typing)
      this.data.rows.filter((r) => r.choice === 'correct').forEach((r) => { corrected[r.field] = r.corrected.trim() || null })
      const done = await this.run(async () => {
        // the ID number is sensitive: its separate consent before it is copied into the draft
        const sensitive = accepted.concat(Object.keys(corrected).filter((f) => corrected[f]))
          .filter((f) => consents.FIELD_KIND[f])
        for (const f of sensitive) {
          if (!(await consents.ensure(consents.FIELD_KIND[f]))) {
            const e = new Error('未同意收集该敏感个人信息：请将该项改为“暂不采用”，或先同意')
            e.fields = { [f]: '未同意收集该敏感个人信息' }
            throw e
          }
        }
        if (Object.keys(corrected).length) await api().updateApplication(this.data.id, corrected)
        if (accepted.length) await api().confirmPrefill(this.data.id, accepted)
        return true
      })
      if (!done) return null
      wx.redirectTo({ url: `/pages/apply/apply?id=${this.data.id}` })
      return { accepted, corrected }
    },
  },
})
