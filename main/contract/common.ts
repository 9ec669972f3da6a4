import { z } from 'zod';

// Field schemas several domains' settings share, so each is checked and explained the same way.

export const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'enter a 3-letter currency code such as EUR');

export const ianaZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'enter an IANA time zone such as Europe/Brussels');
