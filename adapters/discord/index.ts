// Discord adapter: construct with `new DiscordAdapter({ token, applicationId, … })` and hand it to
// the core like any ChatAdapter. `registerCommands()` is what `threaddesk discord register` runs.
export { DiscordAdapter, type DiscordAdapterOptions } from './adapter.js';
export { COMMAND_NAME, commandLine, normaliseApiUrl, registerCommands, SUBCOMMAND_NAMES, ticketCommand, type RegisteredCommand, type RegisterOptions } from './commands.js';
export { channelPermissions, inviteUrl, REQUIRED_PERMISSIONS, REQUIRED_PERMISSIONS_INTEGER, type DoctorFinding } from './doctor.js';
export { CARD_BUTTONS, commandForButton, discordTextToMarkdown, escapeMarkdown, LIMITS, reactionEmoji, renderCard, renderMessage, splitText } from './format.js';
export { parseCommand } from './inbound.js';
export type { LogSink } from '../log-sink.js';
export type { ChannelKind } from './outbound.js';
