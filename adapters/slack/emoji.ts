// Slack names reactions (`white_check_mark`, `raised_hand::skin-tone-3`); the core speaks Unicode.
import * as emoji from 'node-emoji';

/**
 * Names the default reaction map (SPEC §5) relies on, pinned here so an emoji-library update
 * cannot change them, plus Slack aliases the library does not know. `hourglass` (⌛) counts as
 * ⏳ because people pick either one for "waiting".
 */
const PINNED: Record<string, string> = {
  raised_hand: '✋',
  hand: '✋',
  eyes: '👀',
  hourglass_flowing_sand: '⏳',
  hourglass: '⏳',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  no_entry_sign: '🚫',
  unlock: '🔓',
};

/** `white_check_mark` → ✅; unknown (e.g. custom workspace emoji) → `:name:`. */
export function slackReactionToUnicode(name: string): string {
  const base = name.split('::')[0] ?? name; // drop the skin-tone modifier
  return PINNED[base] ?? emoji.get(base) ?? `:${base}:`;
}

/** ✅ → `white_check_mark` (for reactions.add); undefined when Slack has no name for it. */
export function unicodeToSlackReaction(unicode: string): string | undefined {
  const pinned = Object.entries(PINNED).find(([, value]) => value === unicode);
  if (pinned) return pinned[0];
  const custom = /^:([a-z0-9_+-]+):$/.exec(unicode);
  return custom ? custom[1] : emoji.which(unicode) ?? undefined;
}
