// Practice control in the Cloud: the settings the practice's authoritative Link reports, pairing codes
// (hashes only) and pairings, the access rules every site-scoped request passes, and promotion.
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { pairingCodeHash, type Integration } from '@conduit/protocol';
import type { PracticeKey, SiteRecord, Store } from '../store/types.js';
import type { Gateway, GatewayHooks, LinkRequestMessage } from '../gateway/gateway.js';
import type { LinkSession } from '../gateway/session.js';
import type { AuditLog } from '../audit/log.js';
import { ApiError } from '../http/errors.js';
import { FailureLimiter, type Limit } from './rate-limit.js';

export const ACCESS_MESSAGES = {
  notPaired: 'This integrator is not paired with this site. Ask the practice for its Site ID and a pairing code, then call POST /integrator/pair-site.',
  disabled: 'The integration has been disabled in the PMS at this practice ("Setup third-party integrations"). The practice must tick it again and save.',
  nonAuthoritative: 'This site is not authoritative: another Conduit Link serves this practice. Look the practice up again with GET /integrator/sites.',
  guidChanged: 'The Halo GUID of this practice has changed (the practice moved its Conduit Link to another server). Look the practice up again with GET /integrator/sites using its PMS Site ID.',
  badCode: 'The pairing code is not valid for this practice and integrator: it may be mistyped, expired (codes last 24 hours), already used, or replaced by a newer code. Ask the practice to generate a new pairing code.',
  codeRequired: 'Best Practice sites need a pairing code: pass pairingCode with the code the practice generated in "Setup third-party integrations".',
  noSite: 'No practice with this PMS Site ID is connected to Conduit. Check the Site ID with the practice, and that its Conduit Link is running.',
} as const;

export interface PracticeControlOptions {
  pairingFailuresPerIntegrator: Limit;
  pairingFailuresPerSite: Limit;
  /** A pairing code is never accepted for longer than this, whatever the Link asked. */
  maxPairingCodeTtlMs: number;
}

export const DEFAULT_PRACTICE_CONTROL: PracticeControlOptions = {
  pairingFailuresPerIntegrator: { max: 10, windowMs: 15 * 60_000 },
  pairingFailuresPerSite: { max: 10, windowMs: 15 * 60_000 },
  maxPairingCodeTtlMs: 7 * 24 * 3600_000,
};

const practiceOf = (s: { pmsType: SiteRecord['pmsType']; pmsSiteId: string }): PracticeKey => ({ pmsType: s.pmsType, pmsSiteId: s.pmsSiteId });

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export class PracticeControl implements GatewayHooks {
  private readonly byIntegrator: FailureLimiter;
  private readonly bySite: FailureLimiter;
  private watcher?: NodeJS.Timeout;
  /** Recent access decisions that allowed a query: integrator|site -> site, until a time. */
  private readonly allowed = new Map<string, { site: SiteRecord; until: number }>();
  /** Last seen value of the store's sites.version (null until first read). */
  private sitesVersion: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly gateway: Gateway,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly opts: PracticeControlOptions = DEFAULT_PRACTICE_CONTROL,
  ) {
    this.byIntegrator = new FailureLimiter(opts.pairingFailuresPerIntegrator);
    this.bySite = new FailureLimiter(opts.pairingFailuresPerSite);
  }

  // ---- Link side ----

  welcomed(session: LinkSession, site: SiteRecord, isNew: boolean): void {
    if (isNew) this.audit.record({ kind: 'link.registered', actor: `link:${site.id}`, siteId: site.id, integratorId: null, outcome: 'ok', details: { pmsSiteId: site.pmsSiteId, authoritative: site.authoritative } });
    // The store can fail here (a PostgreSQL pool timeout in a reconnect storm): close the session so the
    // Link reconnects and is sent its list then, rather than leaving it without one or the error unhandled.
    this.sync(session, site.authoritative).catch((e: Error) => {
      this.log.warn({ siteId: site.id, err: e.message }, 'could not send the integration list; closing the session');
      session.ws.close(1011, 'integration list unavailable');
    });
  }

  private async sync(session: LinkSession, authoritative: boolean): Promise<void> {
    session.authoritative = authoritative;
    const integrations = authoritative ? await this.store.integrations(session.practice) : [];
    session.send({ type: 'integrations.sync', authoritative, integrations });
  }

  authFailed(why: string): void {
    this.audit.record({ kind: 'link.authFailed', actor: 'link:unknown', siteId: null, integratorId: null, outcome: 'refused', details: { why } });
  }

  async request(session: LinkSession, msg: LinkRequestMessage): Promise<{ integrators?: { id: string; name: string }[] }> {
    if (msg.type === 'catalog.request') {
      return { integrators: (await this.store.listIntegrators()).map((i) => ({ id: i.id, name: i.name })) };
    }
    if (!session.authoritative) throw new Error('this Link is not the authoritative Link of the practice; its settings are ignored');
    if (msg.type === 'integrations.changed') {
      await this.applyIntegrations(session, msg.integrations);
      return {};
    }
    const integration = (await this.store.integrations(session.practice)).find((i) => i.integratorId === msg.integratorId);
    if (!integration?.enabled) throw new Error('the integration is not enabled, so no pairing code can be issued');
    const now = Date.now();
    const expires = Math.min(Date.parse(msg.expiresAt), now + this.opts.maxPairingCodeTtlMs);
    if (!Number.isFinite(expires) || expires <= now) throw new Error('the pairing code expiry is not in the future');
    await this.store.setPairingCode(session.practice, msg.integratorId, { codeHash: msg.codeHash, expiresAt: new Date(expires).toISOString(), createdAt: new Date(now).toISOString() });
    this.audit.record({ kind: 'pairing.codeIssued', actor: `link:${session.siteId}`, siteId: session.siteId, integratorId: msg.integratorId, outcome: 'ok', details: { expiresAt: new Date(expires).toISOString() } });
    return {};
  }

  /** Forget cached access decisions (settings, pairings or sites changed). */
  invalidate(): void {
    this.allowed.clear();
  }

  private async applyIntegrations(session: LinkSession, list: Integration[]): Promise<void> {
    this.invalidate();
    const known = new Set((await this.store.listIntegrators()).map((i) => i.id));
    const kept = list.filter((i) => known.has(i.integratorId));
    const before = new Map((await this.store.replaceIntegrations(session.practice, kept)).map((i) => [i.integratorId, i]));
    for (const now of kept) {
      const was = before.get(now.integratorId);
      const turnedOff = was?.enabled && !now.enabled;
      if (turnedOff) {
        const cancelled = this.gateway.cancelFor(session.siteId, now.integratorId, 'the practice disabled the integration');
        this.audit.record({ kind: 'integration.disabled', actor: `link:${session.siteId}`, siteId: session.siteId, integratorId: now.integratorId, outcome: 'ok', details: { cancelledQueries: cancelled } });
      } else if (!was?.enabled && now.enabled) {
        this.audit.record({ kind: 'integration.enabled', actor: `link:${session.siteId}`, siteId: session.siteId, integratorId: now.integratorId, outcome: 'ok', details: { access: now.access, allowList: now.allowList } });
      } else if (was && (was.access !== now.access || JSON.stringify(was.allowList) !== JSON.stringify(now.allowList))) {
        this.audit.record({ kind: 'integration.changed', actor: `link:${session.siteId}`, siteId: session.siteId, integratorId: now.integratorId, outcome: 'ok', details: { access: now.access, allowList: now.allowList } });
      }
    }
    for (const [id, was] of before) {
      if (was.enabled && !kept.some((k) => k.integratorId === id)) {
        this.gateway.cancelFor(session.siteId, id, 'the practice disabled the integration');
        this.audit.record({ kind: 'integration.disabled', actor: `link:${session.siteId}`, siteId: session.siteId, integratorId: id, outcome: 'ok', details: { removed: true } });
      }
    }
  }

  /** Notices promotions made by the admin command (which writes the store directly). */
  startWatching(intervalMs = 500): void {
    // While the store is down this fails twice a second: said once when it starts failing and once when it
    // works again, not at every tick.
    let failing = false;
    this.watcher = setInterval(() => {
      void this.checkPromotions().then(
        () => {
          if (failing) this.log.info('site watcher working again');
          failing = false;
        },
        (e: Error) => {
          if (!failing) this.log.warn({ err: e.message }, 'site watcher failed (said once until it works again)');
          failing = true;
        },
      );
    }, intervalMs);
    this.watcher.unref();
  }

  private async checkPromotions(): Promise<void> {
    const v = (await this.store.getSetting('sites.version')) ?? '0';
    if (v === this.sitesVersion) return;
    const first = this.sitesVersion === null;
    this.sitesVersion = v;
    if (first) return;
    this.invalidate();
    for (const session of this.gateway.sessionList) {
      const site = await this.store.site(session.siteId);
      if (site && site.authoritative !== session.authoritative) await this.sync(session, site.authoritative);
    }
  }

  stop(): void {
    clearInterval(this.watcher);
  }

  // ---- Integrator side ----

  /** The site, if this integrator may query it now; otherwise a 404 or a 403 that says which rule. */
  async access(integratorId: string, siteId: string): Promise<SiteRecord> {
    // A positive decision is reused for up to a second: settings and pairing changes made through this
    // Cloud clear it at once, and promotions by the admin command are noticed within the watcher interval.
    const key = `${integratorId}|${siteId.toLowerCase()}`;
    const hit = this.allowed.get(key);
    if (hit && hit.until > Date.now()) return hit.site;
    const site = await this.store.site(siteId.toLowerCase());
    if (!site) throw new ApiError(404, 'No site with this Halo GUID is known to this Cloud.');
    const practice = practiceOf(site);
    const refuse = (rule: keyof typeof ACCESS_MESSAGES): never => {
      this.audit.record({ kind: 'access.refused', actor: `integrator:${integratorId}`, siteId: site.id, integratorId, outcome: 'refused', details: { rule } });
      throw new ApiError(403, ACCESS_MESSAGES[rule]);
    };
    if (!(await this.store.isPaired(practice, integratorId))) refuse('notPaired');
    if (site.supersededBy) refuse('guidChanged');
    if (!site.authoritative) refuse('nonAuthoritative');
    if (!(await this.enabled(practice, integratorId))) refuse('disabled');
    this.allowed.set(key, { site, until: Date.now() + 1000 });
    return site;
  }

  /** Whether the practice has this integration ticked. */
  private async enabled(practice: PracticeKey, integratorId: string): Promise<boolean> {
    return (await this.store.integrations(practice)).some((i) => i.integratorId === integratorId && i.enabled);
  }

  /** The practice's authoritative site, when this integrator is paired with it and enabled. */
  async visibleSites(integratorId: string, practice: PracticeKey): Promise<SiteRecord[]> {
    if (!(await this.store.isPaired(practice, integratorId))) return [];
    if (!(await this.enabled(practice, integratorId))) return [];
    return (await this.store.sitesByPmsId(practice.pmsType, practice.pmsSiteId)).filter((s) => s.authoritative);
  }

  async pair(integratorId: string, practice: PracticeKey, code: string | undefined): Promise<SiteRecord> {
    const siteKey = `${practice.pmsType}:${practice.pmsSiteId}`;
    const wait = Math.max(this.byIntegrator.retryAfter(integratorId), this.bySite.retryAfter(siteKey));
    if (wait > 0) {
      this.audit.record({ kind: 'pairing.rateLimited', actor: `integrator:${integratorId}`, siteId: null, integratorId, outcome: 'refused', details: { pmsSiteId: practice.pmsSiteId, retryAfter: wait } });
      throw new ApiError(429, `Too many failed pairing attempts. Try again in ${wait} seconds.`, { 'Retry-After': String(wait) });
    }
    /** `guess`: a wrong code, counted against the pairing limits (a right one refused for another rule is not). */
    const failed = (status: number, reason: keyof typeof ACCESS_MESSAGES, siteId: string | null, guess = true): never => {
      if (guess) {
        this.byIntegrator.fail(integratorId);
        this.bySite.fail(siteKey);
      }
      this.audit.record({ kind: 'pairing.failed', actor: `integrator:${integratorId}`, siteId, integratorId, outcome: 'refused', details: { pmsSiteId: practice.pmsSiteId, reason } });
      throw new ApiError(status, ACCESS_MESSAGES[reason]);
    };
    const site = (await this.store.sitesByPmsId(practice.pmsType, practice.pmsSiteId)).find((s) => s.authoritative);
    if (!site) return failed(404, 'noSite', null);
    if (practice.pmsType === 'BestPractice' && !code) return failed(400, 'codeRequired', site.id);
    const stored = await this.store.pairingCode(practice, integratorId);
    const presented = pairingCodeHash(practice.pmsSiteId, integratorId, code ?? '');
    const valid = stored !== undefined && sameHash(stored.codeHash, presented) && Date.parse(stored.expiresAt) > Date.now();
    if (!valid) return failed(403, 'badCode', site.id);
    // A code issued before the practice unticked the integration pairs nothing (and is kept for if it is ticked again).
    if (!(await this.enabled(practice, integratorId))) return failed(403, 'disabled', site.id, false);
    if (!(await this.store.consumePairingCode(practice, integratorId, presented, new Date().toISOString()))) {
      return failed(403, 'badCode', site.id);
    }
    this.invalidate();
    this.audit.record({ kind: 'pairing.succeeded', actor: `integrator:${integratorId}`, siteId: site.id, integratorId, outcome: 'ok', details: { pmsSiteId: practice.pmsSiteId } });
    return site;
  }
}
