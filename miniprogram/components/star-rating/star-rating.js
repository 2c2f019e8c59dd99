/** 1–5 stars; each star is a large tap target with a spoken label. Emits `change` with {value}. */
Component({
  options: { addGlobalClass: true },
  properties: {
    label: { type: String, value: '' },
    value: { type: Number, value: 0 },
  },
  data: {
    texts: { 1: '非常不满意', 2: '不满意', 3: '一般', 4: '满意', 5: '非常满意' },
  },
  methods: {
    pick(e) {
      const value = Number(e.currentTarget.dataset.value)
      this.setData({ value })
      this.triggerEvent('change', { value })
    },
  },
})
