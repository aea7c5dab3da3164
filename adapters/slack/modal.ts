// The "Ticket actions" message shortcut: a modal with the common changes, turned back into the
// same command lines an agent could type (`status waiting`, `assign <@U…>`…), so the core has
// one grammar to parse whatever the path.
import type { types } from '@slack/bolt';

export const SHORTCUT_CALLBACK_ID = 'ticket_actions';
export const MODAL_CALLBACK_ID = 'ticket_actions_modal';

export interface ModalContext {
  channelId: string;
  threadId: string;
}

const STATUS_OPTIONS: Array<[label: string, command: string]> = [
  ['Open', 'status open'],
  ['In progress', 'status in_progress'],
  ['Waiting', 'status waiting'],
  ['Close', 'close'],
  ['Reopen', 'reopen'],
  ['Spam', 'spam'],
];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

function option(label: string, value: string): types.PlainTextOption {
  return { text: { type: 'plain_text', text: label }, value };
}

export function buildTicketModal(context: ModalContext): types.ModalView {
  return {
    type: 'modal',
    callback_id: MODAL_CALLBACK_ID,
    // Slack hands this back untouched in view_submission: it tells us which thread the modal is for.
    private_metadata: JSON.stringify(context),
    title: { type: 'plain_text', text: 'Ticket actions' },
    submit: { type: 'plain_text', text: 'Apply' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input', block_id: 'status', optional: true, label: { type: 'plain_text', text: 'Status' },
        element: { type: 'static_select', action_id: 'status', options: STATUS_OPTIONS.map(([l, c]) => option(l, c)) },
      },
      {
        type: 'input', block_id: 'assignee', optional: true, label: { type: 'plain_text', text: 'Assignee' },
        element: { type: 'users_select', action_id: 'assignee' },
      },
      {
        type: 'input', block_id: 'priority', optional: true, label: { type: 'plain_text', text: 'Priority' },
        element: { type: 'static_select', action_id: 'priority', options: PRIORITIES.map((p) => option(p, p)) },
      },
      {
        type: 'input', block_id: 'transfer', optional: true, label: { type: 'plain_text', text: 'Transfer to department' },
        element: { type: 'plain_text_input', action_id: 'transfer', max_length: 100 },
      },
    ],
  };
}

export function parseModalContext(privateMetadata: string | undefined): ModalContext | null {
  try {
    const parsed: unknown = JSON.parse(privateMetadata ?? '');
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { channelId, threadId } = parsed as Record<string, unknown>;
    return typeof channelId === 'string' && typeof threadId === 'string' ? { channelId, threadId } : null;
  } catch {
    return null;
  }
}

interface StateValue {
  selected_option?: { value?: string } | null;
  selected_user?: string | null;
  value?: string | null;
}
type StateValues = Record<string, Record<string, StateValue | undefined> | undefined>;

/**
 * Commands in the order that keeps each one meaningful: assign before a status change (which may
 * release the assignment) and transfer last (the actor may lose access with it).
 */
export function commandsFromSubmission(values: StateValues): string[] {
  const commands: string[] = [];
  const assignee = values.assignee?.assignee?.selected_user;
  if (assignee && /^[UW][A-Z0-9]+$/.test(assignee)) commands.push(`assign <@${assignee}>`);
  const status = values.status?.status?.selected_option?.value;
  if (status && STATUS_OPTIONS.some(([, c]) => c === status)) commands.push(status);
  const priority = values.priority?.priority?.selected_option?.value;
  if (priority && PRIORITIES.includes(priority)) commands.push(`priority ${priority}`);
  const transfer = values.transfer?.transfer?.value?.replace(/\s+/g, ' ').trim();
  if (transfer) commands.push(`transfer ${transfer}`);
  return commands;
}
