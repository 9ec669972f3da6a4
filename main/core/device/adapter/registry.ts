import { axeosAdapter } from './axeos.ts';
import { braiinsAdapter } from './braiins.ts';
import { cgminerAdapter } from './cgminer.ts';
import type { DeviceAdapter, DeviceKind } from './types.ts';

/**
 * Every LAN device adapter by the kind a device is added as (`hearth devices add KIND ADDRESS`).
 * The mapped type makes a kind without an adapter a compile error.
 */
export const deviceAdapters: { [K in DeviceKind]: DeviceAdapter & { kind: K } } = {
  axeos: axeosAdapter as DeviceAdapter & { kind: 'axeos' },
  cgminer: cgminerAdapter as DeviceAdapter & { kind: 'cgminer' },
  braiins: braiinsAdapter as DeviceAdapter & { kind: 'braiins' },
};
