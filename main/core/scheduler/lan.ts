/**
 * Carries a slot's decisions out on the LAN heater-miners (issue 23) through the device domain:
 * a level (which resumes a paused device) or a pause. A command is sent when the plan wants
 * something new for the device, and once a slot again when the device's own readings disagree
 * (someone resumed it by hand, it rebooted): never at every re-apply, so a device is not flooded.
 * Commands run in the background (the device domain retries them with backoff): a device that is
 * away or hangs never holds up the slot, the other devices or the page.
 */
import type { LanDevice } from '#contract/index';
import type { PlanDecision } from '#contract/plan';
import type { DeviceService } from '#core/device/service';
import type { RecordFn } from './executor.ts';
import { lanDeviceId, lanIdOf } from './inputs.ts';

type Want = number | 'off';

export class LanExecutor {
  /** What each device was last told, and in which slot. */
  private readonly told = new Map<string, { want: Want; slotStart: number }>();
  /** Commands still under way (retrying), by device id. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly d: { devices: Pick<DeviceService, 'list' | 'apply' | 'pause'>; record: RecordFn }) {}

  apply(slotStart: number, decisions: PlanDecision[]): void {
    const byId = new Map(this.d.devices.list().map((dev) => [dev.id, dev]));
    for (const dec of decisions) {
      const id = lanIdOf(dec.device);
      const dev = id === null ? undefined : byId.get(id);
      if (!dev) continue;
      const want: Want = dec.job === null || dec.level < 0 ? 'off' : dec.level;
      const last = this.told.get(dev.id);
      const changed = last?.want !== want;
      const retell = !changed && last!.slotStart !== slotStart && !agrees(dev, want) && !this.pending.has(dev.id);
      if (!changed && !retell) continue;
      this.told.set(dev.id, { want, slotStart });
      this.send(dev, want, dec, retell);
    }
  }

  /** Resolves when every command sent so far has ended (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  private send(dev: LanDevice, want: Want, dec: PlanDecision, retell: boolean): void {
    const device = lanDeviceId(dev.id);
    const what =
      want === 'off'
        ? 'pause'
        : `level ${want}${dev.levels[want] ? ` (${dev.levels[want]!.label}, ${dec.powerW.toFixed(1)} W planned)` : ''}`;
    const run = (want === 'off' ? this.d.devices.pause(dev.id) : this.d.devices.apply(dev.id, want)).then(
      () =>
        this.d.record({
          kind: 'decision',
          device,
          job: dec.job,
          message: `${dev.name}: ${what}${retell ? ' (again: its readings said otherwise)' : ''}`,
        }),
      (err: Error) => {
        // Asked again at the next slot if its readings still disagree.
        this.d.record({ kind: 'deviation', device, message: `${dev.name}: ${what} failed: ${err.message}` });
      },
    );
    const p = run.finally(() => {
      if (this.pending.get(dev.id) === p) this.pending.delete(dev.id);
    });
    this.pending.set(dev.id, p);
  }
}

/** Whether the device's last reading shows it doing what it was told. */
function agrees(dev: LanDevice, want: Want): boolean {
  const t = dev.telemetry;
  if (!t || dev.status !== 'online') return true; // nothing to compare; the device domain retries reads
  if (want === 'off') return t.state !== 'running';
  return t.state === 'running' && (t.level === null || t.level === want);
}
