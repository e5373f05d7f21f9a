/**
 * Roles the simulated instance knows and what they open. `snc_internal` is what the out-of-box Table
 * API ACL asks of every caller ("Failed API level ACL Validation" without it); `admin` passes every
 * ACL, as on a real instance. The two CloudKnox app roles are this project's stand-ins for the
 * scoped app's roles.
 */
export const ROLE = {
  admin: 'admin',
  internal: 'snc_internal',
  userAdmin: 'user_admin',
  itil: 'itil',
  /** The bot's account: reads users, reads and writes the CloudKnox configuration record. */
  cloudknoxAdmin: 'x_cloudknox_permissions.admin',
  /** CloudKnox's integration user: reads sys_user over the Table API (CloudKnox's own "test"). */
  cloudknoxIntegration: 'x_cloudknox_permissions.integration',
} as const;

export function hasAnyRole(userRoles: readonly string[], allowed: readonly string[]): boolean {
  return userRoles.includes(ROLE.admin) || userRoles.some((r) => allowed.includes(r));
}

export function passesApiAcl(userRoles: readonly string[]): boolean {
  return hasAnyRole(userRoles, [ROLE.internal]);
}
