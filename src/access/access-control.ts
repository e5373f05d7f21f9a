/**
 * Who may do what (DESIGN §2): admins and approvers are configured as Slack user IDs (U…, W…) or
 * user-group IDs (S…). People are recognised by ID only: a display name can be set by anyone.
 * Group membership comes from Slack through `GroupMembers` and is cached briefly; if the lookup
 * fails the answer is "no" with the reason (fail closed).
 */
export type GroupMembers = (groupId: string) => Promise<string[]>;

export type Role = 'admin' | 'approver';

export type AccessDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: 'not_listed' | 'group_lookup_failed';
      allowedIds: string[];
      /** Groups Slack could not list, with why (for the log: a misconfigured group shows here). */
      failedGroups?: Array<{ id: string; error: string }>;
    };

export interface AccessControlOptions {
  admins: string[];
  approvers: string[];
  groupMembers: GroupMembers;
  cacheTtlMs?: number;
  now?: () => number;
}

export class AccessControl {
  private readonly cache = new Map<string, { members: Set<string>; until: number }>();
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(private readonly opts: AccessControlOptions) {
    this.ttl = opts.cacheTtlMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  idsFor(role: Role): string[] {
    return role === 'admin' ? this.opts.admins : this.opts.approvers;
  }

  /** `roles` lists the roles any one of which is enough (e.g. show: admins or approvers). */
  async check(userId: string, roles: Role[]): Promise<AccessDecision> {
    const ids = [...new Set(roles.flatMap((r) => this.idsFor(r)))];
    if (ids.includes(userId)) return { allowed: true };
    // Groups are asked in parallel: this runs before the command is acked.
    const groups = ids.filter((id) => id.startsWith('S'));
    const results = await Promise.all(
      groups.map((id) =>
        this.members(id).then(
          (members) => ({ id, member: members.has(userId) }),
          (err: unknown) => ({ id, error: errorCode(err) }),
        ),
      ),
    );
    if (results.some((r) => 'member' in r && r.member)) return { allowed: true };
    const failedGroups = results.filter((r): r is { id: string; error: string } => 'error' in r);
    return failedGroups.length > 0
      ? { allowed: false, reason: 'group_lookup_failed', allowedIds: ids, failedGroups }
      : { allowed: false, reason: 'not_listed', allowedIds: ids };
  }

  private async members(groupId: string): Promise<Set<string>> {
    const hit = this.cache.get(groupId);
    if (hit && hit.until > this.now()) return hit.members;
    const members = new Set(await this.opts.groupMembers(groupId));
    this.cache.set(groupId, { members, until: this.now() + this.ttl });
    return members;
  }
}

function errorCode(err: unknown): string {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  if (data && typeof data.error === 'string') return data.error;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}
