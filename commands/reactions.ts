// Reactions on a ticket's thread (SPEC §5): emoji → command line. Configurable in chat.reactions.
export const DEFAULT_REACTIONS: Readonly<Record<string, string>> = {
  '✋': 'claim',
  '👀': 'status in_progress',
  '⏳': 'status waiting',
  '✅': 'close',
  '🚫': 'spam',
  '🔓': 'release',
};

/** The command a reaction stands for, or null when it means nothing to us. */
export function commandForReaction(emoji: string, map: Readonly<Record<string, string>> = DEFAULT_REACTIONS): string | null {
  // Variation selectors (✔️ vs ✔) and skin tones (✋🏽) must not matter.
  const base = Array.from(emoji)
    .filter((ch) => {
      const cp = ch.codePointAt(0)!;
      return cp !== 0xfe0f && (cp < 0x1f3fb || cp > 0x1f3ff);
    })
    .join('');
  return map[emoji] ?? map[base] ?? null;
}
