import { startSimulators } from './simulators.js';

/**
 * `npm run simulators`: CloudKnox and ServiceNow simulators on CLOUDKNOX_SIM_PORT / SERVICENOW_SIM_PORT
 * (free ports when unset). Prints one JSON line `{cloudknox:{url}, servicenow:{url}, env}` on stdout
 * and serves until stopped.
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

const sims = await startSimulators({
  cloudknoxPort: port('CLOUDKNOX_SIM_PORT'),
  servicenowPort: port('SERVICENOW_SIM_PORT'),
});
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
