import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

/**
 * The baseline for `npm run bench`: a bare Bolt app configured like the bot's HTTP transport (same
 * receiver options, same Web API client options) with one `/cloudknox` listener that acks and posts
 * one message (or, for `help`, only acks). No logging per request, no store, no upstream calls: what the framework alone costs.
 *
 * Env: PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL.
 */
const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const receiver = new HTTPReceiver({
  signingSecret: env('SLACK_SIGNING_SECRET'),
  endpoints: '/slack/events',
  processBeforeResponse: false,
  customRoutes: [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => res.writeHead(200).end('{"status":"ok"}') },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => res.writeHead(200).end('{"status":"ready"}'),
    },
  ],
});
const app = new App({
  receiver,
  token: env('SLACK_BOT_TOKEN'),
  // Bolt's default: one auth.test at construction, cached. (With verification off and no botId /
  // botUserId given, Bolt 4/5 calls auth.test on every request, which the bot avoids by passing both.)
  logLevel: LogLevel.INFO,
  clientOptions: {
    slackApiUrl: env('SLACK_API_URL'),
    timeout: 10_000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
  },
});

app.command('/cloudknox', async ({ command, ack, client }) => {
  // `help` is the pure-ack case (the bot answers help in its ack too); anything else also posts.
  if (command.text.trim() === 'help') return ack({ response_type: 'ephemeral', text: 'Usage: /cloudknox …' });
  await ack({ response_type: 'ephemeral', text: 'Working on it…' });
  await client.chat.postMessage({ channel: command.channel_id, text: `bare Bolt: ${command.text}` });
});

await receiver.start(Number(env('PORT')));
process.stdout.write(JSON.stringify({ event: 'started', port: Number(env('PORT')) }) + '\n');

const stop = () => void receiver.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
