import type { SetupItem, SetupStatus, SetupTopic } from '#contract/index';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/hooks.ts';
import { ErrorBanner } from '../../component/ui.tsx';

const TOPIC: Record<SetupTopic, string> = {
  tariff: 'electricity price',
  heating: 'heating',
  mining: 'mining',
  devices: 'devices',
};

/** The badge beside a value Hearth only guessed: no one saved or confirmed it. */
export function AssumedBadge({ item }: { item: SetupItem | undefined }) {
  if (!item?.assumed) return null;
  return (
    <span className="badge assumed" data-testid={`assumed-${item.topic}`} title="a default no one confirmed yet">
      assumed
    </span>
  );
}

/** The guesses that matter to the money (tariff and heating) and those still unconfirmed. */
export const guessesOf = (s: SetupStatus | undefined) =>
  (s?.items ?? []).filter((i) => i.assumed && (i.topic === 'tariff' || i.topic === 'heating'));

/**
 * "Hearth is using guesses: fixed price 0.30 EUR/kWh, gas 0.10 EUR/kWh at 90 % — confirm or change".
 * Confirm keeps the value as it is; change opens the setup at that step.
 */
export function AssumedBanner({
  status,
  onChanged,
}: {
  status: SetupStatus | undefined;
  onChanged: (s: SetupStatus) => void;
}) {
  const act = useAction();
  const guesses = guessesOf(status);
  if (guesses.length === 0) return null;
  const confirmAll = () =>
    act.run(async () => {
      let last = status!;
      for (const g of guesses) last = await api.send('setup-confirm', { topic: g.topic });
      return last;
    }, onChanged);
  return (
    <div className="banner warn assumed-banner" role="status" data-testid="assumed-banner">
      <p>
        Hearth is using guesses: {guesses.map((g) => g.value).join(', ')}. The money figures are only as right as these.
      </p>
      <div className="setup-row">
        <button type="button" onClick={confirmAll} disabled={act.busy} data-testid="assumed-confirm">
          {guesses.length === 1 ? `Confirm the ${TOPIC[guesses[0]!.topic]} as it is` : 'Confirm both as they are'}
        </button>
        <a className="button-link" href="#/setup">
          Change in the setup
        </a>
      </div>
      <ErrorBanner error={act.error} />
    </div>
  );
}
