import { connect } from 'mqtt';
import { startMosquitto, type Broker } from '../fixtures/mosquitto.ts';
import { expect, test } from './fixture.ts';
import { expectFieldRefused, expectFields, openPage, save, saveRefused, setFields } from './page.ts';

let open: Broker;
let locked: Broker;
test.beforeAll(async () => {
  [open, locked] = await Promise.all([startMosquitto(), startMosquitto(['allow_anonymous false'])]);
  // A retained reading reaches every new subscriber at once, like a sensor that published a minute ago.
  const pub = connect(open.url);
  await new Promise<void>((resolve) => pub.on('connect', () => resolve()));
  await pub.publishAsync('home/living/temperature', '21.5', { retain: true, qos: 1 });
  await pub.endAsync();
});
test.afterAll(async () => {
  await Promise.all([open.stop(), locked.stop()]);
});

test('MQTT settings: a bad broker URL or a refused login is not saved and the working setting stays', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Schedules');
  const working = { 'indoor-kind': 'mqtt', 'indoor-url': open.url, 'indoor-topic': 'home/living/temperature' };
  await setFields(page, working);
  await page.getByTestId('indoor-test').click();
  await expect(page.getByTestId('indoor-test-result')).toHaveText('Works: home/living/temperature reads 21.5 °C');
  await save(page, 'heating');
  await expect(page.getByTestId('sensor-indoor')).toContainText(/21[.,]5 °C, just now \(ok\)/);

  // An HTTP address is not a broker: refused before anything is stored, the field named.
  await page.getByTestId('indoor-url').fill(`http://127.0.0.1:${open.port}`);
  const wrongUrl = 'Enter a URL starting mqtt:// or mqtts:// or ws:// or wss://, such as mqtt://localhost:1883';
  await saveRefused(page, 'heating', wrongUrl);
  await expectFieldRefused(page.getByTestId('indoor-url'), wrongUrl);
  await expect(page.getByTestId('heating-saved')).toHaveCount(0);

  // A broker that turns the login away: asked once before saving, refused with its reason.
  await page.getByTestId('indoor-url').fill(locked.url);
  await page.getByTestId('indoor-test').click();
  await expect(page.getByTestId('indoor-test-result')).toContainText('Failed: The MQTT broker');
  await expect(page.getByTestId('indoor-test-result')).toContainText('refused the login');
  // Only the broker can refuse a login: the core's refusal is shown at the field it names.
  await saveRefused(page, 'heating', `Not saved: The MQTT broker ${locked.url} refused the login`);
  await expect(page.getByTestId('error-indoor.username')).toContainText('refused the login');

  await page.reload();
  await expectFields(page, working);
  await expect(page.getByTestId('sensor-indoor')).toContainText(/21[.,]5 °C/);
});

test('tariff Test shows the prices the settings give without saving them', async ({ page, server }) => {
  await openPage(page, server, 'Schedules');
  await page.getByTestId('tariff-kind').selectOption('time-of-use');
  await page.getByTestId('tariff-test').click();
  await expect(page.getByTestId('tariff-test-result')).toContainText(
    /^Works: time-of-use: \d+ slots until .+, paying 0\.\d{5} … 0\.\d{5} EUR\/kWh$/,
  );
  await page.reload();
  await expect(page.getByTestId('tariff-kind')).toHaveValue('fixed');
});
