const labels = require('../../utils/labels')
const format = require('../../utils/format')
const ids = require('../../utils/ids')
const subscribe = require('../../utils/subscribe')
const rules = require('../../utils/rules')
const screen = require('../../utils/screen')
const { api } = require('../../utils/api')
const consents = require('../../utils/consents')

const TEXT_FIELDS = ['applicant_name', 'sex', 'ethnicity', 'birth_date', 'id_number', 'phone', 'hukou_address',
  'current_address', 'occupation', 'category', 'description', 'opposing_party', 'court', 'case_number',
  'legal_deadline', 'urgency_reason', 'hardship_category', 'hardship_statement', 'service_type',
  'home_visit_address', 'home_visit_reason']
const BOOL_FIELDS = ['mobility_impaired', 'home_visit_requested']

function emptyForm() {
  const f = {}
  TEXT_FIELDS.forEach((k) => { f[k] = '' })
  BOOL_FIELDS.forEach((k) => { f[k] = false })
  return f
}

Component({
  behaviors: [require('../../behaviors/page')],
  data: {
    id: null,
    reference: '',
    form: emptyForm(),
    sexes: labels.SEXES,
    categories: labels.CATEGORIES,
    hardships: labels.HARDSHIP_CATEGORIES,
    serviceTypes: labels.SERVICE_TYPES,
    sexIndex: -1,
    categoryIndex: -1,
    hardshipIndex: -1,
    serviceIndex: -1,
    today: format.today(),
    deadlineHint: '',
    scr: screen.state(rules.FALLBACK),
    commitment: rules.FALLBACK.integrity_commitment,
    committed: false,
    screen: null,
  },
  lifetimes: {
    created() {
      this.keepStateOnLogin = true // what was typed stays when the citizen comes back from logging in
    },
  },
  methods: {
    async onLoad(query) {
      query = query || {}
      const [r] = await Promise.all([rules.load(), subscribe.loadConfig()])
      this.rules = r
      this.setData({ commitment: r.integrity_commitment || rules.FALLBACK.integrity_commitment })
      const last = query.from === 'eligibility' ? wx.getStorageSync('eligibility.last') : null
      if (last && last.result) {
        const label = labels.ELIGIBILITY_RESULTS[last.result.result]
        this.setData({ screen: { label: label ? label.label : last.result.result }, scr: screen.state(r, last.input) })
      } else {
        this.setData({ scr: screen.state(r) })
      }
      if (query.id) await this.load(Number(query.id))
    },
    async load(id) {
      const app = await this.run(() => api().getApplication(id))
      if (!app) return
      if (app.status !== 'draft') {
        wx.redirectTo({ url: `/pages/status/status?id=${id}` })
        return
      }
      const form = emptyForm()
      TEXT_FIELDS.forEach((k) => { form[k] = app[k] == null ? '' : String(app[k]) })
      BOOL_FIELDS.forEach((k) => { form[k] = !!app[k] })
      this.setData({ id, reference: app.reference || '', form })
      this.saved = this.payload() // what the server holds: only what the citizen changes is sent
      this.syncPickers()
      // the answers and the commitment kept with the draft (GET …/eligibility), as the citizen left them
      try {
        const kept = await api().getScreen(id)
        if (kept && kept.source === 'citizen' && kept.input) {
          const c = kept.integrity_commitment
          this.setData({ scr: screen.state(this.rules || rules.FALLBACK, kept.input),
                         committed: !!(c && c.version === this.data.commitment.version) })
        }
      } catch (e) { /* the questions stay empty; the citizen answers them again */ }
    },
    syncPickers() {
      const f = this.data.form
      const serviceIndex = labels.SERVICE_TYPES.findIndex((s) => s.value === f.service_type)
      this.setData({
        sexIndex: labels.SEXES.indexOf(f.sex),
        categoryIndex: labels.CATEGORIES.indexOf(f.category),
        hardshipIndex: labels.HARDSHIP_CATEGORIES.indexOf(f.hardship_category),
        serviceIndex,
        deadlineHint: this.deadlineHint(f.legal_deadline),
      })
    },
    deadlineHint(date) {
      const days = format.daysUntil(date)
      if (days === null) return '如有上诉、起诉等期限，请务必填写，期限临近的案件优先办理'
      if (days < 0) return '该日期已过，请核对'
      if (days <= 3) return `距期限仅剩 ${days} 天：将作为紧急案件优先处理`
      if (days < 7) return `距期限不足 7 天：可申请先行提供法律援助，材料可以事后补交`
      return `距期限还有 ${days} 天`
    },
    setField(field, value) {
      const fieldErrors = Object.assign({}, this.data.fieldErrors)
      delete fieldErrors[field] // the citizen is correcting it: hide the old message
      this.setData({ [`form.${field}`]: value, fieldErrors })
    },
    onInput(e) {
      this.setField(e.currentTarget.dataset.field, e.detail.value)
    },
    onSwitch(e) {
      this.setField(e.currentTarget.dataset.field, !!e.detail.value)
    },
    onPick(e) {
      const { field, options } = e.currentTarget.dataset
      const index = Number(e.detail.value)
      this.setField(field, this.data[options][index])
      this.syncPickers()
    },
    onService(e) {
      const index = Number(e.detail.value)
      this.setField('service_type', labels.SERVICE_TYPES[index].value)
      this.syncPickers()
    },
    onDeadline(e) {
      this.setField('legal_deadline', e.detail.value)
      this.syncPickers()
    },
    clearDeadline() {
      this.setField('legal_deadline', '')
      this.setField('urgency_reason', '')
      this.syncPickers()
    },
    onMatter(e) {
      this.clearField('matter')
      this.setData({ 'scr.matterIndex': Number(e.detail.value) })
    },
    onSituations(e) {
      this.setData({ 'scr.situations': screen.toggle(this.data.scr.situations, e.detail.value) })
      this.updateAskIncome()
    },
    onGroups(e) {
      this.setData({ 'scr.groups': screen.toggle(this.data.scr.groups, e.detail.value) })
      this.updateAskIncome()
    },
    updateAskIncome() {
      const d = this.data.scr
      this.setData({ 'scr.askIncome': !(d.situations.some((x) => x.checked) || d.groups.some((x) => x.checked)) })
    },
    onScreenInput(e) {
      const field = e.currentTarget.dataset.field
      this.clearField(field)
      this.setData({ [`scr.${field}`]: e.detail.value })
    },
    clearField(field) {
      if (!this.data.fieldErrors[field]) return
      const fieldErrors = Object.assign({}, this.data.fieldErrors)
      delete fieldErrors[field]
      this.setData({ fieldErrors })
    },
    onCommit(e) {
      const fieldErrors = Object.assign({}, this.data.fieldErrors)
      delete fieldErrors.integrity_commitment
      this.setData({ committed: (e.detail.value || []).indexOf('yes') >= 0, fieldErrors })
    },
    /** The body the API takes: empty text → null (clears the field), booleans as they are. */
    payload() {
      const f = this.data.form
      const body = {}
      TEXT_FIELDS.forEach((k) => {
        const v = typeof f[k] === 'string' ? f[k].trim() : f[k]
        body[k] = v === '' ? null : v
      })
      BOOL_FIELDS.forEach((k) => { body[k] = !!f[k] })
      return body
    },
    /**
     * Only the fields the citizen changed on this page since it was loaded or last saved: a form left
     * open in the page stack never sends its stale (or empty) values over what was confirmed elsewhere
     * (the prefill review, another form page).
     */
    changes(body) {
      const saved = this.saved || {}
      const out = {}
      Object.keys(body).forEach((k) => {
        if (!(k in saved) || saved[k] !== body[k]) out[k] = body[k]
      })
      return out
    },
    /**
     * The separate consent for a sensitive field (ID number, income), asked when the citizen starts filling
     * it in; declined, the field is emptied and the message stays at it.
     */
    async onSensitiveFocus(e) {
      const field = e.currentTarget.dataset.field
      const kind = consents.FIELD_KIND[field]
      if (!kind) return true
      let ok = false
      try {
        ok = await consents.ensure(kind)
      } catch (err) {
        this.showError(err)
        return false
      }
      if (!ok) this.refuseField(field)
      return ok
    },
    refuseField(field) {
      const msg = '未同意收集该敏感个人信息，此项不能在线填写；可留空，到法律援助中心现场提供'
      if (field in this.data.form) this.setData({ [`form.${field}`]: '' })
      else this.setData({ [`scr.${field}`]: '' })
      this.setData({ [`fieldErrors.${field}`]: msg })
    },
    /** Before a body with sensitive values is sent: every consent it needs (asked now if not given). */
    async consentsFor(body) {
      try {
        await consents.load()
      } catch (e) {
        return // the texts cannot be read now: the server still refuses what needs a consent (403 at the field)
      }
      for (const kind of consents.neededFor(body)) {
        if (!(await consents.ensure(kind))) {
          const fields = {}
          Object.keys(body).filter((f) => consents.FIELD_KIND[f] === kind && body[f]).forEach((f) => {
            fields[f] = '未同意收集该敏感个人信息，请清空此项或先同意'
          })
          const e = new Error('请先同意收集敏感个人信息，或清空相应内容')
          e.fields = fields
          throw e
        }
      }
    },
    onBirthDate(e) {
      this.setField('birth_date', e.detail.value)
    },
    /**
     * Create the draft (once: the Idempotency-Key survives a network failure) or update it; then
     * keep the eligibility answers and the integrity commitment with it (PUT …/eligibility).
     */
    async save() {
      const body = this.payload()
      await this.consentsFor(this.data.id ? this.changes(body) : body)
      let app
      if (!this.data.id) {
        // the key follows the body: a retry of the same body replays, an edited body is a new request
        const op = 'create-application'
        app = await api().createApplication(body, ids.keyFor(op, body))
        ids.release(op)
        this.saved = body
        this.setData({ id: app.id, reference: app.reference || '' })
      } else {
        const changes = this.changes(body)
        if (Object.keys(changes).length) {
          app = await api().updateApplication(this.data.id, changes)
          this.saved = Object.assign({}, this.saved, changes)
        } else {
          app = { id: this.data.id } // nothing changed here: the server keeps what it has
        }
      }
      const answers = screen.body(this.data.scr)
      if (answers.matter) {
        const local = screen.validate(answers)
        if (Object.keys(local).length) {
          const e = new Error('请按提示修改后再保存')
          e.fields = local
          throw e
        }
        if (this.data.committed) answers.integrity_commitment = { version: this.data.commitment.version, accepted: true }
        await this.consentsFor({ monthly_income: answers.monthly_income })
        await api().saveScreen(app.id, answers)
      }
      return app
    },
    async saveDraft() {
      this.clearErrors()
      const app = await this.run(() => this.save())
      if (app) wx.showToast({ title: '已保存', icon: 'success' })
      return app
    },
    async toPhotos() {
      this.clearErrors()
      const app = await this.run(() => this.save())
      if (app) wx.navigateTo({ url: `/pages/photos/photos?id=${app.id}` })
      return app
    },
    async submit() {
      this.clearErrors()
      const missing = {}
      if (this.data.scr.matterIndex === -1) missing.matter = '请选择申请法律援助的事项'
      if (this.data.scr.askIncome && !this.data.committed) missing.integrity_commitment = '因经济困难申请的，提交前请作出个人诚信承诺'
      if (Object.keys(missing).length) {
        this.setData({ error: '请按提示补充后再提交', fieldErrors: missing })
        return null
      }
      // consent first, straight from the tap (WeChat refuses it after an await): progress, photos to
      // re-shoot and the letters (a refusal letter starts the objection period)
      const consent = subscribe.consent('submit')
      const app = await this.run(async () => {
        await consent
        const saved = await this.save()
        const op = `submit:${saved.id}`
        const done = await api().submitApplication(saved.id, ids.keyFor(op))
        ids.release(op)
        return done
      })
      if (!app) return null
      wx.showToast({ title: '已提交', icon: 'success' })
      wx.redirectTo({ url: `/pages/status/status?id=${app.id}` })
      return app
    },
  },
})
