/**
 * Who may do what (DESIGN §2): admins and approvers are configured as Slack user IDs (U…, W…) or
 * user-group IDs (S…). People are recognised by ID only: a display name can be set by anyone.
 * Group membership comes from Slack through `GroupMembers` and is cached briefly; if the lookup
 * fails the answer is "no" with the reason (fail closed).
 */
export type GroupMembers = (groupId: string) => Promise<string[]>;

export type Role = 'admin' | 'approver';

export type AccessDecision =
  { allowed: true } | { allowed: false; reason: 'not_listed' | 'group_lookup_failed'; allowedIds: string[] };

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
    let lookupFailed = false;
    for (const groupId of ids.filter((id) => id.startsWith('S'))) {
      try {
        if ((await this.members(groupId)).has(userId)) return { allowed: true };
      } catch {
        lookupFailed = true;
      }
    }
    return { allowed: false, reason: lookupFailed ? 'group_lookup_failed' : 'not_listed', allowedIds: ids };
  }

  private async members(groupId: string): Promise<Set<string>> {
    const hit = this.cache.get(groupId);
    if (hit && hit.until > this.now()) return hit.members;
    const members = new Set(await this.opts.groupMembers(groupId));
    this.cache.set(groupId, { members, until: this.now() + this.ttl });
    return members;
  }
}
