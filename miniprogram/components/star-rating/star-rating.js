/** 1–5 stars; each star is a large tap target with a spoken label. Emits `change` with {value}. */
const starsFor = (value) => [1, 2, 3, 4, 5].map((n) => ({ n, on: n <= value }))

Component({
  options: { addGlobalClass: true },
  properties: {
    label: { type: String, value: '' },
    value: { type: Number, value: 0 },
  },
  data: {
    stars: starsFor(0),
    texts: { 1: '非常不满意', 2: '不满意', 3: '一般', 4: '满意', 5: '非常满意' },
  },
  observers: {
    value(v) {
      this.setData({ stars: starsFor(v) })
    },
  },
  methods: {
    pick(e) {
      const value = Number(e.currentTarget.dataset.value)
      this.setData({ value })
      this.triggerEvent('change', { value })
    },
  },
})
