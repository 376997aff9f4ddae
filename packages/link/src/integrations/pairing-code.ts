// Pairing codes a practice reads out or pastes: 10 characters from an alphabet without look-alikes
// (no 0/O, 1/I/L), about 49.5 bits, shown as ABCDE-FGHJK.
import { randomInt } from 'node:crypto';

export const PAIRING_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PAIRING_LENGTH = 10;

export function newPairingCode(): string {
  let s = '';
  for (let i = 0; i < PAIRING_LENGTH; i++) s += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** Entropy of a code in bits (documented and tested: at least 40). */
export const PAIRING_BITS = PAIRING_LENGTH * Math.log2(PAIRING_ALPHABET.length);
