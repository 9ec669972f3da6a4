import { useEffect, useState } from 'react';
import type { BrokerProbe, BrokerProbeStage, MqttLinkInput, MqttLinkStatus, MqttLinkView } from '#contract/index';
import { homeArgs } from '#contract/home';
import { api } from '../../api/client.ts';
import { useAction, useCall, useEvent, useSave } from '../../api/hooks.ts';
import { Check, FormErrors, TextField, useFormErrors } from '../../component/field.tsx';
import { fmtClock, fmtNumber } from '../../component/format.ts';
import { Card, ErrorBanner, SaveButton } from '../../component/ui.tsx';

/** The form as typed: empty boxes for the optional texts, and the password empty unless a new one is typed. */
type Draft = {
  enabled: boolean;
  url: string;
  username: string;
  password: string;
  forgetPassword: boolean;
  caFile: string;
  discoveryPrefix: string;
  nodeId: string;
};

const draftOf = (v: MqttLinkView): Draft => ({
  enabled: v.enabled,
  url: v.url,
  username: v.username ?? '',
  password: '',
  forgetPassword: false,
  caFile: v.caFile ?? '',
  discoveryPrefix: v.discoveryPrefix,
  nodeId: v.nodeId,
});

/** What Save and Test send: an empty password box keeps the stored password, "forget" removes it. */
function inputOf(d: Draft): MqttLinkInput {
  return {
    enabled: d.enabled,
    url: d.url.trim(),
    username: d.username.trim() === '' ? null : d.username.trim(),
    caFile: d.caFile.trim() === '' ? null : d.caFile.trim(),
    discoveryPrefix: d.discoveryPrefix.trim(),
    nodeId: d.nodeId.trim(),
    ...(d.password !== '' ? { password: d.password } : d.forgetPassword ? { password: null } : {}),
  };
}

const STAGE_NAMES: Record<BrokerProbeStage, string> = {
  dns: 'Host name (DNS)',
  connect: 'Connection refused or unreachable',
  tls: 'TLS',
  auth: 'Login (user name or password)',
  timeout: 'No answer in time',
  protocol: 'MQTT',
};

/** "12 s ago", "4 min ago", "2.5 h ago". */
function fmtAgo(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `${s} s ago`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min ago`;
  return `${fmtNumber(min / 60, 1)} h ago`;
}

/** The clock, ticking every second while the card is shown: for "12 s ago" and "retrying in 8 s". */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** How often the card asks for the status besides the pushes (which leave out a publish alone), ms. */
const STATUS_POLL_MS = 5_000;

/**
 * The link's status: whichever came last, a `home-status` push (each change of state) or the answer
 * to asking, which the card does every few seconds for the time of the last publish.
 */
function useLinkStatus(poll: number): { value: MqttLinkStatus | undefined; error: Error | undefined } {
  const pushed = useEvent('home-status');
  const fetched = useCall('home-status', {}, [poll]);
  const [value, setValue] = useState<MqttLinkStatus | undefined>();
  useEffect(() => {
    if (pushed) setValue(pushed);
  }, [pushed]);
  useEffect(() => {
    if (fetched.data) setValue(fetched.data);
  }, [fetched.data]);
  return { value, error: fetched.error };
}

function StatusLine({ status, now }: { status: MqttLinkStatus; now: number }) {
  const at = status.url ? ` ${status.url}` : '';
  const published =
    status.lastPublishAt === null ? 'Nothing published yet.' : `Last publish ${fmtAgo(status.lastPublishAt, now)}.`;
  let text: string;
  let tone: 'ok' | 'bad' | 'muted';
  switch (status.state) {
    case 'off':
      text = 'Off: Hearth does not connect to a broker.';
      tone = 'muted';
      break;
    case 'connecting':
      text = `Connecting to${at}…`;
      tone = 'muted';
      break;
    case 'connected':
      text = `Connected to${at}. ${published}`;
      tone = 'ok';
      break;
    case 'disconnected': {
      const why = status.lastError ? `: ${status.lastError}${/[.!?]$/.test(status.lastError) ? '' : '.'}` : '.';
      const retry =
        status.retryAt === null
          ? ''
          : ` Retrying in ${Math.max(0, Math.round((status.retryAt - now) / 1000))} s (at ${fmtClock(status.retryAt, { seconds: true })}).`;
      text = `Disconnected from${at}${why}${retry}`;
      tone = 'bad';
      break;
    }
  }
  return (
    <p className={`status ${tone}`} data-testid="home-status" data-state={status.state} role="status">
      {text}
    </p>
  );
}

function ProbeResult({ result }: { result: BrokerProbe }) {
  return result.ok ? (
    <p className="status ok" data-testid="home-test-result">
      Connected to {result.url} in {result.ms} ms.
    </p>
  ) : (
    <p className="status bad" data-testid="home-test-result" data-stage={result.stage} role="status">
      <strong data-testid="home-test-stage">{STAGE_NAMES[result.stage]}</strong>: {result.message}
    </p>
  );
}

/**
 * Hearth on the home's MQTT bus (Home Assistant's MQTT integration): the broker to connect to, a
 * connection test that says where it failed, and the link's state as the core pushes it.
 */
export function HomeCard() {
  const settings = useCall('home-settings', {});
  const now = useNow();
  const status = useLinkStatus(Math.floor(now / STATUS_POLL_MS));
  const save = useSave();
  const test = useAction();
  const [result, setResult] = useState<BrokerProbe | null>(null);
  const errors = useFormErrors(save.error ?? test.error);
  const [draft, setDraft] = useState<Draft | null>(null);
  const view = settings.data;
  useEffect(() => {
    if (view) setDraft(draftOf(view));
  }, [view]);

  const edit = (patch: Partial<Draft>) => {
    save.edited();
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };
  const store = () => {
    if (!draft) return;
    setResult(null);
    save.run(
      () => api.send('home-configure', errors.check(homeArgs['home-configure'], inputOf(draft))),
      (stored) => {
        setDraft(draftOf(stored));
      },
    );
  };
  const probe = () => {
    if (!draft) return;
    setResult(null);
    test.run(() => api.send('home-test', errors.check(homeArgs['home-test'], inputOf(draft))), setResult);
  };

  return (
    <FormErrors value={errors.value}>
      <Card title="Home Assistant (MQTT)" wide>
        <p className="muted">
          Hearth announces itself to Home Assistant through MQTT discovery on your broker (the one Home Assistant&apos;s
          MQTT integration uses): its sensors, a compute switch, a mode select, a power limit and a re-plan button, and
          the plan on its own topic. The password is stored sealed and never shown again.
        </p>
        <ErrorBanner error={settings.error ?? status.error ?? save.error ?? test.error} />
        {status.value && <StatusLine status={status.value} now={now} />}
        {view?.urlOverride && (
          <p className="muted" data-testid="home-url-override">
            This run of <code>hearth serve</code> was started with <code>--mqtt {view.urlOverride}</code>: that broker
            is used instead of the URL below until the server stops.
          </p>
        )}
        {draft && (
          <div className="settings-form">
            <Check checked={draft.enabled} onChange={(enabled) => edit({ enabled })} testId="home-enabled">
              Connect to the broker
            </Check>
            <TextField
              label="Broker URL (mqtt://host:1883, mqtts:// for TLS)"
              testId="home-url"
              field="url"
              value={draft.url}
              placeholder="mqtt://homeassistant.local:1883"
              onChange={(url) => edit({ url })}
            />
            <TextField
              label="User name (optional)"
              testId="home-username"
              field="username"
              value={draft.username}
              onChange={(username) => edit({ username })}
            />
            <TextField
              label={view?.passwordSet ? 'Password (stored; type a new one to replace it)' : 'Password (optional)'}
              testId="home-password"
              field="password"
              type="password"
              value={draft.password}
              placeholder={view?.passwordSet ? 'stored' : ''}
              onChange={(password) => edit({ password, forgetPassword: false })}
            />
            {view?.passwordSet && (
              <Check
                checked={draft.forgetPassword}
                onChange={(forgetPassword) => edit({ forgetPassword, password: '' })}
                testId="home-forget-password"
              >
                Remove the stored password on Save
              </Check>
            )}
            <TextField
              label="CA file for mqtts:// (a PEM file on this computer; empty: the system's CAs)"
              testId="home-ca-file"
              field="caFile"
              value={draft.caFile}
              placeholder="/etc/ssl/certs/my-broker-ca.pem"
              onChange={(caFile) => edit({ caFile })}
            />
            <TextField
              label="Discovery prefix (Home Assistant's MQTT setting)"
              testId="home-discovery-prefix"
              field="discoveryPrefix"
              value={draft.discoveryPrefix}
              onChange={(discoveryPrefix) => edit({ discoveryPrefix })}
            />
            <TextField
              label="Node id (topics hearth/<node id>/…)"
              testId="home-node-id"
              field="nodeId"
              value={draft.nodeId}
              onChange={(nodeId) => edit({ nodeId })}
            />
            <div className="form-row">
              <SaveButton name="home" state={save} onClick={store}>
                Save
              </SaveButton>
              <button type="button" data-testid="home-test" disabled={test.busy} onClick={probe}>
                {test.busy ? 'Testing…' : 'Test connection'}
              </button>
            </div>
            {result && <ProbeResult result={result} />}
          </div>
        )}
      </Card>
    </FormErrors>
  );
}
