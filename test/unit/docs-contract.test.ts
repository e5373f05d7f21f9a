import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_NAMES } from '../../src/config/env-schema.js';
import { SLASH_COMMAND } from '../../src/slack/ids.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README configuration table', () => {
  it('documents exactly the variables the schema reads', () => {
    const section = readme.split('## Configuration')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...ENV_NAMES].sort());
  });

  it('.env.example names the same variables', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const names = [...example.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...new Set(names)].sort()).toEqual([...ENV_NAMES].sort());
  });
});

describe.each([
  ['manifest.yml', 'http'],
  ['manifest.socket-mode.yml', 'socket'],
])('Slack manifest %s', (file, mode) => {
  const manifest = parse(readFileSync(new URL(`../../manifest/${file}`, import.meta.url), 'utf8')) as {
    features: { slash_commands: Array<{ command: string; url?: string; should_escape: boolean }> };
    oauth_config: { scopes: { bot: string[] } };
    settings: { interactivity: { is_enabled: boolean; request_url?: string }; socket_mode_enabled: boolean };
  };

  it('is for the transport it names', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(mode === 'socket');
  });

  it('declares the slash command the code listens for, with escaping on', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([SLASH_COMMAND]);
    expect(manifest.features.slash_commands[0]?.should_escape).toBe(true);
    if (mode === 'http') expect(manifest.features.slash_commands[0]?.url).toMatch(/\/slack\/events$/);
  });

  it('turns on interactivity at the same endpoint', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    if (mode === 'http') expect(manifest.settings.interactivity.request_url).toMatch(/\/slack\/events$/);
  });

  it('asks for the scopes of every Web API method the bot calls, and no more', () => {
    // Scope each method needs (Slack's method docs); a method missing here fails the test.
    const scopeOf: Record<string, string | null> = {
      'auth.test': null,
      'chat.postMessage': 'chat:write',
      'chat.update': 'chat:write',
      'chat.postEphemeral': 'chat:write',
      'chat.delete': 'chat:write',
      'views.open': null,
      'views.update': null,
      'views.push': null,
      'users.info': 'users:read',
      'usergroups.users.list': 'usergroups:read',
      'conversations.open': 'im:write',
    };
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'sim') walk(path);
        } else if (entry.name.endsWith('.ts')) {
          const src = readFileSync(path, 'utf8');
          for (const m of src.matchAll(
            /\b(auth|chat|views|users|usergroups|conversations)\.((?:users\.)?[a-zA-Z]+)\(/g,
          )) {
            used.add(`${m[1]}.${m[2]}`);
          }
        }
      }
    };
    walk(new URL('../../src', import.meta.url).pathname);
    expect(used.size).toBeGreaterThan(0);
    for (const method of used) expect(scopeOf, `scope for ${method}`).toHaveProperty([method]);
    const needed = new Set(['commands', ...[...used].map((m) => scopeOf[m]).filter((s): s is string => !!s)]);
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(needed);
  });
});
