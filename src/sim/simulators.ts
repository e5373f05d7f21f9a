import { startCloudKnoxSim, type CloudKnoxSim } from './cloudknox/index.js';
import { defaultSeed, type SeedCredentials } from './seed.js';
import { startServiceNowSim, type ServiceNowSim } from './servicenow/index.js';

/**
 * Starts the CloudKnox and ServiceNow simulators wired to each other: CloudKnox's integration points
 * at the ServiceNow simulator, and ServiceNow's CloudKnox configuration record points back at CloudKnox
 * with the integration's service account and key, so a first `servicenow test` succeeds. The bot gets
 * its OWN CloudKnox service account (`seed.cloudknox.bot`), so rotating the integration's key never
 * locks the bot out.
 */
export interface Simulators {
  cloudknox: CloudKnoxSim;
  servicenow: ServiceNowSim;
  seed: SeedCredentials;
  /**
   * The environment variables (README names) that point a bot at these simulators, including
   * ALLOW_INSECURE_LOOPBACK=true, without which the bot refuses their http://127.0.0.1 URLs.
   */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSimulators(
  opts: {
    seed?: SeedCredentials;
    cloudknoxPort?: number;
    servicenowPort?: number;
  } = {},
): Promise<Simulators> {
  const seed = opts.seed ?? defaultSeed();
  const servicenow = await startServiceNowSim({ port: opts.servicenowPort, seed });
  const cloudknox = await startCloudKnoxSim({
    port: opts.cloudknoxPort,
    seed,
    servicenowUrl: servicenow.url,
  });
  servicenow.setConfigRecord({ api_endpoint: cloudknox.url });
  const env = {
    CLOUDKNOX_API_URL: cloudknox.url,
    CLOUDKNOX_SERVICE_ACCOUNT_ID: seed.cloudknox.bot.serviceAccountId,
    CLOUDKNOX_ACCESS_KEY: seed.cloudknox.bot.accessKey,
    CLOUDKNOX_SECRET_KEY: seed.cloudknox.bot.secretKey,
    SERVICENOW_INSTANCE_URL: servicenow.url,
    SERVICENOW_USERNAME: seed.servicenow.botUsername,
    SERVICENOW_PASSWORD: seed.servicenow.botPassword,
    SERVICENOW_CONFIG_TABLE: seed.servicenow.configTable,
    SERVICENOW_INTEGRATION_USER: seed.servicenow.integrationUsername,
    // The simulators listen on http://127.0.0.1: the outbound policy refuses that unless told this
    // is development (README, Configuration).
    ALLOW_INSECURE_LOOPBACK: 'true',
  };
  return {
    cloudknox,
    servicenow,
    seed,
    env,
    close: async () => {
      await Promise.all([cloudknox.close(), servicenow.close()]);
    },
  };
}
