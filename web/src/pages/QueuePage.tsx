import { QueuePanel } from '../components/QueuePanel.js';
import { PageHeader } from '../components/ui.js';

export function QueuePage() {
  return (
    <div className="page">
      <PageHeader title="Queue" sub="One deployment runs per project at a time; the rest wait here in order. Updates live." />
      <section className="card">
        <QueuePanel />
      </section>
    </div>
  );
}
