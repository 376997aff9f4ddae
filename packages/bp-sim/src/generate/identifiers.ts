// Australian health identifiers with valid check digits (format-valid only: they are synthetic).

const MEDICARE_WEIGHTS = [1, 3, 7, 9, 1, 3, 7, 9];

/** Medicare check digit: weighted sum of the first 8 digits mod 10. */
export function medicareCheckDigit(first8: string): number {
  return [...first8].reduce((sum, d, i) => sum + Number(d) * (MEDICARE_WEIGHTS[i] ?? 0), 0) % 10;
}

/** 10-digit card number (8 digits, check digit, issue number) as Bp stores it in MEDICARENO. */
export function isValidMedicareNumber(value: string): boolean {
  if (!/^[2-6]\d{9}$/.test(value)) return false;
  return medicareCheckDigit(value.slice(0, 8)) === Number(value[8]);
}

export function makeMedicareNumber(first8: string, issue: number): string {
  return `${first8}${medicareCheckDigit(first8)}${issue}`;
}

/** Luhn check digit for the digits given (the digit that would be appended). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidLuhn(value: string): boolean {
  return /^\d+$/.test(value) && luhnCheckDigit(value.slice(0, -1)) === Number(value[value.length - 1]);
}

/** Individual Healthcare Identifier: 16 digits, prefix 800360, Luhn check digit last. */
export function makeIhi(middle9: string): string {
  const body = `800360${middle9}`;
  return `${body}${luhnCheckDigit(body)}`;
}

export function isValidIhi(value: string): boolean {
  return /^800360\d{10}$/.test(value) && isValidLuhn(value);
}
