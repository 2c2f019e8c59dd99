const { TOKEN_KEY } = require('../../utils/api')

function login(fake) {
  fake.setStorageSync(TOKEN_KEY, { access_token: 'A1', refresh_token: 'R1' })
}

function application(over = {}) {
  return Object.assign({
    id: 12, reference: 'FY20261201000012', status: 'draft', status_label: '草稿', is_urgent: false,
    applicant_name: '张三', sex: '男', ethnicity: null, birth_date: null, id_number: null, phone: '13800138000',
    hukou_address: null, current_address: null, occupation: null, mobility_impaired: false, category: '劳动争议',
    description: null, opposing_party: null, court: null, case_number: null, legal_deadline: null,
    urgency_reason: null, hardship_category: null, hardship_statement: null, service_type: 'advice',
    home_visit_requested: false, home_visit_address: null, home_visit_reason: null, assigned_lawyer: null,
    backfill: null, decision_reason: null,
    timeline: [{ id: 1, action: 'create', action_label: '创建申请', from_status: null, to_status: 'draft', actor_type: 'citizen',
                 actor_name: '申请人', note: null, created_at: '2026-12-01T02:00:00+00:00' }],
  }, over)
}

module.exports = { login, application }
