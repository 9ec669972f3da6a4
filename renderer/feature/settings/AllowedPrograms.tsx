import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useAction, useCall } from '../../api/hooks.ts';
import { TextField } from '../../component/field.tsx';
import { Card, ErrorBanner, Table } from '../../component/ui.tsx';

/**
 * The programs command jobs may run on this machine. Editable in the desktop app only: the HTTP
 * API refuses changes to the list (a browser may be on another computer), so a browser shows it
 * read-only and says where to change it.
 */
export function AllowedProgramsCard() {
  const list = useCall('job-programs-list', {});
  const { run, busy, error } = useAction();
  const [program, setProgram] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const local = api.kind === 'ipc';
  const change = (method: 'job-programs-allow' | 'job-programs-remove', what: string) =>
    run(
      () => api.send(method, { program: what }),
      (r) => {
        const allow = method === 'job-programs-allow';
        const text = allow
          ? r.changed
            ? `Allowed ${r.program}.`
            : `${r.program} was already allowed.`
          : r.changed
            ? `Removed ${r.program}.`
            : `${r.program} was not on the list.`;
        setDone(
          allow && r.programs.some((p) => p.path === r.program && p.runsAnything)
            ? `${text} It runs anything it is given: any job may now run any code.`
            : text,
        );
        setProgram('');
        list.reload();
      },
    );
  const programs = list.data?.programs ?? [];
  return (
    <Card title="Allowed programs" wide>
      <p className="muted">
        Command jobs run only these programs, as your user, on this machine. Allowing a shell or an interpreter (sh,
        bash, python, node) allows anything: prefer the script itself or a virtual environment&apos;s python.
      </p>
      {!local && (
        <p className="banner warn" data-testid="programs-read-only">
          Read-only here: edit the list from the desktop app or with <code>hearth commands</code> on this machine.
        </p>
      )}
      <ErrorBanner error={error ?? list.error} />
      <Table className="table" testId="programs-list" head={['Program', local ? '' : 'Note']}>
        {programs.map((p) => (
          <tr key={p.path}>
            <td>
              <code>{p.path}</code>
            </td>
            <td>
              {local ? (
                <button type="button" disabled={busy} onClick={() => change('job-programs-remove', p.path)}>
                  Remove
                </button>
              ) : p.runsAnything ? (
                'runs anything it is given'
              ) : (
                ''
              )}
            </td>
          </tr>
        ))}
        {list.data && programs.length === 0 && (
          <tr>
            <td colSpan={2} className="muted">
              No programs are allowed: command jobs cannot run.
            </td>
          </tr>
        )}
      </Table>
      {list.data && (
        <p className="muted">
          Kept in <code>{list.data.file}</code>.
        </p>
      )}
      {local && (
        <div className="form-row">
          <TextField
            label="Program to allow (an absolute path, or a name looked up in PATH)"
            testId="programs-add"
            field="program"
            value={program}
            placeholder="/usr/bin/python3"
            onChange={setProgram}
          />
          <button
            type="button"
            data-testid="programs-add-go"
            disabled={busy || program.trim() === ''}
            onClick={() => change('job-programs-allow', program.trim())}
          >
            Allow
          </button>
        </div>
      )}
      {done && (
        <p className="status ok" data-testid="programs-result">
          {done}
        </p>
      )}
    </Card>
  );
}
