import type { AccessControl } from '../access/access-control.js';
import type { ConnectionLedger } from '../flows/connection-ledger.js';
import type { CloudKnoxPort, Integration, ServiceNowPort } from '../flows/ports.js';
import type { AuditEvent } from '../flows/rotation/ports.js';
import type { RotationService } from '../flows/rotation/rotation-service.js';
import type { Logger } from '../logging/logger.js';

/** Everything the Slack handlers use, built once by the composition root and passed in. */
export interface BotServices {
  cloudknox: CloudKnoxPort;
  /** The integration as `servicenow show` displays it: reads in flight together share one call. */
  integrationForDisplay: () => Promise<Integration>;
  servicenow: ServiceNowPort;
  access: AccessControl;
  settings: {
    configTable: string;
    integrationUser: string;
    servicenowUrl: string;
    cloudknoxUrl: string;
    rotationApproval: 'required' | 'off';
    /** Approval cards go here instead of the command's channel, when set. */
    approvalChannel: string | undefined;
  };
  ledger: ConnectionLedger;
  rotation: RotationService;
  audit: { recent(limit: number): Promise<AuditEvent[]> };
  logger: Logger;
}
