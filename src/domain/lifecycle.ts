// The ticket lifecycle (SPEC §3) as one table. Every operation that may change or touch a ticket
// is a column; every status a row. A cell is the status the ticket moves to, KEEP (allowed, the
// status stays) or absent (refused, with the reason from REFUSALS).
import { DomainError } from './errors.js';

export const STATUSES = ['open', 'in_progress', 'waiting', 'closed', 'spam', 'archived', 'deleted'] as const;
export type Status = (typeof STATUSES)[number];
export type State = 'open' | 'closed' | 'archived' | 'deleted';

export const STATE_OF: Record<Status, State> = {
  open: 'open',
  in_progress: 'open',
  waiting: 'open',
  closed: 'closed',
  spam: 'closed',
  archived: 'archived',
  deleted: 'deleted',
};

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const OPERATIONS = [
  'claim',
  'release',
  'assign',
  'set_open',
  'set_in_progress',
  'wait',
  'close',
  'reopen',
  'spam',
  'archive',
  'delete',
  'transfer',
  'priority',
  'merge',
  'link',
  'cc',
  'field',
  'tag',
  'note',
  'reply',
  'customer_message',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const KEEP = 'keep' as const;
type Cell = Status | typeof KEEP;

const active = (to: Cell): Partial<Record<Status, Cell>> => ({ open: to, in_progress: to, waiting: to });
const editable: Partial<Record<Status, Cell>> = { ...active(KEEP), closed: KEEP, spam: KEEP, archived: KEEP };

export const TRANSITIONS: Record<Operation, Partial<Record<Status, Cell>>> = {
  claim: active('in_progress'),
  assign: active('in_progress'),
  release: { open: KEEP, in_progress: 'open', waiting: KEEP },
  set_open: { in_progress: 'open', waiting: 'open' },
  set_in_progress: { open: 'in_progress', waiting: 'in_progress' },
  wait: { open: 'waiting', in_progress: 'waiting' },
  close: active('closed'),
  reopen: { closed: 'open', spam: 'open', archived: 'open', deleted: 'open' },
  spam: { ...active('spam'), closed: 'spam' },
  archive: { closed: 'archived', spam: 'archived' },
  delete: { ...active('deleted'), closed: 'deleted', spam: 'deleted', archived: 'deleted' },
  transfer: { ...active(KEEP), closed: KEEP },
  priority: { ...active(KEEP), closed: KEEP },
  merge: { ...active('closed'), closed: KEEP },
  link: editable,
  cc: { ...active(KEEP), closed: KEEP },
  field: editable,
  tag: editable,
  note: editable,
  // The first public reply on an unclaimed ticket claims it (SPEC §3): open → in_progress.
  reply: { open: 'in_progress', in_progress: KEEP, waiting: KEEP, closed: KEEP },
  // A customer writing again reopens a closed ticket; spam stays spam.
  customer_message: { ...active(KEEP), closed: 'open', spam: KEEP },
};

/** Operations only admins may perform, whatever the ticket. */
export const ADMIN_ONLY: ReadonlySet<Operation> = new Set(['archive', 'delete']);
/** Statuses whose tickets only admins may touch at all. */
export const ADMIN_ONLY_STATUSES: ReadonlySet<Status> = new Set(['archived', 'deleted']);

const REFUSALS: Partial<Record<Status, string>> = {
  closed: 'it is closed; reopen it first',
  spam: 'it is marked as spam; reopen it first',
  archived: 'it is archived; reopen it first',
  deleted: 'it is deleted; an admin can reopen it',
};

const VERB: Record<Operation, string> = {
  claim: 'claim',
  release: 'release',
  assign: 'assign',
  set_open: 'set to open',
  set_in_progress: 'set to in_progress',
  wait: 'set to waiting',
  close: 'close',
  reopen: 'reopen',
  spam: 'mark as spam',
  archive: 'archive',
  delete: 'delete',
  transfer: 'transfer',
  priority: 'change the priority of',
  merge: 'merge',
  link: 'link',
  cc: 'change the CC of',
  field: 'set a field on',
  tag: 'tag',
  note: 'add a note to',
  reply: 'reply to',
  customer_message: 'add a customer message to',
};

export const isStatus = (s: string): s is Status => (STATUSES as readonly string[]).includes(s);
export const isPriority = (p: string): p is Priority => (PRIORITIES as readonly string[]).includes(p);

/** The status after `op`, or a DomainError('invalid_transition') saying why not. */
export function transition(op: Operation, from: Status): Status {
  const cell = TRANSITIONS[op][from];
  if (cell === undefined) {
    const why = REFUSALS[from] ?? `it is already ${from.replace('_', ' ')}`;
    throw new DomainError('invalid_transition', `Cannot ${VERB[op]} this ticket: ${why}.`);
  }
  return cell === KEEP ? from : cell;
}

/** Which operation `status <s>` means. */
export function operationForStatus(status: Status): Operation {
  const map: Record<Status, Operation> = {
    open: 'set_open',
    in_progress: 'set_in_progress',
    waiting: 'wait',
    closed: 'close',
    spam: 'spam',
    archived: 'archive',
    deleted: 'delete',
  };
  return map[status];
}
