import type { App } from '@slack/bolt';
import { describe, expect, it, vi } from 'vitest';
import type { BotServices } from '../../src/slack/bot-services.js';
import { ACTION_IDS, SLASH_COMMAND, VIEW_IDS } from '../../src/slack/ids.js';
import { registerListeners } from '../../src/slack/listeners.js';

function recordingApp() {
  return { command: vi.fn(), action: vi.fn(), view: vi.fn(), use: vi.fn() };
}

describe('registerListeners', () => {
  it('listens to every id in ids.ts, and reports exactly those as known', () => {
    const app = recordingApp();
    const known = registerListeners(app as unknown as App, {} as BotServices);
    expect(known.command).toBe(SLASH_COMMAND);
    expect([...known.actionIds].sort()).toEqual(Object.values(ACTION_IDS).sort());
    expect([...known.viewIds].sort()).toEqual(Object.values(VIEW_IDS).sort());
  });

  it('registers one Bolt listener per kind of request, whatever the number of ids', () => {
    // Bolt runs every listener's matchers on every request; one per id made each ack slower.
    const app = recordingApp();
    registerListeners(app as unknown as App, {} as BotServices);
    expect(app.command).toHaveBeenCalledTimes(1);
    expect(app.command.mock.calls[0]?.[0]).toBe(SLASH_COMMAND);
    expect(app.action).toHaveBeenCalledTimes(1);
    expect(app.action.mock.calls[0]?.[0]).toEqual({ type: 'block_actions' });
    expect(app.view).toHaveBeenCalledTimes(1);
    expect(app.view.mock.calls[0]?.[0]).toEqual({ type: 'view_submission' });
  });
});
