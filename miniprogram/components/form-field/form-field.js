/** A labelled form row: the label, the control (slot), a hint, and the server's message for the field. */
Component({
  options: { addGlobalClass: true },
  properties: {
    label: { type: String, value: '' },
    required: { type: Boolean, value: false },
    hint: { type: String, value: '' },
    error: { type: String, value: '' },
  },
})
