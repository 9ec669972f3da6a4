import { DEFAULT_BAND_K } from '#contract/defaults';
import type { Setpoint, WeekSchedule } from '#contract/index';
import { TempField, TextField, WEEKDAYS } from '../../component/field.tsx';

/**
 * The weekly heating schedule as a grid: a row per weekday, each change of setpoint a cell. With
 * `band` (thermal mode) each cell also takes the comfort band's upper bound.
 */
export function WeekGrid({
  schedule,
  onChange,
  band = false,
}: {
  schedule: WeekSchedule;
  onChange: (s: WeekSchedule) => void;
  band?: boolean;
}) {
  const setDay = (d: number, day: Setpoint[]) => onChange(schedule.map((x, i) => (i === d ? day : x)));
  const setPoint = (d: number, i: number, patch: Partial<Setpoint>) =>
    setDay(
      d,
      (schedule[d] ?? []).map((x, j) => (j === i ? { ...x, ...patch } : x)),
    );
  const copyToWeekdays = (d: number) =>
    onChange(schedule.map((x, i) => (i < 5 ? (schedule[d] ?? []).map((s) => ({ ...s })) : x)));
  return (
    <table className="week-grid" data-testid="week-grid">
      <tbody>
        {schedule.map((day, d) => (
          <tr key={d} data-testid={`day-${d}`}>
            <th>{WEEKDAYS[d]}</th>
            <td>
              <div className="setpoints">
                {day.map((sp, i) => (
                  <div className="setpoint" key={i} data-testid={`setpoint-${d}-${i}`}>
                    <TextField
                      label="From"
                      type="time"
                      value={sp.at}
                      onChange={(at) => setPoint(d, i, { at })}
                      testId={`setpoint-${d}-${i}-at`}
                      field={`schedule.${d}.${i}.at`}
                    />
                    <TempField
                      label="Target"
                      step="0.5"
                      value={sp.c}
                      onChange={(c) => setPoint(d, i, { c })}
                      testId={`setpoint-${d}-${i}-c`}
                      field={`schedule.${d}.${i}.c`}
                    />
                    {band && (
                      <TempField
                        label="Up to"
                        step="0.5"
                        value={sp.maxC ?? sp.c + DEFAULT_BAND_K}
                        onChange={(maxC) => setPoint(d, i, { maxC })}
                        testId={`setpoint-${d}-${i}-max`}
                        field={`schedule.${d}.${i}.maxC`}
                      />
                    )}
                    <button
                      type="button"
                      aria-label={`Remove ${WEEKDAYS[d]} ${sp.at}`}
                      onClick={() =>
                        setDay(
                          d,
                          day.filter((_, j) => j !== i),
                        )
                      }
                    >
                      ×
                    </button>
                  </div>
                ))}
                <button
                  type="button"
                  onClick={() => setDay(d, [...day, { at: '12:00', c: day.at(-1)?.c ?? 20 }])}
                  data-testid={`add-setpoint-${d}`}
                >
                  + change
                </button>
                {d < 5 && (
                  <button type="button" onClick={() => copyToWeekdays(d)}>
                    Copy to Mon–Fri
                  </button>
                )}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
