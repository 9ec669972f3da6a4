import { useState } from 'react';
import { JOB_LOG_MAX_BYTES, JOB_LOG_MIN_BYTES } from '#contract/job';
import { api } from '../../api/client.ts';
import { useCall, useSave } from '../../api/hooks.ts';
import { FormErrors, TextField, useFormErrors } from '../../component/field.tsx';
import { fmtNumber } from '../../component/format.ts';
import { Card, ErrorBanner, SaveButton } from '../../component/ui.tsx';

const MIB = 1024 * 1024;

/**
 * How much a job's log may take on disk. Typed in MiB (what a person thinks in) and sent as bytes;
 * the core's schema has the last word on the range, and its message names it.
 */
export function JobLogCard() {
  const { data, error, reload } = useCall('job-settings', {});
  const save = useSave();
  const errors = useFormErrors(save.error);
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? (data ? String(data.logMaxBytes / MIB) : '');
  const store = () => {
    const mib = Number(shown.replace(',', '.'));
    save.run(
      () => api.send('job-configure', { logMaxBytes: Number.isFinite(mib) ? Math.round(mib * MIB) : Number.NaN }),
      () => {
        setText(null);
        reload();
      },
    );
  };
  return (
    <FormErrors value={errors.value}>
      <Card title="Job logs">
        <p className="muted">
          Each job keeps its output in log.txt in the data folder; at this size it becomes log.1.txt and the older one
          is deleted, so a job&apos;s logs take at most twice this. Lines longer than 16 KiB are cut with a marker.
        </p>
        <ErrorBanner error={error} />
        <TextField
          label={`Log size per job (MiB, ${fmtNumber(JOB_LOG_MIN_BYTES / MIB, 4)} to ${fmtNumber(JOB_LOG_MAX_BYTES / MIB, 0)})`}
          testId="job-log-max"
          field="logMaxBytes"
          inputMode="decimal"
          value={shown}
          onChange={(t) => {
            save.edited();
            setText(t);
          }}
        />
        <SaveButton name="job-log" state={save} onClick={store}>
          Save
        </SaveButton>
      </Card>
    </FormErrors>
  );
}
