// The configuration the web tests run with: regions as departments (seed 001), a web channel for
// each, help topics with custom fields, a team of agents.
export const WEB_TEST_CONFIG = {
  agents: [
    { email: 'admin@verein.test', name: 'Ada Admin', role: 'admin' },
    { email: 'bert@verein.test', name: 'Bert Berlin', role: 'agent' },
    { email: 'lena@verein.test', name: 'Lena Locked', role: 'agent' },
  ],
  departments: [
    {
      id: 'berlin',
      name: 'Standort Berlin',
      emails: ['berlin@verein.test'],
      channels: { web: 'berlin' },
      members: [
        { agent: 'admin@verein.test', access: 'write' },
        { agent: 'bert@verein.test', access: 'write' },
        { agent: 'lena@verein.test', access: 'write' },
      ],
    },
    {
      id: 'hamburg',
      name: 'Standort Hamburg',
      emails: ['hamburg@verein.test'],
      channels: { web: 'hamburg' },
      members: [{ agent: 'admin@verein.test', access: 'write' }],
    },
  ],
  helpTopics: [
    { id: 'general', name: 'Allgemeine Anfrage' },
    {
      id: 'donation-request',
      name: 'Spendennachfrage',
      fields: [
        { id: 'laptop', label: 'Laptop', type: 'checkbox' },
        { id: 'proof', label: 'Berechtigungsnachweis', type: 'select', options: ['ja', 'nein'] },
        { id: 'pickup', label: 'Abholtermin', type: 'date' },
      ],
    },
  ],
  chat: { undoSeconds: 2 },
};
