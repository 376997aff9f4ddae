// What the HTTP app and its routes are given: the Cloud's services, built by server.ts. In its own
// module so the routes can name it without importing app.ts, which imports them.
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import type { Gateway } from '../gateway/gateway.js';
import type { QueryService } from '../queries/service.js';
import type { PracticeControl } from '../practice/control.js';
import type { AuditLog } from '../audit/log.js';
import type { AsyncQueries } from '../queries/async.js';
import type { RegisteredQueries } from '../queries/registered.js';
import type { PageStore } from '../results/page-store.js';
import type { Health } from '../health.js';

export interface AppDeps {
  store: Store;
  gateway: Gateway;
  queries: QueryService;
  asyncQueries: AsyncQueries;
  registered: RegisteredQueries;
  files: PageStore;
  control: PracticeControl;
  audit: AuditLog;
  log: Logger;
  health: Health;
  bodyLimit?: number;
}
