/**
 * Renders Block Kit as terminal text for the sandbox, so a person sees roughly what Slack would
 * show: mentions as @names, emoji as symbols, buttons numbered so they can be pressed by number.
 * Pure; knows nothing of the emulator beyond the id → name lookup it is given.
 */
export interface NameLookup {
  user(id: string): string | undefined;
  group(id: string): string | undefined;
  channel(id: string): string | undefined;
}

export interface RenderedButton {
  actionId: string;
  blockId: string | undefined;
  value: string | undefined;
  label: string;
}

export interface Rendered {
  lines: string[];
  buttons: RenderedButton[];
}

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  x: '❌',
  large_green_circle: '🟢',
  red_circle: '🔴',
  hourglass_flowing_sand: '⏳',
  warning: '⚠️',
  lock: '🔒',
  key: '🔑',
  email: '📧',
  no_entry: '⛔',
  information_source: 'ℹ️',
  rotating_light: '🚨',
  floppy_disk: '💾',
};

export function renderMrkdwn(text: string, names: NameLookup): string {
  return text
    .replace(
      /<@([UW][A-Z0-9]+)(?:\|([^>]+))?>/g,
      (_m, id: string, label?: string) => `@${names.user(id) ?? label ?? id}`,
    )
    .replace(
      /<!subteam\^([A-Z0-9]+)(?:\|([^>]+))?>/g,
      (_m, id: string, label?: string) => `@${names.group(id) ?? label?.replace(/^@/, '') ?? id}`,
    )
    .replace(
      /<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g,
      (_m, id: string, label?: string) => `#${names.channel(id) ?? (label || id)}`,
    )
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

type Text = { type?: string; text?: string } | undefined;
type Element = {
  type?: string;
  action_id?: string;
  value?: string;
  text?: Text;
  style?: string;
  placeholder?: Text;
};
type Block = {
  type?: string;
  block_id?: string;
  text?: Text;
  fields?: Text[];
  elements?: Element[];
  accessory?: Element;
  label?: Text;
  element?: Element;
  hint?: Text;
};

function textOf(t: Text, names: NameLookup): string {
  if (!t?.text) return '';
  return t.type === 'mrkdwn' ? renderMrkdwn(t.text, names) : t.text;
}

export function renderBlocks(
  blocks: unknown[] | undefined,
  fallback: string | undefined,
  names: NameLookup,
  firstButton = 1,
): Rendered {
  const lines: string[] = [];
  const buttons: RenderedButton[] = [];
  const button = (el: Element, blockId: string | undefined): string => {
    buttons.push({ actionId: el.action_id ?? '', blockId, value: el.value, label: textOf(el.text, names) });
    return `[${firstButton + buttons.length - 1}: ${textOf(el.text, names)}]`;
  };
  if (!blocks || blocks.length === 0) {
    if (fallback) lines.push(...renderMrkdwn(fallback, names).split('\n'));
    return { lines, buttons };
  }
  for (const raw of blocks as Block[]) {
    switch (raw.type) {
      case 'header':
        lines.push(`== ${textOf(raw.text, names)} ==`);
        break;
      case 'section': {
        if (raw.text) lines.push(...textOf(raw.text, names).split('\n'));
        for (const f of raw.fields ?? []) lines.push(`  ${textOf(f, names).replace(/\n/g, ' ')}`);
        if (raw.accessory?.type === 'button') lines.push(`  ${button(raw.accessory, raw.block_id)}`);
        break;
      }
      case 'actions': {
        const parts = (raw.elements ?? []).map((el) =>
          el.type === 'button' ? button(el, raw.block_id) : `(${el.type})`,
        );
        lines.push(parts.join('  '));
        break;
      }
      case 'context':
        lines.push(`  ${(raw.elements ?? []).map((el) => textOf(el as Text, names)).join('  ')}`);
        break;
      case 'divider':
        lines.push('────────────────────────────────');
        break;
      case 'input':
        lines.push(
          `${textOf(raw.label, names)}: [ ____ ]  (block ${raw.block_id ?? '?'}; e.g. ${textOf(raw.element?.placeholder, names) || '…'})`,
        );
        if (raw.hint) lines.push(`  ${textOf(raw.hint, names)}`);
        break;
      default:
        lines.push(`(${raw.type ?? 'unknown'} block)`);
    }
  }
  return { lines, buttons };
}
