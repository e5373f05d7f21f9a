/**
 * What the flows need from the outside world, as plain interfaces. The real CloudKnox and
 * ServiceNow clients satisfy them structurally; flows never see got, Bolt or keyv.
 */
export interface Integration {
  endpoint: string;
  username: string;
  passwordSet: boolean;
  apiEndpoint: string;
  createdBy: string;
  createdOn: string;
  serviceAccountId: string;
  accessKey: string;
}

export type IntegrationTestResult =
  { status: 'SUCCESS'; message: string } | { status: 'FAILURE'; errorCode: string; message: string };

export interface AccessKeyInfo {
  accessKey: string;
  createdOn: string;
  lastUsedOn: string | null;
  status: string;
}

export interface CloudKnoxPort {
  getIntegration(): Promise<Integration>;
  testIntegration(): Promise<IntegrationTestResult>;
  saveIntegration(): Promise<Integration>;
  listKeys(): Promise<AccessKeyInfo[]>;
}

export interface ServiceNowUserRecord {
  sysId: string;
  userName: string;
  active: boolean;
  lockedOut: boolean;
}

export interface ServiceNowConfigRecord {
  sysId: string;
  apiEndpoint: string;
  serviceAccountId: string;
  accessKey: string;
}

export interface ServiceNowPort {
  getUserByName(userName: string): Promise<ServiceNowUserRecord | undefined>;
  getConfigRecord(table: string): Promise<ServiceNowConfigRecord | undefined>;
}
