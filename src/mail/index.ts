// Public API of the pure part of the mail bridge (no database, no network).
export { parseMail, sanitiseFilename } from './parse-mail.js';
export { stripReply, type StrippedReply } from './strip-reply.js';
export { htmlToText } from './html-to-text.js';
export { autoMailPolicy, detectBounce, isBulk, type AutoMailPolicy, type BounceInfo } from './classify.js';
export {
  baseAddress,
  isOwnAddress,
  makeMessageId,
  normaliseAddress,
  subjectWithTicketToken,
  ticketNumberFromPlusAddress,
  ticketNumberFromSubject,
} from './addresses.js';
export { LOOP_HEADER_NAMES, parseMessageIds } from './headers.js';
export type { MailAddress, MailAttachment, MailHeaders, ParsedMail } from './types.js';
