import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSlackEmulator, type ApiCall, type ResponseUrlPost } from '../src/sim/slack/index.js';
import { ADMIN_USER, BENCH_BOT_TOKEN, BENCH_SIGNING_SECRET, CHANNEL } from './common.js';

/**
 * The Slack emulator's Web API in a process of its own, for `npm run bench`. Prints one JSON line
 * `{"apiUrl": "…/api/", "url": "…", "controlUrl": "…"}` and serves until SIGTERM.
 *
 * `GET <controlUrl>/stats` answers how many chat.postMessage calls arrived so far (`posts`, the ones
 * answered ok), how many of them reported a failed connection test (`failedTests`), and when the last
 * one arrived (`lastPostAt`, epoch ms); the same for posts to response_urls (`responseUrlPosts`,
 * `lastResponseUrlPostAt`). So the runner can tell when every result message is in and whether any
 * was lost. `POST <controlUrl>/mint-response-urls?n=N` mints N response_urls (the admin in #secops)
 * for the bodies of a run whose results come back that way. The emulator's own call logs are emptied
 * as it goes: a benchmark sends tens of thousands of calls and only the counts matter here.
 */
const emulator = await startSlackEmulator({
  signingSecret: BENCH_SIGNING_SECRET,
  botToken: BENCH_BOT_TOKEN,
  port: Number(process.env.BENCH_EMULATOR_PORT ?? 0),
});

const stats = {
  posts: 0,
  failedPosts: 0,
  failedTests: 0,
  otherCalls: 0,
  lastPostAt: 0,
  responseUrlPosts: 0,
  failedResponseUrlPosts: 0,
  lastResponseUrlPostAt: 0,
};
emulator.events.on('call', (call: ApiCall) => {
  if (call.method === 'chat.postMessage') {
    if (call.response.ok === true) {
      stats.posts += 1;
      stats.lastPostAt = Date.now();
      const text = typeof call.args.text === 'string' ? call.args.text : '';
      if (text.startsWith('ServiceNow connection test failed')) stats.failedTests += 1;
    } else stats.failedPosts += 1;
  } else stats.otherCalls += 1;
  emulator.calls.length = 0;
});
emulator.events.on('response_url', (post: ResponseUrlPost) => {
  if (post.status === 200) {
    stats.responseUrlPosts += 1;
    stats.lastResponseUrlPostAt = Date.now();
  } else stats.failedResponseUrlPosts += 1;
  emulator.responseUrlPosts.length = 0;
});

const control = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  // Fresh response_urls for the admin in the channel, one per request of a fan-out run.
  if (req.method === 'POST' && url.pathname === '/mint-response-urls') {
    const n = Math.min(100_000, Math.max(0, Number(url.searchParams.get('n') ?? 0)));
    const urls: string[] = [];
    for (let i = 0; i < n; i++) urls.push(emulator.mintResponseUrl(ADMIN_USER, CHANNEL));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ urls }));
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlPort = (control.address() as AddressInfo).port;

process.stdout.write(
  JSON.stringify({
    url: emulator.url,
    apiUrl: emulator.apiUrl,
    controlUrl: `http://127.0.0.1:${controlPort}`,
  }) + '\n',
);

const stop = () => {
  control.close();
  control.closeAllConnections();
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
