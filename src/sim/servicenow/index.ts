export {
  startServiceNowSim,
  ServiceNowSim,
  NO_CLOUDKNOX_ROLE_USER,
  type ServiceNowSimOptions,
  type RateLimitSwitch,
  type SimUserPatch,
  type SimUserView,
  type SimConfigRecord,
  type SimConfigPatch,
  type SimRequestLogEntry,
} from './servicenow-sim.js';
export { ROLE } from './roles.js';
