import { freePort, startMosquitto, type Broker } from '../fixtures/mosquitto.ts';
import { expect, test } from './fixture.ts';
import { expectFieldRefused, expectFields, openPage, save, setFields } from './page.ts';

let broker: Broker;
test.beforeAll(async () => {
  broker = await startMosquitto();
});
test.afterAll(async () => {
  await broker.stop();
});

test('Home Assistant (MQTT): connect from Settings, see it connected and publishing; a test names where it failed; a bad URL is refused at its field; a lost broker shows as disconnected', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Settings');
  const status = page.getByTestId('home-status');
  await expect(status).toHaveAttribute('data-state', 'off');

  const fields = {
    'home-url': broker.url,
    'home-username': 'hearth',
    'home-discovery-prefix': 'homeassistant',
    'home-node-id': 'e2e_node',
  };
  await setFields(page, { 'home-enabled': true, ...fields, 'home-password': 'secret words' });
  // The test first: the settings as typed, nothing stored.
  await page.getByTestId('home-test').click();
  await expect(page.getByTestId('home-test-result')).toHaveText(
    new RegExp(`^Connected to ${broker.url.replaceAll('.', '\\.')} in \\d+ ms\\.$`),
  );
  await save(page, 'home');
  // The status line follows the core's home-status events: connected, then the first publish.
  await expect(status).toHaveAttribute('data-state', 'connected');
  await expect(status).toContainText(`Connected to ${broker.url}.`);
  await expect(status).toContainText(/Last publish \d+ s ago\./);

  // The password is never shown back: the box is empty and says one is stored.
  await page.reload();
  await expectFields(page, { ...fields, 'home-password': '' });
  await expect(page.getByTestId('home-password')).toHaveAttribute('placeholder', 'stored');
  await expect(page.getByText('Password (stored; type a new one to replace it)')).toBeVisible();
  await expect(status).toHaveAttribute('data-state', 'connected');

  // A port nothing listens on: the test says the stage and what to do, and the link stays as it was.
  const closed = `mqtt://127.0.0.1:${await freePort()}`;
  await page.getByTestId('home-url').fill(closed);
  await page.getByTestId('home-test').click();
  const result = page.getByTestId('home-test-result');
  await expect(result).toHaveAttribute('data-stage', 'connect');
  await expect(page.getByTestId('home-test-stage')).toHaveText('Connection refused or unreachable');
  await expect(result).toContainText('nothing accepts connections there (ECONNREFUSED)');
  await expect(status).toHaveAttribute('data-state', 'connected');

  // Not an MQTT URL: refused at its field before anything is sent; the stored link is unchanged.
  const url = page.getByTestId('home-url');
  await url.fill(`http://127.0.0.1:${broker.port}`);
  await page.getByTestId('home-save').click();
  await expectFieldRefused(url, 'Enter the broker as mqtt://host:1883 (or mqtts://, ws://, wss://)');
  await expect(page.getByTestId('home-saved')).toHaveCount(0);
  await page.reload();
  await expectFields(page, fields);
  await expect(status).toHaveAttribute('data-state', 'connected');

  // The broker goes away: the line turns to disconnected, with the reason and the next retry.
  await broker.stop();
  await expect(status).toHaveAttribute('data-state', 'disconnected');
  await expect(status).toContainText(`Disconnected from ${broker.url}: `);
  await expect(status).toContainText(/Retrying in \d+ s \(at .+\)\./);
});
