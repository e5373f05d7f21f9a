/**
 * The seeded world every simulator starts from. Values are fake but shaped like the real ones, so
 * masking and parsing are exercised as in production. Tests that hunt for leaks (canary tests)
 * replace these with unique values through the simulators' options.
 */
export interface SeedCredentials {
  cloudknox: {
    /**
     * The INTEGRATION's service account and its one active key: what ServiceNow's CloudKnox
     * configuration record holds, what the Integration tab shows, and what key rotation replaces.
     */
    serviceAccountId: string;
    accessKey: string;
    secretKey: string;
    /**
     * The bot's OWN service account (CLOUDKNOX_SERVICE_ACCOUNT_ID / _ACCESS_KEY / _SECRET_KEY). It
     * calls the Integration API, which manages the integration's account; rotating the integration's
     * key therefore never revokes the key the bot itself runs on.
     */
    bot: SeedServiceAccount;
    /** Who created the integration in CloudKnox (Integration tab "Created By"). */
    createdBy: string;
    /** Address the OTP emails go to. */
    email: string;
  };
  servicenow: {
    /** The account the bot reads ServiceNow with (SERVICENOW_USERNAME). */
    botUsername: string;
    botPassword: string;
    /** The integration user CloudKnox logs in as (SERVICENOW_INTEGRATION_USER). */
    integrationUsername: string;
    integrationPassword: string;
    /** Table holding the CloudKnox app's configuration record (SERVICENOW_CONFIG_TABLE). */
    configTable: string;
  };
}

export interface SeedServiceAccount {
  serviceAccountId: string;
  accessKey: string;
  secretKey: string;
}

export function defaultSeed(): SeedCredentials {
  return {
    cloudknox: {
      serviceAccountId: 'a3c1f0e2-58d4-4b7a-9d21-6f0e5c2b8a41',
      accessKey: 'AKCK7Q2M9XW4PL8ZBHCN',
      secretKey: 'ck-secret-Rz8fQ2vLw9XmT4pK7nB1sYc6Hd3Je5Ga',
      bot: {
        serviceAccountId: '7f2d9c14-3b6e-4e0a-8c57-d91a2f4b06e3',
        accessKey: 'AKCKBOT5R8JN2VQ6TW3M',
        secretKey: 'ck-secret-Ht4wNc8pYq2Lz6Vb9Xk1Rf5Gm3Sd7Ja0',
      },
      createdBy: 'priya.raman@contoso.com',
      email: 'secops-admins@contoso.com',
    },
    servicenow: {
      botUsername: 'cloudknox.chatops',
      botPassword: 'Sn-Bot#Pa55:w0rd{1}',
      integrationUsername: 'cloudknox.endpoint',
      integrationPassword: 'Sn-Int%Pa55^w0rd*2',
      configTable: 'x_cloudknox_permissions_config',
    },
  };
}
