import { connect, type MqttClient } from 'mqtt';
import type { IndoorSource } from '#contract/heating';
import { parsePayload } from './json-path.ts';
import { implausible, type SourceRunner, type SourceSink } from './types.ts';

type Mqtt = Extract<IndoorSource, { kind: 'mqtt' }>;

/**
 * Subscribes to one topic; each message is a plain number or JSON read at `jsonPath`. The client
 * reconnects on its own; a lost broker shows as an error until it is back.
 */
export function subscribeMqtt(src: Mqtt, sink: SourceSink, now: () => number): SourceRunner & { client: MqttClient } {
  const client = connect(src.url, {
    ...(src.username ? { username: src.username } : {}),
    ...(src.password ? { password: src.password } : {}),
    reconnectPeriod: 5_000,
    connectTimeout: 10_000,
    clientId: `hearth-${Math.random().toString(16).slice(2, 10)}`,
  });
  client.on('connect', () => {
    client.subscribe(src.topic, { qos: 0 }, (err) => {
      if (err) sink.error(`The MQTT broker refused the subscription to ${src.topic}: ${err.message}`);
    });
  });
  client.on('message', (topic, payload) => {
    if (topic !== src.topic) return;
    const text = payload.toString('utf8');
    const c = parsePayload(text, src.jsonPath);
    if (c === null) {
      const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
      sink.error(src.jsonPath ? `The message on ${topic} has no number at "${src.jsonPath}": ${shown}` : `The message on ${topic} is not a number: ${shown}; give a JSON path if it is JSON`);
    } else if (implausible(c)) sink.error(`The message on ${topic} says ${c}: not a room temperature in °C`);
    else sink.reading(c, now());
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
