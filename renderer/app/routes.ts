import type { ComponentType } from 'react';
import { DashboardPage } from '../feature/dashboard/DashboardPage.tsx';
import { DevicesPage } from '../feature/device/DevicesPage.tsx';
import { HistoryPage } from '../feature/history/HistoryPage.tsx';
import { JobsPage } from '../feature/job/JobsPage.tsx';
import { MiningPage } from '../feature/mining/MiningPage.tsx';
import { PlanPage } from '../feature/plan/PlanPage.tsx';
import { SchedulesPage } from '../feature/schedule/SchedulesPage.tsx';
import { SettingsPage } from '../feature/settings/SettingsPage.tsx';
import { SetupPage } from '../feature/setup/SetupPage.tsx';

export type Route = { path: string; title: string; Page: ComponentType };

/** The pages in navigation order. Only pages that work are listed. */
export const routes: Route[] = [
  { path: '/', title: 'Dashboard', Page: DashboardPage },
  { path: '/devices', title: 'Devices', Page: DevicesPage },
  { path: '/schedules', title: 'Schedules', Page: SchedulesPage },
  { path: '/jobs', title: 'Jobs', Page: JobsPage },
  { path: '/mining', title: 'Mining', Page: MiningPage },
  { path: '/history', title: 'History', Page: HistoryPage },
  { path: '/plan', title: 'Plan', Page: PlanPage },
  { path: '/settings', title: 'Settings', Page: SettingsPage },
  { path: '/setup', title: 'Setup', Page: SetupPage },
];
