const labels = require('../../utils/labels')
const format = require('../../utils/format')
const ids = require('../../utils/ids')
const { api } = require('../../utils/api')

const subscribe = require('../../utils/subscribe')

const OBJECTABLE = ['rejected', 'terminated']
// while these last a notice to supplement or a decision letter can come: the page offers to receive it
const AWAITING = ['submitted', 'under_review', 'expedite_requested', 'expedite_approved', 'approved']

Component({
  behaviors: [require('../../behaviors/page')],
  data: { id: null, app: null, timeline: [], deadlines: [], letters: [], objections: [], backfill: null, can: {}, legalDeadline: '', objectionDue: '' },
  methods: {
    async onLoad(query) {
      query = query || {}
      this.setData({ id: Number(query.id) })
      subscribe.loadConfig()
      const app = await this.refresh()
      // a letter's subscribe message opens this page with tab=letters: show the letters
      if (app && query.tab === 'letters' && this.data.letters.length && wx.pageScrollTo) {
        wx.pageScrollTo({ selector: '#letters', duration: 0 })
      }
      return app
    },
    /** "接收办理通知": consent for the messages that can come while the case is decided (from the tap). */
    notifyMe() {
      return subscribe.consent('awaiting').then((res) => {
        const accepted = Object.keys(res).filter((k) => res[k] === 'accept').length
        wx.showToast({ title: accepted ? '已开启办理通知' : '未开启通知', icon: accepted ? 'success' : 'none' })
        return res
      })
    },
    async onPullDownRefresh() {
      await this.refresh()
      wx.stopPullDownRefresh()
    },
    async refresh() {
      const app = await this.run(() => api().getApplication(this.data.id))
      if (!app) return null
      if (OBJECTABLE.indexOf(app.status) >= 0) {
        try {
          app.objections = await api().objections(this.data.id)
        } catch (e) { app.objections = [] }
      }
      this.setData(this.view(app))
      return app
    },
    view(app) {
      const dl = app.deadlines || {}
      const deadlines = Object.keys(labels.DEADLINES).filter((k) => dl[k]).map((k) => {
        const days = format.daysUntil(dl[k])
        return { key: k, label: labels.DEADLINES[k], date: format.date(dl[k]), soon: days !== null && days <= 2 }
      })
      const allowed = app.allowed_actions || []
      // the server's counting rule (deadlines.rule), the same one its clocks, alerts and letters use
      const ruleText = labels.CLOCK_RULES[dl.rule] || labels.CLOCK_RULES.calendar
      // paused by the one-time notice: no review due date, the days still left
      const reviewPaused = !dl.review_due && dl.review_days_left != null && app.status !== 'draft'
      const bf = app.backfill
      return {
        app,
        legalDeadline: format.date(app.legal_deadline),
        timeline: (app.timeline || []).slice().reverse().map((e) => ({
          id: e.id,
          title: e.action_label || '办理进展', // the server's Chinese name of the event
          note: e.note || '',
          when: format.dateTime(e.created_at),
          actor: e.actor_name || '',
        })),
        deadlines,
        ruleText,
        reviewPaused: !!reviewPaused,
        reviewDaysLeft: dl.review_days_left,
        letters: (app.letters || []).map((l) => ({
          id: l.id, kind: l.kind, number: l.number, url: l.url, delivered: !!l.delivered_at,
          label: l.kind_label || labels.LETTER_KINDS[l.kind] || '法律文书',
          issued: format.dateTime(l.issued_at),
        })),
        backfill: bf ? { missing: bf.missing || [], overdue: !!bf.overdue, due: format.dateTime(bf.due_at) } : null,
        objectionDue: format.date(dl.objection_due),
        objections: (app.objections || []).map((o) => ({
          id: o.id, status: o.status, statusLabel: o.status_label || '', against: o.against_label || '',
          received: format.dateTime(o.received_at), decideBy: format.date(o.decide_by), note: o.decision_note || '',
        })),
        // the buttons follow what the server says the citizen may do now (allowed_actions)
        can: {
          edit: allowed.indexOf('edit') >= 0,
          upload: allowed.indexOf('upload') >= 0,
          rate: allowed.indexOf('rate') >= 0,
          object: allowed.indexOf('object') >= 0,
          withdraw: allowed.indexOf('withdraw') >= 0,
          notify: AWAITING.indexOf(app.status) >= 0,
        },
      }
    },
    async openLetter(e) {
      const letter = this.data.letters[Number(e.currentTarget.dataset.index)]
      wx.showLoading({ title: '正在打开' })
      try {
        await api().openLetter(letter)
        // the opening is the letter's delivery (送达): recorded once it was shown
        if (!letter.delivered) api().letterOpened(this.data.id, letter.id).catch(() => {})
      } catch (err) {
        if (err.status === 403) {
          // signed URLs expire after a few minutes: fetch fresh ones and try once more
          await this.refresh()
          const fresh = this.data.letters.find((l) => l.number === letter.number)
          try {
            if (fresh) await api().openLetter(fresh)
          } catch (err2) {
            this.showError(err2)
          }
        } else {
          this.showError(err)
        }
      } finally {
        wx.hideLoading()
      }
    },
    callLawyer() {
      wx.makePhoneCall({ phoneNumber: this.data.app.assigned_lawyer.phone, fail: () => {} })
    },
    toEdit() { wx.navigateTo({ url: `/pages/apply/apply?id=${this.data.id}` }) },
    toPhotos() { wx.navigateTo({ url: `/pages/photos/photos?id=${this.data.id}` }) },
    toRating() { wx.navigateTo({ url: `/pages/rating/rating?id=${this.data.id}` }) },
    toObjection() { wx.navigateTo({ url: `/pages/objection/objection?id=${this.data.id}` }) },
    toLawyer() { wx.navigateTo({ url: `/pages/lawyer/lawyer?id=${this.data.id}` }) },
    withdraw() {
      return new Promise((resolve) => {
        wx.showModal({
          title: '撤回申请',
          content: '撤回后本申请将不再办理，确定撤回吗？',
          confirmText: '撤回',
          success: async (res) => {
            if (!res.confirm) return resolve(null)
            const op = `withdraw:${this.data.id}`
            const app = await this.run(() => api().withdrawApplication(this.data.id, '申请人在小程序中撤回', ids.keyFor(op)))
            if (app) {
              ids.release(op)
              await this.refresh()
            }
            return resolve(app)
          },
          fail: () => resolve(null),
        })
      })
    },
  },
})
