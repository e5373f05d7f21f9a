import type { BenchReport, RunMetrics, ScenarioName } from './run.js';

/** The Markdown table `npm run bench` prints and BENCHMARKS.md shows. Pure: report in, text out. */

const LABEL: Record<ScenarioName, string> = {
  raw: 'raw node:http',
  bare: 'bare Bolt',
  bot: 'bot',
  'bot-redis': 'bot + Redis',
  'bot-fanout': 'bot, fan-out',
  'bot-fanout-keys': 'bot, fan-out, own reads',
  'bare-ack': 'bare Bolt, ack only',
  'bot-help': 'bot, help',
};

function num(n: number | undefined, digits?: number): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  if (digits !== undefined) return n.toFixed(digits);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !b) return '–';
  return `${(a / b).toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** How much of the machine other processes took during the measured runs, and a warning when it matters. */
function otherLoad(report: BenchReport): string {
  const shares = report.runs.map((r) => r.otherCpuPercent).filter((v): v is number => v !== undefined);
  const la = report.machine.loadAverage;
  const load = `1-minute load average ${la.start} at the start, ${la.end} at the end.`;
  if (shares.length === 0) return load;
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  const worst = Math.max(...shares);
  const text = `Processes other than the benchmark's used ${mean.toFixed(0)} % of the machine's CPU during the measured runs (worst run ${worst.toFixed(0)} %); ${load}`;
  return worst > 10 ? `${text} **Other work was running: treat these numbers as noisy.**` : text;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const s = report.settings;
  const lines: string[] = [];
  lines.push(
    `Run ${report.date.slice(0, 16).replace('T', ' ')} UTC, commit ${report.commit}, ${report.mode} mode, ` +
      `${num(report.totalSeconds, 0)} s in all` +
      (report.quietWaitSeconds >= 1
        ? ` (plus ${num(report.quietWaitSeconds, 0)} s waiting for other work on the machine to stop).`
        : '.'),
    '',
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB memory, Node ${m.node}, ${m.os}. ` +
      otherLoad(report),
    '',
    `Load: signed slash commands from autocannon, N keep-alive connections each holding one request ` +
      `(N = concurrency), each run until ` +
      s.levels.map((l) => `c=${l.concurrency}: ${l.amount} requests or ${l.maxSeconds} s`).join('; ') +
      `. CloudKnox answers after ${s.cloudknoxLatencyMs} ms.` +
      (s.redisSkipped ? ` Redis run skipped: ${s.redisSkipped}.` : ''),
    '',
  );
  lines.push(
    table(
      ['row', 'server', 'command', 'result message', 'results due'],
      s.scenarios.map((sc) => [
        LABEL[sc.name],
        sc.server,
        `\`${sc.command}\``,
        sc.results === 'none' ? '–' : sc.results === 'chat' ? 'chat.postMessage' : 'POST to response_url',
        sc.due === 'none'
          ? '–'
          : sc.due === 'every-ack'
            ? 'one per request'
            : 'one per ack that started a test',
      ]),
    ),
    '',
  );

  const header = [
    'server',
    'conc.',
    'requests',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'non-2xx',
    '> 3 s',
    'CPU µs/req',
    'peak RSS MiB',
    'results in (s)',
    'results / due',
  ];
  const rows = report.runs.map((r: RunMetrics) => [
    LABEL[r.scenario],
    String(r.concurrency),
    String(r.completed),
    num(r.requestsPerSecond, 0),
    num(r.latencyMs.p50),
    num(r.latencyMs.p95),
    num(r.latencyMs.p99),
    num(r.latencyMs.max),
    String(r.non2xx + r.errors),
    String(r.over3s),
    num(r.cpuUsPerRequest, 0),
    num(r.peakRssMiB, 0),
    r.allResultsMs === undefined ? '–' : num(r.allResultsMs / 1000),
    r.expectedResults === undefined ? '–' : `${r.receivedResults} / ${r.expectedResults}`,
  ]);
  lines.push(table(header, rows), '');
  lines.push(
    '"results in": from the run\'s first request until its last result message reached the Slack ' +
      'emulator. "results / due": result messages that arrived / result messages the acks promised ' +
      '(a difference is a lost result).',
    '',
  );
  const paired = report.runs.filter((r) => r.rounds && r.rounds.length > 1);
  if (paired.length > 0 && report.pairedRounds.length > 0) {
    const list = (values: number[]) => values.map((v) => `${v.toFixed(2)}×`).join(', ');
    lines.push(
      `At concurrency ${paired[0]!.concurrency}, ${paired.map((r) => `"${LABEL[r.scenario]}"`).join(' and ')} ` +
        `ran ${report.pairedRounds.length} paired rounds (both in each round, one right after the other, ` +
        `alternating which went first); each row above is that server's median-throughput round, ` +
        `which may be a different round for each, so the ratio tables below compare those rows, while ` +
        `the acceptance lines take the median of the per-round ratios. ` +
        `Bot/bare per round: throughput ${list(report.pairedRounds.map((r) => r.rps))}; ` +
        `p99 ${list(report.pairedRounds.map((r) => r.p99))}.`,
      '',
    );
  }

  const get = (t: ScenarioName, c: number) =>
    report.runs.find((r) => r.scenario === t && r.concurrency === c);
  const botRows: string[][] = [];
  const bareRows: string[][] = [];
  for (const level of s.levels) {
    const c = level.concurrency;
    const [raw, bare, bot, redis, bareAck, botHelp] = (
      ['raw', 'bare', 'bot', 'bot-redis', 'bare-ack', 'bot-help'] as const
    ).map((t) => get(t, c));
    botRows.push([
      String(c),
      ratio(bot?.requestsPerSecond, bare?.requestsPerSecond),
      ratio(bot?.latencyMs.p50, bare?.latencyMs.p50),
      ratio(bot?.latencyMs.p99, bare?.latencyMs.p99),
      ratio(bot?.cpuUsPerRequest, bare?.cpuUsPerRequest),
      ratio(bot?.peakRssMiB, bare?.peakRssMiB),
      ratio(botHelp?.requestsPerSecond, bareAck?.requestsPerSecond),
      ratio(botHelp?.latencyMs.p99, bareAck?.latencyMs.p99),
      ratio(botHelp?.cpuUsPerRequest, bareAck?.cpuUsPerRequest),
      ratio(redis?.requestsPerSecond, bot?.requestsPerSecond),
      ratio(redis?.latencyMs.p99, bot?.latencyMs.p99),
    ]);
    bareRows.push([
      String(c),
      ratio(bareAck?.requestsPerSecond, raw?.requestsPerSecond),
      ratio(bareAck?.latencyMs.p50, raw?.latencyMs.p50),
      ratio(bareAck?.latencyMs.p99, raw?.latencyMs.p99),
      ratio(bare?.requestsPerSecond, raw?.requestsPerSecond),
      ratio(bare?.latencyMs.p50, raw?.latencyMs.p50),
      ratio(bare?.latencyMs.p99, raw?.latencyMs.p99),
    ]);
  }
  lines.push(
    'Bot over bare Bolt: `servicenow test` (bot) against ack-and-post (bare Bolt); `help` (bot) against ' +
      'ack only (bare Bolt); the bot on Redis against the bot on memory.',
    '',
    table(
      [
        'conc.',
        'bot/bare req/s',
        'bot/bare p50',
        'bot/bare p99',
        'bot/bare CPU/req',
        'bot/bare RSS',
        'help/ack-only req/s',
        'help/ack-only p99',
        'help/ack-only CPU/req',
        'Redis/memory req/s',
        'Redis/memory p99',
      ],
      botRows,
    ),
    '',
    'Bare Bolt over raw node:http (same `servicenow test` bodies; raw reads each body and answers 200 without parsing or checking it).',
    '',
    table(
      [
        'conc.',
        'ack-only/raw req/s',
        'ack-only/raw p50',
        'ack-only/raw p99',
        'ack+post/raw req/s',
        'ack+post/raw p50',
        'ack+post/raw p99',
      ],
      bareRows,
    ),
    '',
  );

  const cs = report.coldStart;
  lines.push(
    table(
      ['cold start (spawn → /readyz 200)', 'median ms', 'samples ms'],
      [
        ['bot', num(cs.bot.medianMs, 0), cs.bot.samplesMs.map((v) => v.toFixed(0)).join(', ')],
        ['bare Bolt', num(cs.bare.medianMs, 0), cs.bare.samplesMs.map((v) => v.toFixed(0)).join(', ')],
        ['bot/bare', ratio(cs.bot.medianMs, cs.bare.medianMs), ''],
      ],
    ),
    '',
  );

  lines.push(
    table(
      ['acceptance (issue 7)', 'holds', 'measured'],
      report.acceptance.map((a) => [a.item, a.holds ? 'yes' : '**no**', a.detail]),
    ),
  );
  return lines.join('\n');
}
