// What a practice or a patient is told about a failed call to their practice, through Conduit or the
// Connector: a title, a message in their words, and the HTTP status of the page.
import { ConduitApiError } from '@conduit/sdk';
import { ConnectorError } from '../pms/connector-hub.js';
import { NotPairedError, OutcomeUnknownError } from '../pms/pms.js';
import { HttpError } from '../web/http.js';

/** What a practice or patient should be told about a failed Conduit call. */
export function explain(e: unknown, productName: string): { title: string; message: string; status: number } {
  const offline = "Conduit Link isn't responding at your practice: check that the Conduit Link service is running on the practice server.";
  if (e instanceof ConduitApiError) {
    if (e.kind === 'forbidden') {
      if (e.reason === 'badPairingCode') return { title: 'That pairing code is not valid', message: 'The pairing code is wrong or has expired. Generate a new code in Best Practice (Setup › Configuration › Database › Setup third-party integrations) and enter it within its validity.', status: 403 };
      if (e.reason === 'disabled') return { title: 'Integration disabled in Best Practice', message: `${productName} (via Conduit) third-party integration has been disabled in Best Practice. Tick it in Setup › Configuration › Database › Setup third-party integrations and Save.`, status: 403 };
      if (e.reason === 'notPaired') return { title: 'Practice not connected', message: `This practice is not connected to ${productName}. Enable the Conduit integration again with a new pairing code.`, status: 403 };
      if (e.reason === 'permission') return { title: 'Not allowed by the practice', message: `The practice allows ${productName} read-only access, but booking needs read and write. Choose "Read and write" for ${productName} in Best Practice's third-party integrations.`, status: 403 };
      return { title: 'Refused', message: e.message, status: 403 };
    }
    if (e.kind === 'siteOffline') return { title: 'Practice offline', message: offline, status: 503 };
    if (e.kind === 'rateLimited') {
      const s = e.retryAfterMs !== undefined ? Math.max(1, Math.ceil(e.retryAfterMs / 1000)) : undefined;
      return { title: 'Too many attempts', message: `Too many attempts. Please wait${s ? ` ${s} seconds` : ' a minute'} and try again.`, status: 429 };
    }
    if (e.kind === 'notFound') return { title: 'Not found', message: 'No practice with that Site ID is connected to Conduit. Check the Site ID shown in Best Practice.', status: 404 };
    if (e.kind === 'timeout') return { title: 'The practice took too long', message: 'The practice server took too long to answer. Please try again in a moment.', status: 504 };
    if (e.kind === 'network' || e.kind === 'server') return { title: 'Service unavailable', message: 'We could not reach Conduit. Please try again in a moment.', status: 502 };
  }
  if (e instanceof ConnectorError) {
    if (e.kind === 'timeout') return { title: 'The practice took too long', message: 'The practice server took too long to answer. Please try again in a moment.', status: 504 };
    if (e.kind === 'denied') return { title: 'Connector switched off in Best Practice', message: `Best Practice refused the ${productName} Connector: it was unticked in Setup › Configuration › Database › Setup third-party integrations. Tick "${productName} Connector" again and Save.`, status: 503 };
    if (e.kind === 'offline' || e.kind === 'lost' || e.kind === 'retired') return { title: 'Practice offline', message: `The ${productName} Connector isn't responding at your practice: check that it is running on the practice server.`, status: 503 };
  }
  if (e instanceof OutcomeUnknownError) return { title: 'Not confirmed', message: 'The practice did not confirm your details in time, so no appointment was made. Please try again in a moment.', status: 503 };
  if (e instanceof NotPairedError) return { title: 'Not connected to Conduit yet', message: `This practice still reaches ${productName} through its Connector and has not connected to Conduit yet.`, status: 503 };
  if (e instanceof HttpError) return { title: e.status === 404 ? 'Not found' : 'Error', message: e.message, status: e.status };
  return { title: 'Something went wrong', message: 'Something went wrong. Please try again.', status: 500 };
}

export const offlineMessage = "Conduit Link isn't responding at your practice: check that the Conduit Link service is running on the practice server.";
