import type { ReactNode } from 'react';
import { Empty } from './components/ui.js';
import { DashboardPage } from './pages/DashboardPage.js';
import { DeploymentPage } from './pages/DeploymentPage.js';
import { EnvironmentSettingsPage } from './pages/environment/EnvironmentSettingsPage.js';
import { HistoryPage } from './pages/HistoryPage.js';
import { ProjectPage } from './pages/ProjectPage.js';
import { ProjectSettingsPage } from './pages/project/ProjectSettingsPage.js';
import { ProjectsPage } from './pages/ProjectsPage.js';
import { QueuePage } from './pages/QueuePage.js';
import { ServersPage } from './pages/ServersPage.js';
import { AccessPage } from './pages/AccessPage.js';
import { ApprovalsPage } from './pages/approvals/ApprovalsPage.js';
import { MetricsPage } from './pages/metrics/MetricsPage.js';
import { Link, matchPath, useLocation } from './router/router.js';

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode];

const ROUTES: Route[] = [
  ['/', () => <DashboardPage />],
  ['/projects', () => <ProjectsPage />],
  ['/projects/:project', (p) => <ProjectPage key={p.project} project={p.project!} />],
  ['/projects/:project/settings', (p) => <ProjectSettingsPage key={p.project} project={p.project!} />],
  ['/projects/:project/environments/:env', (p) => <EnvironmentSettingsPage key={`${p.project}/${p.env}`} project={p.project!} env={p.env!} />],
  ['/deployments', () => <HistoryPage />],
  ['/deployments/:id', (p) => <DeploymentPage key={p.id} id={p.id!} />],
  ['/queue', () => <QueuePage />],
  ['/approvals', () => <ApprovalsPage />],
  ['/servers', () => <ServersPage />],
  // Not /metrics: that path is the Prometheus endpoint of the control plane.
  ['/insights', () => <MetricsPage />],
  ['/settings/access', () => <AccessPage />],
];

export function Routes() {
  const { path } = useLocation();
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, path);
    if (params) return <>{render(params)}</>;
  }
  return (
    <Empty title="There is no page here.">
      <Link to="/">Back to the dashboard</Link>
    </Empty>
  );
}
