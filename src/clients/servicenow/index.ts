export { normalizeInstanceUrl } from './instance-url.js';
export {
  ServiceNowClient,
  type ServiceNowClientOptions,
  type ServiceNowUser,
  type CloudKnoxConfigRecord,
  type ConfigRecordUpdate,
} from './servicenow-client.js';
