import { deviceLoginsSealed } from './device/setting.ts';
import { heatingSecret, heatingSetting } from './heating/setting.ts';
import { homeLinkPassword, homeLinkSetting } from './home/setting.ts';
import { miningSetting, type StoredMining } from './mining/setting.ts';
import { sealedBy, type SealedSetting } from './secret.ts';
import { tariffSetting, tariffToken } from './tariff/setting.ts';

/**
 * Every setting that stores a sealed secret: the day-ahead tariff's token, the indoor source's
 * Home Assistant token or MQTT password, the mining pools' passwords, the home bus's broker password, the LAN devices' logins. The core seals again any of
 * them still stored as plain text when it starts (app.ts); a new secret setting belongs here.
 */
export const sealedSettings: SealedSetting<unknown>[] = [
  sealedBy(tariffSetting, tariffToken),
  sealedBy(heatingSetting, heatingSecret),
  sealedBy(homeLinkSetting, homeLinkPassword),
  {
    def: miningSetting,
    map: (value: StoredMining, fn) => ({
      ...value,
      pools: value.pools.map((p) => (p.password === null ? p : { ...p, password: fn(p.password) })),
    }),
  } satisfies SealedSetting<StoredMining>,
  deviceLoginsSealed,
] as SealedSetting<unknown>[];
