// The configuration used when there is no threaddesk.yaml: one department, one admin.
export const DEMO_CONFIG = {
  agents: [{ email: 'admin@threaddesk.test', name: 'Demo Admin', role: 'admin' }],
  departments: [
    {
      id: 'support',
      name: 'Support',
      emails: ['support@threaddesk.test'],
      channels: { web: 'support' },
      members: [{ agent: 'admin@threaddesk.test', access: 'write' }],
    },
  ],
};
