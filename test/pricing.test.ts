// Rate cards and price predictions over HTTP: get_rate_card answers the country asked for; rate card pricing reads the rate card every target group shows (the
// document's table, in minor units) at the band the survey fits in, boosted and capped as asked; dynamic
// pricing takes the CPI the client asks for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MockApp } from '../src/app.js';
import { ACCOUNT, assertCintError, assertMatchesSpec, clientOf, makeApp, type Client } from './helpers.js';

const URL = `/v1/demand/accounts/${ACCOUNT}/business-units/3337/generate-price-prediction`;
const US_TOKEN = Buffer.from('RCT=COUNTRY:RCV=16:CC=US').toString('base64');

describe('pricing', () => {
  let app: MockApp;
  let client: Client;
  before(async () => {
    app = await makeApp();
    client = await clientOf(app);
  });
  after(() => app.close());

  describe('get_rate_card', () => {
    const rateCard = (country: string) => app.inject({ method: 'GET', url: `/v1/demand/accounts/${ACCOUNT}/business-units/3337/rate-card?country_code=${country}`, headers: client.headers() });

    it('answers the country asked for, under its token, with the table target groups show', async () => {
      const response = await rateCard('de');
      assert.equal(response.statusCode, 200, response.body);
      assertMatchesSpec('get_rate_card', 200, response.json());
      const body = response.json();
      assert.equal(body.country_code, 'DE');
      assert.equal(body.token, Buffer.from('RCT=COUNTRY:RCV=16:CC=DE').toString('base64'));
      assert.equal(body.rate_card_data.pricing_table_data[3][3], 844);
    });

    it('answers 400 for a country code that is not two letters', async () => {
      assertCintError(await rateCard('DEU'), 400, 'bad_request_error', { invalid_params: [{ name: 'country_code', reason: /two-letter ISO 3166-1 alpha-2 code, not 'DEU'/ }] });
    });
  });

  describe('generate_price_prediction', () => {
    const predict = (config: Record<string, unknown>) => app.inject({ method: 'POST', url: URL, headers: client.headers(), payload: { config } });
    async function predicted(config: Record<string, unknown>) {
      const response = await predict(config);
      assert.equal(response.statusCode, 200, response.body);
      assertMatchesSpec('generate_price_prediction', 200, response.json());
      return response.json();
    }
    const rateCard = (minutes: number, incidence: number, more: Record<string, unknown> = {}) =>
      ({ type: 'rate_card', country_code: 'us', expected_length_of_interview_minutes: minutes, expected_incidence_rate: incidence, ...more });
    const cpiOf = async (config: Record<string, unknown>) => (await predicted(config)).open_exchange_price.cost_per_interview.value as string;

    it('prices from the rate card at the band the survey fits in: the next length up, the next incidence down', async () => {
      const body = await predicted(rateCard(15, 0.2));
      assert.deepEqual(body, {
        buyer_account_id: ACCOUNT, buyer_business_unit_id: '3337', buyer_business_unit_exchange_rate_from_usd: 1,
        open_exchange_price: { pricing_context: { type: 'rate_card', rate_card_token: US_TOKEN }, cost_per_interview: { value: '8.44', currency_code: 'USD', currency_scale: 2 } },
        private_exchange_prices: [],
      });
      // 16 minutes is priced as 20, an incidence of 25% as 20%; past the last bands, the last ones.
      assert.equal(await cpiOf(rateCard(16, 0.25)), '9.04');
      assert.equal(await cpiOf(rateCard(45, 0)), '54.31');
    });

    it('adds the CPI boost and keeps under the maximum CPI', async () => {
      const usd = (value: string) => ({ value, currency_code: 'USD' });
      assert.equal(await cpiOf(rateCard(15, 0.2, { cpi_boost: usd('0.50') })), '8.94');
      assert.equal(await cpiOf(rateCard(15, 0.2, { cpi_boost: usd('0.50'), maximum_cpi: usd('8.75') })), '8.75');
    });

    it('the rate card token is the one get_target_group_rate_card shows for the country', async () => {
      const body = await predicted({ ...rateCard(10, 0.5), country_code: 'DE' });
      assert.equal(body.open_exchange_price.pricing_context.rate_card_token, Buffer.from('RCT=COUNTRY:RCV=16:CC=DE').toString('base64'));
    });

    it('dynamic pricing predicts the CPI the client asks for, in its currency', async () => {
      const body = await predicted({ type: 'dynamic', user_requested_cpi: { value: '3.5', currency_code: 'JPY' } });
      assert.deepEqual(body.open_exchange_price, { pricing_context: { type: 'dynamic' }, cost_per_interview: { value: '3.5', currency_code: 'JPY', currency_scale: 0 } });
    });

    it('answers 400 naming what a configuration lacks, for the pricing model its type names and no other', async () => {
      const rateCardLacks = assertCintError(await predict({ type: 'rate_card', country_code: 'US' }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'config.expected_incidence_rate' }, { name: 'config.expected_length_of_interview_minutes' }],
      });
      assert.deepEqual(rateCardLacks.invalid_params.map((param: { name: string }) => param.name),
        ['config.expected_incidence_rate', 'config.expected_length_of_interview_minutes']);
      const dynamicLacks = assertCintError(await predict({ type: 'dynamic' }), 400, 'bad_request_error', {
        invalid_params: [{ name: 'config.user_requested_cpi', reason: "'config.user_requested_cpi' is required." }],
      });
      assert.equal(dynamicLacks.invalid_params.length, 1);
    });
  });
});
