// Practice identity as the Link reports it (Bp Site ID = Halo's PMS ID).
import type { BpSimDatabase } from './database.js';

export const PMS_VERSION = 'Bp Premier Orchid SP1 (simulated by Conduit bp-sim)';

export function readPracticeInfo(db: BpSimDatabase): { siteId: string; practiceName: string; pmsVersion: string } {
  const row = db.raw.prepare('SELECT SITEID, PRACTICENAME, PMSVERSION FROM PRACTICE ORDER BY PRACTICEID LIMIT 1').get() as
    { SITEID: string | null; PRACTICENAME: string | null; PMSVERSION: string | null } | undefined;
  if (!row) throw new Error('the database has no PRACTICE row; was it created with createPracticeDatabase?');
  return { siteId: row.SITEID ?? '', practiceName: row.PRACTICENAME ?? '', pmsVersion: row.PMSVERSION ?? PMS_VERSION };
}
