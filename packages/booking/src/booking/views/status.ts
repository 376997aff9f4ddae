// How a booking's status reads on the patient's and the practice's pages.
import type { BookingStatus } from '../store.js';

export const STATUS_LABEL: Record<BookingStatus, string> = {
  pending: 'Confirming', notBooked: 'Not booked', booked: 'Booked', cancelled: 'Cancelled', cancelledInPms: 'Cancelled by the practice', moved: 'Moved by the practice', needsReview: 'To confirm',
};

export const statusLabel = (s: string): string => (STATUS_LABEL as Record<string, string>)[s] ?? s;
