// Money as Cint writes it (MonetaryAmount: a decimal string, its ISO 4217 code and scale), computed
// exactly on decimal strings: a target group's cost per interview, times its completes, and summed.
import type { TargetGroup } from '../sessions/store.js';
import { isObject } from './target-group-shape.js';

// ISO 4217's digits after the decimal separator, as Intl knows them (USD 2, JPY 0, KWD 3); at most one
// entry per three-letter code.
const currencyScales = new Map<string, number>();
export function currencyScaleOf(code: string): number {
  let scale = currencyScales.get(code);
  if (scale === undefined) {
    try {
      scale = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      return 2;
    }
    currencyScales.set(code, scale);
  }
  return scale;
}

/** A whole number of units of 10^-digits as a decimal string with that many digits after the point (82056, 4: "8.2056"). */
export function decimalOfUnits(units: bigint | number, digits: number): string {
  const text = units.toString().padStart(digits + 1, '0');
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** A decimal string times a count, exactly, with the decimal's own digits ("2.7352" x 3 = "8.2056"). */
export function timesDecimal(value: string, count: number): string {
  const [whole = '0', fraction = ''] = value.split('.');
  return decimalOfUnits(BigInt(whole + fraction) * BigInt(count), fraction.length);
}

/**
 * MonetaryAmounts from the target group's cost per interview: the CPI as sent, and times the completes
 * so far; none without a CPI (the mock prices nothing itself).
 */
export function costsOf(group: TargetGroup, completes: number) {
  const cpi = group.spec.cost_per_interview;
  if (!isObject(cpi) || typeof cpi.currency_code !== 'string' || typeof cpi.value !== 'string' || !/^\d+(\.\d+)?$/.test(cpi.value)) return undefined;
  const amount = (value: string) => ({ value, currency_code: cpi.currency_code, currency_scale: currencyScaleOf(cpi.currency_code as string) });
  return { perInterview: amount(cpi.value), total: amount(timesDecimal(cpi.value, completes)) };
}

/** Decimal strings summed exactly, with the most digits after the point any of them has ("1.5" + "2.25" = "3.75"). */
export function sumDecimals(values: readonly string[]): string {
  const digits = Math.max(0, ...values.map((value) => value.split('.')[1]?.length ?? 0));
  const total = values.reduce((sum, value) => {
    const [whole = '0', fraction = ''] = value.split('.');
    return sum + BigInt(whole + fraction.padEnd(digits, '0'));
  }, 0n);
  return decimalOfUnits(total, digits);
}
