import { describe, expect, it } from 'vitest';
import { checkDiscovery } from '../../../test/support/ha-discovery.ts';
import { discoveryMessages, ENTITIES } from './discovery.ts';

describe('discovery payloads', () => {
  it("every entity's config is one HA documents: keys, device, availability, classes and units agree", () => {
    const msgs = discoveryMessages({
      nodeId: 'attic',
      discoveryPrefix: 'homeassistant',
      currency: 'EUR',
      swVersion: '0.1.0',
    });
    expect(msgs).toHaveLength(ENTITIES.length);
    const ids = new Set<string>();
    for (const m of msgs) {
      const { problems, entity } = checkDiscovery(m.topic, m.payload);
      expect(problems, m.topic).toEqual([]);
      expect(entity?.nodeId).toBe('hearth_attic');
      ids.add(String(entity?.config['unique_id']));
      expect(entity?.config['device']).toMatchObject({ identifiers: ['hearth_attic'], manufacturer: 'Hearth' });
      expect(entity?.config['availability_topic']).toBe('hearth/attic/availability');
    }
    expect(ids.size).toBe(msgs.length);
  });

  it('the checker refuses what HA refuses (it is not written to pass anything)', () => {
    const base = {
      name: 'x',
      unique_id: 'u',
      state_topic: 's',
      availability_topic: 'a',
      device: { identifiers: ['d'] },
    };
    const t = 'homeassistant/sensor/n/o/config';
    const check = (c: object) => checkDiscovery(t, JSON.stringify({ ...base, ...c })).problems;
    expect(check({})).toEqual([]);
    expect(check({ device_class: 'monetary', unit_of_measurement: 'EUR', state_class: 'measurement' })).toEqual([
      'state_class measurement is impossible with device_class monetary',
    ]);
    expect(check({ device_class: 'monetary', unit_of_measurement: 'EUR/kWh' })[0]).toMatch(/ISO 4217/);
    expect(check({ device_class: 'energy', unit_of_measurement: 'kWh', state_class: 'measurement' })).toHaveLength(1);
    expect(check({ device_class: 'power', unit_of_measurement: 'kWh' })).toHaveLength(1);
    expect(check({ device_class: 'timestamp', unit_of_measurement: 's' })).toHaveLength(1);
    expect(check({ colour: 'red' })).toEqual(['sensor: "colour" is not a documented key']);
    expect(check({ unique_id: undefined })).toHaveLength(1);
    expect(check({ device: { name: 'no ids' } })).toHaveLength(1);
    expect(checkDiscovery('homeassistant/sensor/n/o/state', '{}').problems).toHaveLength(1);
  });
});
