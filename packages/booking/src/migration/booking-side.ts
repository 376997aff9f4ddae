// The one door between the migration and the booking product. The migration reads the product's
// practices, registers Connector practices and pairs a practice with Conduit only through
// `BookingSide` (server.ts hands it the product's store and pairing); no other file in migration/
// imports from booking/ (test/architecture.test.ts holds that), and booking/ imports nothing from
// migration/.
import type { Practice } from '../booking/store.js';
import type { PairOutcome } from '../booking/pairing.js';

export { BEST_PRACTICE } from '../booking/store.js';
export type { Practice, PairOutcome };

export interface BookingSide {
  /** The product's name, as the practices know it. */
  readonly product: string;
  practices(): Practice[];
  practice(id: number): Practice | undefined;
  /** The practice with this key (its Conduit site id, or its Connector practice id). */
  practiceBySite(key: string): Practice | undefined;
  /** Adds or renames a practice reached through its Connector. */
  upsertConnectorPractice(p: { key: string; bpSiteId: string; name: string; pms?: string }): Practice;
  /** Pairs with Conduit (Site ID + pairing code), keeping a Connector practice's record. */
  pair(bpSiteId: string, code: string): Promise<PairOutcome>;
  /** What to tell the practice for each `PairOutcome` error code. */
  readonly pairErrors: Record<string, string>;
}
