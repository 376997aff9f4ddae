// @conduit/booking: a HotDoc-like online booking product for many practices. It reaches them through @conduit/sdk, or through its legacy Connector (pms/connector-hub.ts) until they move to Conduit.
export { startBooking, explain, offlineMessage, type BookingOptions, type RunningBooking } from './server.js';
export { BookingStore, BEST_PRACTICE, type Booking, type BookingStatus, type Practice } from './booking/store.js';
export { Pms, NotPairedError, BpQueries, fitting, isAwayError, isoDate, addDays, type Practitioner, type AppointmentType, type FreeSlot, type PmsAppointment } from './pms/pms.js';
export { Monitor, type MonitorOptions } from './booking/monitor.js';
export { main } from './main.js';
export { ConduitBackend, ConnectorBackend, RoutedAccess, isConnectorAwayError, type PmsAccess } from './pms/access.js';
export { ShadowAccess, type ShadowRecorder } from './migration/shadow.js';
export { ConnectorHub, ConnectorError, hashToken, type ConnectorHubOptions, type ConnectorInfo, type ConnectorHubEvent, type ConnectorErrorKind, type HubRequest, type HubResult, type HubParameter } from './pms/connector-hub.js';
export {
  STAGES, BP_RELEASES, DEFAULT_MINIMUM, MigrationStore, ErrorWindow, TransitionRefused, canTransition, readinessBlockers, versionAtLeast, parseBpVersion,
  servingBackend, shadowReads, connectorAvailable, fallbackStage,
  type Stage, type ReadinessFacts, type Blocker, type BlockerCode, type MinimumVersion, type TransitionContext, type TransitionCheck, type AuditEntry, type ShadowDifference,
} from './migration/stages.js';
export { MigrationControl, type MigrationControlOptions, type MigrationStatus } from './migration/control.js';
export { WaveStore, WaveRunner, WaveError, cohortOrder, type Wave, type WaveMember, type WaveMigration, type WaveRunnerOptions, type TickReport } from './migration/waves.js';
