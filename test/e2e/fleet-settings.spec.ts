import { startMosquitto, type Broker } from '../fixtures/mosquitto.ts';
import { call, expect, test } from './fixture.ts';
import { expectFieldRefused, openPage, save } from './page.ts';

let broker: Broker;
test.beforeAll(async () => {
  broker = await startMosquitto();
});
test.afterAll(async () => {
  await broker.stop();
});

test('Several Hearth nodes: without a broker the role says what to switch on; with one this node plans; an agent needs its planner', async ({
  page,
  server,
}) => {
  await openPage(page, server, 'Settings');
  const status = page.getByTestId('fleet-status');
  await expect(status).toHaveAttribute('data-state', 'off');

  // The planner role while the MQTT link is off: refused in words that say what to do.
  await page.getByTestId('fleet-role').selectOption('planner');
  await save(page, 'fleet');
  await expect(status).toHaveAttribute('data-state', 'disconnected');
  await expect(status).toContainText('switch the MQTT link on in Settings → Home Assistant (MQTT)');

  // An agent without its planner's id is refused at that field; nothing is stored.
  await page.getByTestId('fleet-role').selectOption('agent');
  await page.getByTestId('fleet-save').click();
  await expectFieldRefused(page.getByTestId('fleet-planner'), 'An agent needs the id of the node that plans');

  // With the broker on, the planner claims the role and plans.
  const linked = await call(page, 'home-configure', {
    enabled: true,
    url: broker.url,
    username: null,
    caFile: null,
    discoveryPrefix: 'homeassistant',
    nodeId: 'den',
  });
  expect(linked.ok).toBe(true);
  await page.reload();
  await page.getByTestId('fleet-role').selectOption('planner');
  await save(page, 'fleet');
  await expect(status).toHaveAttribute('data-state', 'planning', { timeout: 20_000 });
  await expect(status).toContainText('Planning as "den": 0 other nodes online.');
});
