// The failure a driver (or the result writer) reports back to the integrator as errorDetails. In its
// own module so result-writer.ts can throw it without importing driver.ts, which imports it.
import type { ErrorDetails } from '@conduit/protocol';

export class DriverError extends Error {
  constructor(readonly details: ErrorDetails) {
    super(details.errorMessage);
    this.name = 'DriverError';
  }
}
