/**
 * Turns `/cloudknox …` text, as Slack delivers it, into a subcommand. Slack escapes `& < >` and may
 * wrap mentions in tokens; phones type curly quotes and dashes; people type extra spaces and capitals.
 * Pure and total: every input gives an answer, never an exception.
 */
export type ParsedCommand =
  | { kind: 'help' }
  | { kind: 'servicenow_show' }
  | { kind: 'servicenow_test' }
  | { kind: 'servicenow_save' }
  | { kind: 'keys_show' }
  | { kind: 'keys_rotate'; reason: string | undefined }
  | { kind: 'audit'; count: number }
  | { kind: 'unknown'; input: string; suggestion: string | undefined };

export const SUBCOMMANDS = [
  'help',
  'servicenow show',
  'servicenow test',
  'servicenow save',
  'keys show',
  'keys rotate',
  'audit',
] as const;

const MAX_REASON = 500;
const MAX_ECHO = 60;

/** Slack's three entities, then the characters phones and pasting substitute. */
export function normalizeCommandText(raw: string): string {
  return (
    raw
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
      .replace(/[\u201C\u201D\u201E\u201F\u2033]/g, '"')
      .replace(/[\u2010-\u2015\u2212]/g, '-')
      // Control characters arrive from pasted text; they are turned into spaces on purpose.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, ' ')
      .replace(/[\s\u00A0\u2000-\u200B\u202F\u205F\u3000\uFEFF]+/g, ' ')
      .trim()
  );
}

const ALIASES: Record<string, string> = {
  sn: 'servicenow',
  snow: 'servicenow',
  'service-now': 'servicenow',
  key: 'keys',
  '-h': 'help',
  '--help': 'help',
  '?': 'help',
};

function word(w: string | undefined): string {
  // Quotes around a word ('servicenow' "test") come from pasting; they are not part of it.
  const lower = (w ?? '')
    .toLowerCase()
    .replace(/^["']+|["']+$/g, '')
    .replace(/^[-—]+(?=[a-z])/, '');
  return ALIASES[lower] ?? ALIASES[(w ?? '').toLowerCase()] ?? lower;
}

export function parseCommandText(raw: string | undefined): ParsedCommand {
  const text = normalizeCommandText(raw ?? '');
  if (text === '') return { kind: 'help' };
  const words = text.split(' ');
  const [first, second] = [word(words[0]), word(words[1])];
  if (first === 'help') return { kind: 'help' };
  if (first === 'audit' && (second === '' || /^\d+$/.test(second))) {
    return { kind: 'audit', count: Math.min(100, Math.max(1, second ? Number(second) : 20)) };
  }
  // Subcommands without arguments take no extra words: `servicenow save now please` is a typo or
  // a misunderstanding, and a security tool should ask rather than guess.
  const exact = words.length === 2;
  if (first === 'servicenow' && exact) {
    if (second === 'show' || second === 'view') return { kind: 'servicenow_show' };
    if (second === 'test') return { kind: 'servicenow_test' };
    if (second === 'save') return { kind: 'servicenow_save' };
  }
  if (first === 'keys') {
    if ((second === 'show' || second === 'list') && exact) return { kind: 'keys_show' };
    if (second === 'rotate') return { kind: 'keys_rotate', reason: cleanReason(words.slice(2).join(' ')) };
  }
  return { kind: 'unknown', input: echo(text), suggestion: suggest(`${first} ${second}`.trim()) };
}

function cleanReason(text: string): string | undefined {
  const unquoted = text.replace(/^["']+|["']+$/g, '').trim();
  if (!unquoted) return undefined;
  const chars = Array.from(unquoted);
  return chars.length > MAX_REASON ? chars.slice(0, MAX_REASON - 1).join('') + '…' : unquoted;
}

/** What the user typed, short enough to quote back in a reply. */
function echo(text: string): string {
  const chars = Array.from(text);
  return chars.length > MAX_ECHO ? chars.slice(0, MAX_ECHO - 1).join('') + '…' : text;
}

/** The closest subcommand, if it is close enough to be what the user meant. */
function suggest(typed: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of SUBCOMMANDS) {
    // A lone word is also compared with each word of the subcommand: "servicenow" finds its group,
    // "test" finds "servicenow test".
    const [group = '', verb = ''] = name.split(' ');
    const d = typed.includes(' ')
      ? distance(typed, name)
      : Math.min(
          distance(typed, name),
          distance(typed, group) + 1,
          verb ? distance(typed, verb) + 1 : Infinity,
        );
    if (!best || d < best.distance) best = { name, distance: d };
  }
  return best && best.distance <= Math.max(3, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

function distance(a: string, b: string): number {
  if (a.length > 40) return Infinity; // long garbage is never a typo of a subcommand
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
