/**
 * Helpers available in email templates. Output never depends on the machine's locale, time
 * zone or ICU data (no Intl, no toLocaleString): a preview on a laptop and a send from a
 * worker must produce the same bytes, and a replayed workflow must not see a different text.
 * Dates are shown in UTC. Helpers return plain strings, so Handlebars still HTML-escapes them.
 */
import { dayMs } from './durations.js';

/** What Handlebars passes as the last argument to a helper. */
interface HelperOptions {
  hash: Record<string, unknown>;
  name?: string;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export const DATE_FORMATS = ['long', 'short', 'iso', 'weekday'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

function isOptions(value: unknown): value is HelperOptions {
  return typeof value === 'object' && value !== null && 'hash' in value;
}

/** Splits helper arguments into the positional ones and Handlebars' options object. */
function split(args: unknown[]): { params: unknown[]; hash: Record<string, unknown> } {
  const last = args[args.length - 1];
  return isOptions(last) ? { params: args.slice(0, -1), hash: last.hash } : { params: args, hash: {} };
}

/**
 * `{{date run.startedAt "long"}}` → "March 14, 2026"; formats: long (default), short
 * ("Mar 14, 2026"), iso ("2026-03-14"), weekday ("Saturday, March 14, 2026").
 * `days=N` shifts the date, e.g. `{{date account.renewalAt "long" days=-30}}`.
 * An empty value (an account without a renewal date) renders as "".
 */
export function formatDate(value: unknown, format: unknown = 'long', shiftDays: unknown = 0): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new Error(`date: expected an ISO date or a timestamp, got ${typeof value}`);
  const fmt = typeof format === 'string' ? format : 'long';
  if (!(DATE_FORMATS as readonly string[]).includes(fmt))
    throw new Error(`date: unknown format "${fmt}"; use one of ${DATE_FORMATS.join(', ')}`);
  const shift = Number(shiftDays);
  if (!Number.isInteger(shift)) throw new Error('date: days= must be a whole number');
  const base = new Date(value);
  if (Number.isNaN(base.getTime())) throw new Error(`date: "${String(value)}" is not a date`);
  const d = new Date(base.getTime() + shift * dayMs);
  const [y, m, day, wd] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCDay()];
  switch (fmt as DateFormat) {
    case 'iso':
      return `${y}-${String(m + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    case 'short':
      return `${MONTHS[m].slice(0, 3)} ${day}, ${y}`;
    case 'weekday':
      return `${WEEKDAYS[wd]}, ${MONTHS[m]} ${day}, ${y}`;
    case 'long':
      return `${MONTHS[m]} ${day}, ${y}`;
  }
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', CAD: 'CA$', AUD: 'A$', JPY: '¥' };
/** Currencies without minor units. */
const NO_CENTS = new Set(['JPY', 'KRW']);

/** Thousands separators by hand: Intl would follow the host's ICU build. */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * `{{money account.mrr "USD"}}` → "$1,250" (cents shown only when there are any: "$1,250.50").
 * Unknown currency codes are written before the amount: "CHF 1,250".
 */
export function formatMoney(amount: unknown, currency: unknown = 'USD'): string {
  const value = typeof amount === 'string' && amount.trim() !== '' ? Number(amount) : amount;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`money: "${String(amount)}" is not an amount`);
  const code = typeof currency === 'string' ? currency.toUpperCase() : 'USD';
  if (!/^[A-Z]{3}$/.test(code))
    throw new Error(`money: "${String(currency)}" is not a three-letter currency code`);
  // Work in integer cents so 0.1 + 0.2 style float noise never reaches the email.
  const cents = NO_CENTS.has(code) ? Math.round(Math.abs(value)) * 100 : Math.round(Math.abs(value) * 100);
  const whole = group(String(Math.floor(cents / 100)));
  const fraction = cents % 100 === 0 ? '' : `.${String(cents % 100).padStart(2, '0')}`;
  const sign = value < 0 && cents > 0 ? '-' : '';
  const symbol = SYMBOLS[code];
  return symbol ? `${sign}${symbol}${whole}${fraction}` : `${sign}${code} ${whole}${fraction}`;
}

/** `{{firstName contact.name}}` → "Dana"; `fallback="there"` (the default) when the name is empty. */
export function firstName(name: unknown, fallback: unknown = 'there'): string {
  const first = typeof name === 'string' ? name.trim().split(/\s+/)[0] : '';
  return first !== '' ? first : String(fallback);
}

/** `{{percent account.attributes.seatsUsed account.attributes.seatLimit}}` → "92%" (whole percent, rounded). */
export function formatPercent(part: unknown, whole: unknown): string {
  const [p, w] = [Number(part), Number(whole)];
  if (!Number.isFinite(p) || !Number.isFinite(w) || w === 0) return '';
  return `${Math.round((p / w) * 100)}%`;
}

/** The helpers as Handlebars sees them (options object last). */
export const templateHelpers: Record<string, (...args: unknown[]) => string> = {
  date(...args) {
    const { params, hash } = split(args);
    return formatDate(params[0], params[1] ?? 'long', hash.days ?? 0);
  },
  money(...args) {
    const { params } = split(args);
    return formatMoney(params[0], params[1] ?? 'USD');
  },
  firstName(...args) {
    const { params, hash } = split(args);
    return firstName(params[0], hash.fallback ?? 'there');
  },
  percent(...args) {
    const { params } = split(args);
    return formatPercent(params[0], params[1]);
  },
};
