// Pricing: the rate card (the document's pricing table, the only one the mock has, under a token of the
// country it is for; get_rate_card looks one up by country) and generate_price_prediction, which prices
// from it or takes the CPI a client asks for. A rate card's table is a matrix of lengths of interview by incidence rates, in the minor units of
// its currency (its values are integers: 844 is 8.44 USD).
import { badRequest } from '../cint/errors.js';
import { answerFrom } from './answers.js';
import type { Handlers } from './handler.js';
import { currencyScaleOf, decimalOfUnits } from './money.js';

export interface RateCardTable {
  data_format: string;
  length_of_interview_minutes: number[];
  incidence_rate_percents: number[];
  pricing_table_currency_code: string;
  pricing_table_data: number[][];
}

/** The pricing table every rate card has: the document's example's. */
export const rateCardTable = (): RateCardTable =>
  (answerFrom('get_target_group_rate_card', 200, {}) as { predicted_rate_card: RateCardTable }).predicted_rate_card;

/**
 * A rate card token as Cint's example spells one (`RCT=COUNTRY:RCV=16:CC=US`, base64): the rate card
 * of a country, in the one version the mock has.
 */
export const rateCardTokenOf = (country: string) => Buffer.from(`RCT=COUNTRY:RCV=16:CC=${country}`).toString('base64');

/**
 * The table's price for a length of interview and an incidence rate (0 to 1), in minor units: the row of
 * the shortest length at least as long (the longest beyond them), the column of the highest incidence at
 * most as high (the lowest below them): a survey is priced as the band it fits in, never cheaper.
 */
export function rateCardPrice(table: RateCardTable, minutes: number, incidence: number): number {
  const lengths = table.length_of_interview_minutes;
  const row = lengths.findIndex((length) => length >= minutes);
  const rates = table.incidence_rate_percents;
  const column = rates.findIndex((rate) => rate <= incidence * 100);
  return table.pricing_table_data[row < 0 ? lengths.length - 1 : row]![column < 0 ? rates.length - 1 : column]!;
}

interface Money { value: string; currency_code: string }

type PredictionConfig =
  | { type: 'rate_card'; country_code: string; expected_length_of_interview_minutes: number; expected_incidence_rate: number; cpi_boost?: Money; maximum_cpi?: Money }
  | { type: 'dynamic'; user_requested_cpi: Money };

/** A decimal string in minor units of a currency's scale, rounded (a boost of "0.505" USD is 51 cents). */
const unitsOf = (value: string, scale: number) => Math.round(Number(value) * 10 ** scale);

export const pricingHandlers = {
  // The rate card of the country asked for: the one table, under that country's token (as target groups show it).
  get_rate_card: ({ query }) => {
    const asked = (query as { country_code: string }).country_code;
    if (!/^[A-Za-z]{2}$/.test(asked)) {
      throw badRequest([{ name: 'country_code', reason: `'country_code' must be a two-letter ISO 3166-1 alpha-2 code, not '${asked}'` }]);
    }
    const country = asked.toUpperCase();
    return { body: { country_code: country, token: rateCardTokenOf(country), rate_card_data: rateCardTable() } };
  },

  // The Open Exchange's CPI: the rate card's price for the country, boosted and capped as the request
  // says; or, for dynamic pricing, the CPI the client asks for. No private exchange: the mock has no deals.
  generate_price_prediction: ({ params, body }) => {
    const { config } = body as { config: PredictionConfig };
    const buyer = { buyer_account_id: params.account_id, buyer_business_unit_id: params.business_unit_id, buyer_business_unit_exchange_rate_from_usd: 1 };
    if (config.type === 'dynamic') {
      const { value, currency_code: currency } = config.user_requested_cpi;
      const cpi = { value, currency_code: currency, currency_scale: currencyScaleOf(currency) };
      return { body: { ...buyer, open_exchange_price: { pricing_context: { type: 'dynamic' }, cost_per_interview: cpi }, private_exchange_prices: [] } };
    }
    const table = rateCardTable();
    const currency = table.pricing_table_currency_code;
    const scale = currencyScaleOf(currency);
    let units = rateCardPrice(table, config.expected_length_of_interview_minutes, config.expected_incidence_rate);
    // "The final CPI will not exceed the maximum_cpi" (both are read in the table's currency).
    if (config.cpi_boost) units += unitsOf(config.cpi_boost.value, scale);
    if (config.maximum_cpi) units = Math.min(units, unitsOf(config.maximum_cpi.value, scale));
    const country = config.country_code.toUpperCase();
    return {
      body: {
        ...buyer,
        open_exchange_price: {
          pricing_context: { type: 'rate_card', rate_card_token: rateCardTokenOf(country) },
          // Minor units as the currency's decimal string (844, USD: "8.44"); never below nothing.
          cost_per_interview: { value: decimalOfUnits(Math.max(0, Math.round(units)), scale), currency_code: currency, currency_scale: scale },
        },
        private_exchange_prices: [],
      },
    };
  },
} satisfies Handlers;
