import type { Workspace } from './workspace.js';

/**
 * Turns what a user typed after `/cloudknox` into the `text` Slack sends with the slash command
 * setting "Escape channels, users, and links sent to your app" ON. Kept simple:
 *
 * - `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;` (Slack always does this);
 * - `@name` of a known user → `<@U…|name>`; `@handle` of a user group → `<!subteam^S…|@handle>`;
 *   `@here` / `@channel` / `@everyone` → `<!here>` / `<!channel>` / `<!everyone>`;
 * - `#name` of a public channel → `<#C…|name>`, of a private one → `<#C…|>`;
 * - `http(s)://…` → `<http(s)://…>`; an e-mail address → `<mailto:a@b.c|a@b.c>`.
 *
 * A mention must start the text or follow whitespace; unknown names stay plain text; trailing
 * punctuation (`.,;:!?)`) is not part of a name or link. Use the driver's `rawText` to send text
 * verbatim instead.
 */
export function escapeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const TOKEN = /(^|\s)(@[\w.-]+|#[\w.-]+|https?:\/\/\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
const TRAILING = /[.,;:!?)]+$/;

function resolve(token: string, ws: Workspace): string | undefined {
  if (token.startsWith('@')) {
    const name = token.slice(1);
    if (name === 'here' || name === 'channel' || name === 'everyone') return `<!${name}>`;
    const user = ws.userByName(name);
    if (user) return `<@${user.id}|${user.name}>`;
    const group = ws.groupByHandle(name);
    if (group) return `<!subteam^${group.id}|@${group.handle}>`;
    return undefined;
  }
  if (token.startsWith('#')) {
    const channel = ws.channelByName(token.slice(1));
    if (!channel) return undefined;
    return channel.isPrivate ? `<#${channel.id}|>` : `<#${channel.id}|${channel.name}>`;
  }
  if (/^https?:\/\//.test(token)) return `<${escapeEntities(token)}>`;
  if (token.includes('@')) return `<mailto:${token}|${token}>`;
  return undefined;
}

/** Resolves a token, shortening it by trailing punctuation until it names something. */
function resolveWithTrailing(token: string, ws: Workspace): { encoded: string; rest: string } | undefined {
  let candidate = token;
  let rest = '';
  if (/^https?:\/\//.test(token)) {
    rest = TRAILING.exec(token)?.[0] ?? '';
    candidate = token.slice(0, token.length - rest.length);
  }
  for (;;) {
    const encoded = resolve(candidate, ws);
    if (encoded) return { encoded, rest };
    const m = TRAILING.exec(candidate);
    if (!m) return undefined;
    // peel one character at a time so `@ada.admin.` still finds `ada.admin`
    rest = candidate.slice(-1) + rest;
    candidate = candidate.slice(0, -1);
    if (!candidate || candidate === '@' || candidate === '#') return undefined;
  }
}

export function encodeCommandText(text: string, ws: Workspace): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const lead = m[1] ?? '';
    const token = m[2] ?? '';
    const start = (m.index ?? 0) + lead.length;
    const resolved = resolveWithTrailing(token, ws);
    if (!resolved) continue;
    out += escapeEntities(text.slice(last, start)) + resolved.encoded + escapeEntities(resolved.rest);
    last = start + token.length;
  }
  return out + escapeEntities(text.slice(last));
}
