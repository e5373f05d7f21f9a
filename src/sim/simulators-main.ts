import { startSimulators } from './simulators.js';

/**
 * `npm run simulators`: CloudKnox and ServiceNow simulators on CLOUDKNOX_SIM_PORT / SERVICENOW_SIM_PORT
 * (free ports when unset). Prints one JSON line `{cloudknox:{url}, servicenow:{url}, env}` on stdout
 * and serves until stopped. CLOUDKNOX_SIM_LATENCY_MS (default 0) delays every answer of the
 * CloudKnox simulator by that many ms (its `faults.latencyMs`): `npm run bench`'s slow upstream.
 */
function port(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number from 0 to 65535`);
    process.exit(2);
  }
  return n;
}

function latency(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 600_000) {
    console.error(`${name} must be a whole number of milliseconds from 0 to 600000`);
    process.exit(2);
  }
  return n;
}

const cloudknoxLatencyMs = latency('CLOUDKNOX_SIM_LATENCY_MS');
const sims = await startSimulators({
  cloudknoxPort: port('CLOUDKNOX_SIM_PORT'),
  servicenowPort: port('SERVICENOW_SIM_PORT'),
});
sims.cloudknox.faults.latencyMs = cloudknoxLatencyMs;
process.stdout.write(
  JSON.stringify({
    cloudknox: { url: sims.cloudknox.url },
    servicenow: { url: sims.servicenow.url },
    env: sims.env,
  }) + '\n',
);
const stop = () => {
  void sims.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
