// @conduit/booking: a HotDoc-like online booking product for many practices, built only on @conduit/sdk.
export { startBooking, explain, offlineMessage, type BookingOptions, type RunningBooking } from './server.js';
export { BookingStore, type Booking, type BookingStatus, type Practice } from './store.js';
export { Pms, fitting, isAwayError, isoDate, addDays, type Practitioner, type AppointmentType, type FreeSlot, type PmsAppointment } from './pms.js';
export { Monitor, type MonitorOptions } from './monitor.js';
export { main } from './main.js';
