export { startCloudKnoxSim } from './cloudknox-sim.js';
export type { CloudKnoxSim, CloudKnoxSimOptions, IntegrationPatch } from './cloudknox-sim.js';
export { MAX_ACTIVE_KEYS, MAX_OTP_ATTEMPTS } from './state.js';
export type {
  EndpointName,
  InjectedFailure,
  SimEmail,
  SimIntegrationView,
  SimKeyView,
  SimRequestLog,
  SimServiceAccountView,
} from './state.js';
export { SUCCESS_MESSAGE } from './servicenow-probe.js';
