// What the Link tells the Cloud about its practice, read from the PMS database itself.
import { BpSimDatabase, readPracticeInfo } from '@conduit/bp-sim';
import type { SiteInfo } from '@conduit/protocol';

export function readSiteInfo(databaseFile: string): SiteInfo {
  const db = BpSimDatabase.open(databaseFile, { readonly: true });
  try {
    const info = readPracticeInfo(db);
    return {
      pmsType: 'BestPractice',
      pmsSiteId: info.siteId,
      practiceName: info.practiceName,
      pmsVersion: info.pmsVersion,
      catalogues: [{ name: 'Patients', isDefault: true }],
    };
  } finally {
    db.close();
  }
}
