// Matrix reaction keys are the emoji themselves, as each client's picker spells them: with or
// without the U+FE0F presentation selector, with skin tones, ⌛ or ⏳. The core's reaction map
// (SPEC §5) speaks one spelling, the same the Slack adapter produces.
import * as emoji from 'node-emoji';

/** Names whose Unicode the default reaction map relies on, pinned against emoji-library updates. */
const PINNED: Record<string, string> = {
  raised_hand: '✋',
  hand: '✋',
  eyes: '👀',
  hourglass_flowing_sand: '⏳',
  hourglass: '⏳', // people pick either one for "waiting"
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  no_entry_sign: '🚫',
  unlock: '🔓',
};

/** `✅️` → ✅, `✋🏽` → ✋, `⌛` → ⏳; a key that is not an emoji (text reactions) is returned trimmed. */
export function reactionKeyToUnicode(key: string): string {
  const name = emoji.which(key.trim());
  if (!name) return key.trim();
  return PINNED[name] ?? emoji.get(name) ?? key.trim();
}
