// Matrix adapter: construct with `new MatrixAdapter({ homeserverUrl, accessToken, store, rooms })`
// and hand it to the core like any ChatAdapter. Encrypted rooms are not supported (see
// vendor/matrix-sdk-crypto-stub/README.md): the adapter logs it and `doctor` reports it.
export { MatrixAdapter, type MatrixAdapterOptions } from './adapter.js';
export { MatrixCallError, type CallQueueOptions } from './calls.js';
export { loginWithPassword, type MatrixLogin } from './login.js';
export { ENCRYPTED_ROOM_HELP, type DoctorFinding } from './doctor.js';
export { reactionKeyToUnicode } from './emoji.js';
export { CARD_BUTTONS, CARD_MARKER, escapeHtml, markdownToHtml, renderCard, renderMessage, renderNotice } from './format.js';
export { parseCommand } from './inbound.js';
export type { LogSink } from '../log-sink.js';
export { memoryStore, syncTokenKey, type KeyValueStore } from './storage.js';
