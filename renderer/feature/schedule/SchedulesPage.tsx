import { useEffect, useState } from 'react';
import { useCall } from '../../api/hooks.ts';
import { HeatingCard } from './HeatingCard.tsx';
import { PriceChart } from './PriceChart.tsx';
import { TariffCard } from './TariffCard.tsx';

/** Ticks every 30 s so ages ("fetched 5 min ago") and the now-line move on their own. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** Tariff and heating: the two signals Hearth schedules by. */
export function SchedulesPage() {
  const now = useNow();
  const tariff = useCall('tariff-settings', {});
  const timeZone = tariff.data?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <div className="grid schedules">
      <PriceChart now={now} timeZone={timeZone} />
      <TariffCard now={now} />
      <HeatingCard now={now} />
    </div>
  );
}
