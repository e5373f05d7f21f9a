import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SLACK_SEED } from '../slack/index.js';
import { startWorld } from '../world.js';
import { SandboxSession } from './session.js';

/**
 * `npm run sandbox`: the real bot against the Slack emulator and the CloudKnox and ServiceNow
 * simulators, driven from the terminal. Interactive on a TTY; with piped input it runs each line,
 * prints what Slack would show, and exits 0 at end of input.
 */
const logFile = join(tmpdir(), `cloudknox-sandbox-${process.pid}.log`);
const world = await startWorld({ logSink: (line) => appendFileSync(logFile, line) });
const interactive = process.stdin.isTTY === true;
const print = (text: string) => process.stdout.write(text + '\n');
const session = new SandboxSession(world, print, {
  userId: SLACK_SEED.users.admin,
  channelId: SLACK_SEED.channels.secops,
});

print('CloudKnox chatops sandbox: the bot, Slack, CloudKnox and ServiceNow, all local.');
print(`Bot logs: ${logFile}`);
print('Try: /cloudknox help   ·   /cloudknox servicenow test   ·   .help for sandbox commands');

const rl = createInterface({
  input: process.stdin,
  output: interactive ? process.stdout : undefined,
  terminal: interactive,
});
let closing = false;
const finish = async (code: number) => {
  if (closing) return;
  closing = true;
  rl.close();
  await world.close();
  process.exit(code);
};

if (interactive) {
  rl.setPrompt(session.prompt());
  rl.prompt();
}

// Lines are handled one at a time, in order, even when piped in faster than the bot answers.
let chain = Promise.resolve(true);
rl.on('line', (line) => {
  chain = chain.then(async (keepGoing) => {
    if (!keepGoing) return false;
    if (!interactive && line.trim()) print(`\n${session.prompt()}${line}`);
    const more = await session.handle(line);
    if (!more) await finish(0);
    else if (interactive) {
      rl.setPrompt(session.prompt());
      rl.prompt();
    }
    return more;
  });
});
rl.on('close', () => {
  void chain.then(() => finish(0));
});
process.on('SIGINT', () => void finish(0));
process.on('SIGTERM', () => void finish(0));
