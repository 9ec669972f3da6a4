import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { IndoorSource } from '#contract/heating';
import { parsePayload } from './json-path.ts';
import { implausible, SourceError, type SourceRunner, type SourceSink } from './types.ts';

type Mqtt = Extract<IndoorSource, { kind: 'mqtt' }>;

function clientOptions(src: Mqtt, extra: IClientOptions): IClientOptions {
  return {
    ...(src.username ? { username: src.username } : {}),
    ...(src.password ? { password: src.password } : {}),
    clientId: `hearth-${Math.random().toString(16).slice(2, 10)}`,
    ...extra,
  };
}

/** One message read as a temperature, or why it is not one (naming the setting to fix). */
function readMessage(src: Mqtt, topic: string, text: string): { c: number } | { error: string; field: string } {
  const c = parsePayload(text, src.jsonPath);
  if (c === null) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    return src.jsonPath
      ? { error: `The message on ${topic} has no number at "${src.jsonPath}": ${shown}`, field: 'jsonPath' }
      : {
          error: `The message on ${topic} is not a number: ${shown}; give a JSON path if it is JSON`,
          field: 'jsonPath',
        };
  }
  if (implausible(c))
    return { error: `The message on ${topic} says ${c}: not a room temperature in °C`, field: 'topic' };
  return { c };
}

/**
 * Why a broker turned the client away: a refused login (CONNACK 4/5, MQTT 5 codes 134/135) is the
 * settings' fault; anything else (refused connection, unknown host, timeout) may pass by itself.
 */
function connectFailure(src: Mqtt, err: Error & { code?: string | number }): SourceError {
  const code = err.code;
  if (code === 4 || code === 5 || code === 134 || code === 135) {
    return new SourceError(
      `The MQTT broker ${src.url} refused the login (${err.message}): check the user name and password`,
      { field: src.username ? 'password' : 'username' },
    );
  }
  if (typeof code === 'number')
    return new SourceError(`The MQTT broker ${src.url} refused the connection: ${err.message}`, { field: 'url' });
  return new SourceError(
    `Cannot reach the MQTT broker ${src.url} (${code ?? err.message}): check the URL and that the broker runs`,
    { transient: true, field: 'url' },
  );
}

/**
 * Subscribes to one topic; each message is a plain number or JSON read at `jsonPath`. The client
 * reconnects on its own; a lost broker shows as an error until it is back.
 */
export function subscribeMqtt(src: Mqtt, sink: SourceSink, now: () => number): SourceRunner & { client: MqttClient } {
  const client = connect(src.url, clientOptions(src, { reconnectPeriod: 5_000, connectTimeout: 10_000 }));
  client.on('connect', () => {
    client.subscribe(src.topic, { qos: 0 }, (err) => {
      if (err) sink.error(`The MQTT broker refused the subscription to ${src.topic}: ${err.message}`);
    });
  });
  client.on('message', (topic, payload) => {
    if (topic !== src.topic) return;
    const r = readMessage(src, topic, payload.toString('utf8'));
    if ('error' in r) sink.error(r.error);
    else sink.reading(r.c, now());
  });
  client.on('error', (err) => sink.error(`MQTT broker ${src.url}: ${err.message}`));
  client.on('offline', () => sink.error(`MQTT broker ${src.url} is unreachable; retrying every 5 s`));
  return {
    client,
    stop: () =>
      new Promise<void>((resolve) => {
        client.end(true, {}, () => resolve());
      }),
  };
}

/**
 * Tries the settings once, without reconnecting: connects, subscribes, and waits up to `waitMs`
 * for a message on the topic (a retained one arrives at once). Resolves with the reading, or null
 * when the broker took the subscription but nothing arrived in time; rejects with a SourceError
 * whose `transient` says whether the settings themselves are at fault.
 */
export function probeMqtt(
  src: Mqtt,
  opts: { waitMs: number; connectTimeoutMs?: number; now: () => number },
): Promise<{ c: number; at: number } | null> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const client = connect(src.url, clientOptions(src, { reconnectPeriod: 0, connectTimeout: connectTimeoutMs }));
    let timer: ReturnType<typeof setTimeout> | null = null;
    let done = false;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      client.end(true, {}, outcome);
    };
    const wait = (ms: number, then: () => void) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(then, ms);
    };
    wait(connectTimeoutMs + 500, () =>
      finish(() =>
        reject(
          new SourceError(
            `The MQTT broker ${src.url} did not answer within ${Math.round(connectTimeoutMs / 1000)} s: check the URL and that the broker runs`,
            { transient: true, field: 'url' },
          ),
        ),
      ),
    );
    client.on('error', (err) => finish(() => reject(connectFailure(src, err))));
    client.on('close', () => {
      if (!client.connected)
        finish(() =>
          reject(
            new SourceError(
              `The MQTT broker ${src.url} closed the connection before accepting it: check the URL (mqtt:// or mqtts://) and the port`,
              { transient: true, field: 'url' },
            ),
          ),
        );
    });
    client.on('message', (topic, payload) => {
      if (topic !== src.topic) return;
      const r = readMessage(src, topic, payload.toString('utf8'));
      if ('error' in r) finish(() => reject(new SourceError(r.error, { field: r.field })));
      else finish(() => resolve({ c: r.c, at: opts.now() }));
    });
    client.on('connect', () => {
      client.subscribe(src.topic, { qos: 0 }, (err, granted) => {
        // A v3.1.1 broker refuses a subscription with return code 0x80, a v5 one with a reason code.
        const refused =
          err ??
          (granted?.some((g) => g.qos >= 128)
            ? new Error(`return code ${granted.find((g) => g.qos >= 128)?.qos}`)
            : null);
        if (refused)
          return finish(() =>
            reject(
              new SourceError(
                `The MQTT broker refused the subscription to ${src.topic} (${refused.message}): check the topic and the user's access`,
                { field: 'topic' },
              ),
            ),
          );
        if (opts.waitMs <= 0) return finish(() => resolve(null));
        wait(opts.waitMs, () => finish(() => resolve(null)));
      });
    });
  });
}
