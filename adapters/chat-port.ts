// The contract every chat platform implements (Slack, Discord, Matrix, the web console).
// Adapters translate both ways and know nothing of the database: outbound they render what
// they are given and return the platform's ids; inbound they turn platform events into the
// neutral values below and hand them to the handlers the core registered in start().

export type Platform = 'slack' | 'discord' | 'matrix' | 'web';

/** Where a ticket lives on one platform. Stored in `ticket_threads`. */
export interface ThreadRef {
  platform: Platform;
  channelId: string;
  /** The platform's thread id (Slack: the card's ts; Discord: thread channel id; Matrix: the card event id). */
  threadId: string;
  /** The id of the card message, edited in place on every change. */
  cardMessageId: string;
}

/** Everything the ticket card shows, already resolved to display values. */
export interface TicketCard {
  ticketId: number;
  number: string;
  /** Subject line as the customer wrote it (plain text, adapters escape it). */
  subject: string;
  requester: string;
  department: string;
  status: string;
  state: string;
  assignee: string | null;
  priority: string;
  topic: string | null;
  createdAt: Date;
  tags: string[];
  predictions?: Record<string, string>;
}

export interface ChatAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export type MessageKind = 'customer' | 'reply' | 'note' | 'event';

/** A history entry mirrored into a thread. `text` is our Markdown; adapters convert it. */
export interface OutboundMessage {
  kind: MessageKind;
  authorName: string;
  text: string;
  /** Platform the entry was written on, when it was written in chat ("via Matrix"). */
  origin?: Platform | 'mail' | 'cli' | 'api';
  attachments?: ChatAttachment[];
}

export interface ChatActor {
  platform: Platform;
  userId: string;
  displayName?: string;
}

export interface InboundFile {
  filename: string;
  contentType: string;
  /** Downloads the file from the platform (authenticated where the platform needs it). */
  fetch(): Promise<Buffer>;
}

export interface InboundThreadMessage {
  platform: Platform;
  channelId: string;
  threadId: string;
  messageId: string;
  actor: ChatActor;
  text: string;
  files: InboundFile[];
  /** True when the bot was @-mentioned at the start (the rest of `text` is then a command). */
  mentionsBot?: boolean;
}

export interface InboundEdit {
  platform: Platform;
  channelId: string;
  threadId: string;
  messageId: string;
  actor: ChatActor;
  text: string;
}

export interface InboundDeletion {
  platform: Platform;
  channelId: string;
  threadId: string;
  messageId: string;
  actor?: ChatActor;
}

/** A command from any path: slash command, `!ticket` text, @-mention, button, shortcut. */
export interface InboundCommand {
  platform: Platform;
  actor: ChatActor;
  channelId: string;
  /** Set when the command came from inside a ticket thread; the ticket is then implied. */
  threadId?: string;
  /** The command line without the `!ticket`/`/ticket` prefix, e.g. `claim #20261123000001`. */
  text: string;
  source: 'slash' | 'text' | 'mention' | 'button' | 'shortcut';
}

export interface InboundReaction {
  platform: Platform;
  actor: ChatActor;
  channelId: string;
  threadId: string;
  messageId: string;
  /** Unicode emoji (adapters normalise platform names like `white_check_mark` to ✅). */
  emoji: string;
}

/** What the core answers to a command: shown to the actor only where the platform allows. */
export interface CommandAnswer {
  ok: boolean;
  text: string;
}

export interface ChatHandlers {
  onThreadMessage(message: InboundThreadMessage): Promise<void>;
  onMessageEdited(edit: InboundEdit): Promise<void>;
  onMessageDeleted(deletion: InboundDeletion): Promise<void>;
  /** Returns the answer; the adapter delivers it ephemerally (or as a notice/DM). */
  onCommand(command: InboundCommand): Promise<CommandAnswer>;
  onReaction(reaction: InboundReaction): Promise<void>;
}

export interface ChatAdapter {
  readonly platform: Platform;
  start(handlers: ChatHandlers): Promise<void>;
  stop(): Promise<void>;
  /** Posts the card into the channel and starts a thread from it. */
  openThread(channelId: string, card: TicketCard): Promise<ThreadRef>;
  updateCard(thread: ThreadRef, card: TicketCard): Promise<void>;
  /** Posts into the thread; returns the platform's message id. */
  post(thread: ThreadRef, message: OutboundMessage): Promise<string>;
  edit(thread: ThreadRef, messageId: string, message: OutboundMessage): Promise<void>;
  remove(thread: ThreadRef, messageId: string): Promise<void>;
  /** An answer only `userId` sees (ephemeral where the platform has it). */
  notify(target: { channelId: string; threadId?: string; userId: string }, text: string): Promise<void>;
  /** The email of a platform user, where the platform tells it (maps users the config does not name). */
  lookupEmail?(userId: string): Promise<string | null>;
}
