// The practice's "third-party integrations" settings at the Link: which integrators are ticked, with
// what access, and pairing codes. The Link is the PMS-side source of truth and reports every change
// to the Cloud at once; it also enforces the settings itself before running any query.
import { integrationSchema, pairingCodeHash, type Integration } from '@conduit/protocol';
import type { LinkState } from '../state.js';
import { newPairingCode } from './pairing-code.js';
import { authorityNote } from './authority.js';

export interface IntegrationRow extends Integration {
  name: string;
}

export interface IntegrationChange {
  enabled: boolean;
  access?: Integration['access'];
  allowList?: Integration['allowList'];
}

export interface PairingCode {
  integratorId: string;
  integratorName: string;
  /** The practice's Bp Site ID, which the integrator enters with the code. */
  siteId: string;
  code: string;
  expiresAt: string;
}

/** What the manager needs from the Link's connection. */
export interface CloudPort {
  readonly connected: boolean;
  readonly authoritative: boolean | undefined;
  /** It was authoritative and another Link was promoted since (authority.ts). */
  readonly superseded: boolean;
  readonly pmsSiteId: string;
  catalog(): Promise<{ id: string; name: string }[]>;
  report(integrations: Integration[]): Promise<void>;
  issuePairing(integratorId: string, codeHash: string, expiresAt: string): Promise<void>;
  /** Called when an integration is switched off, to stop its queries at once. */
  revoked(integratorId: string): void;
}

export class IntegrationError extends Error {
  constructor(readonly code: 'offline' | 'unconfirmed' | 'not-authoritative' | 'unknown-integrator' | 'not-enabled' | 'invalid', message: string) {
    super(message);
    this.name = 'IntegrationError';
  }
}

export const DEFAULT_PAIRING_TTL_MS = 24 * 60 * 60 * 1000;

export class IntegrationManager {
  /** In-memory copy of the settings, read on every query; the state file is written on every change. */
  private cached?: Map<string, Integration>;

  constructor(private readonly state: LinkState, private readonly cloud: CloudPort, private readonly pairingTtlMs = DEFAULT_PAIRING_TTL_MS) {}

  private settings(): Map<string, Integration> {
    this.cached ??= new Map(this.state.integrations().map((i) => [i.integratorId, i]));
    return this.cached;
  }

  get(integratorId: string): Integration | undefined {
    return this.settings().get(integratorId.toLowerCase());
  }

  /**
   * The integrators registered with Conduit: fresh from the Cloud when it answers, otherwise as last seen
   * (offline, or a Cloud that holds its connection but does not answer), so the screen still opens.
   */
  private async catalog(): Promise<{ id: string; name: string }[]> {
    if (this.cloud.connected) {
      try {
        const fresh = await this.cloud.catalog();
        this.state.set('catalog', JSON.stringify(fresh));
        return fresh;
      } catch {
        // as last seen
      }
    }
    return JSON.parse(this.state.get('catalog') ?? '[]') as { id: string; name: string }[];
  }

  /** Every integrator known to the Cloud, with this practice's settings for it. */
  async list(): Promise<IntegrationRow[]> {
    const catalog = await this.catalog();
    const settings = this.settings();
    const rows: IntegrationRow[] = catalog.map((c) => ({
      ...(settings.get(c.id) ?? { integratorId: c.id, enabled: false, access: 'read' as const, allowList: null, updatedAt: '' }),
      name: c.name,
    }));
    for (const s of settings.values()) if (!catalog.some((c) => c.id === s.integratorId)) rows.push({ ...s, name: '(no longer registered)' });
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }

  private assertEditable(): void {
    const note = authorityNote(this.cloud);
    if (note) throw new IntegrationError('not-authoritative', note);
  }

  async save(integratorId: string, change: IntegrationChange): Promise<Integration> {
    this.assertEditable();
    const id = integratorId.toLowerCase();
    // Checked here even offline: a setting the Cloud cannot take would make every later report fail.
    if (!integrationSchema.shape.integratorId.safeParse(id).success) throw new IntegrationError('invalid', `"${integratorId}" is not an integrator id.`);
    if (this.cloud.connected) {
      const catalog = await this.catalog();
      // Switching off an integrator that is no longer registered is always allowed.
      if (!catalog.some((c) => c.id === id) && (change.enabled || !this.get(id))) throw new IntegrationError('unknown-integrator', `No integrator ${integratorId} is registered with Conduit.`);
    }
    const before = this.get(id);
    const allowList = change.allowList === undefined ? (before?.allowList ?? null) : change.allowList;
    if (allowList) {
      for (const name of [...allowList.tables, ...allowList.procedures]) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new IntegrationError('invalid', `"${name}" is not a table or procedure name.`);
      }
    }
    const next: Integration = {
      integratorId: id,
      enabled: change.enabled,
      access: change.access ?? before?.access ?? 'read',
      allowList,
      updatedAt: new Date().toISOString(),
    };
    const fits = integrationSchema.safeParse(next);
    if (!fits.success) {
      const issue = fits.error.issues[0];
      throw new IntegrationError('invalid', `The setting cannot be kept: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'it is not valid'}.`);
    }
    this.state.saveIntegration(next);
    this.cached = undefined;
    if (before?.enabled && !next.enabled) this.cloud.revoked(id);
    if (this.cloud.connected) {
      try {
        await this.cloud.report(this.reportable());
      } catch {
        // It holds here already (the Link applies it to every query itself); the Cloud is told again soon.
        throw new IntegrationError('unconfirmed', 'Saved on this computer, and this Link applies it now; the Conduit Cloud did not confirm it yet, so it is sent again until it does.');
      }
    }
    return next;
  }

  async pairingCode(integratorId: string): Promise<PairingCode> {
    this.assertEditable();
    const id = integratorId.toLowerCase();
    const integration = this.get(id);
    if (!integration?.enabled) throw new IntegrationError('not-enabled', 'Tick the integration and save before generating a pairing code.');
    if (!this.cloud.connected) throw new IntegrationError('offline', 'This Link is not connected to the Conduit Cloud; a pairing code needs the connection. Check the internet connection and the Link service.');
    const catalog = await this.cloud.catalog();
    const name = catalog.find((c) => c.id === id)?.name ?? id;
    const code = newPairingCode();
    const expiresAt = new Date(Date.now() + this.pairingTtlMs).toISOString();
    await this.cloud.issuePairing(id, pairingCodeHash(this.cloud.pmsSiteId, id, code), expiresAt);
    return { integratorId: id, integratorName: name, siteId: this.cloud.pmsSiteId, code, expiresAt };
  }

  /** Adopts the practice's settings kept by the Cloud (used when this Link becomes authoritative). */
  adopt(list: Integration[]): void {
    const before = this.all();
    this.state.replaceIntegrations(list);
    this.cached = undefined;
    for (const b of before) if (b.enabled && !list.some((i) => i.integratorId === b.integratorId && i.enabled)) this.cloud.revoked(b.integratorId);
  }

  all(): Integration[] {
    return [...this.settings().values()];
  }

  /** What the Cloud can take: a setting an earlier release stored without checking is left out, not sent to fail the rest. */
  reportable(): Integration[] {
    return this.all().filter((i) => integrationSchema.safeParse(i).success);
  }
}
