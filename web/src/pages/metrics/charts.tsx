/**
 * Inline SVG charts (no chart library): a fixed coordinate space scaled to the container's
 * width, so the same drawing serves 1280 px and 390 px. Every mark has a <title> for hover.
 */
const W = 640;
const H = 220;
const PAD = { left: 66, right: 12, top: 12, bottom: 28 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

export interface Series {
  key: string;
  label: string;
  color: string;
}

/** 1, 2, 5 steps: a rounded top for the y axis. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

function XLabels({ labels }: { labels: string[] }) {
  const every = Math.max(1, Math.ceil(labels.length / 6));
  const step = plotW / Math.max(labels.length, 1);
  return (
    <>
      {labels.map((l, i) =>
        i % every === 0 ? (
          <text key={i} x={PAD.left + step * (i + 0.5)} y={H - 8} textAnchor="middle" className="chart-axis">
            {l}
          </text>
        ) : null,
      )}
    </>
  );
}

function YAxis({ max, format }: { max: number; format: (v: number) => string }) {
  return (
    <>
      {[0, 0.5, 1].map((f) => {
        const y = PAD.top + plotH * (1 - f);
        return (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="chart-grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end" className="chart-axis">
              {format(max * f)}
            </text>
          </g>
        );
      })}
    </>
  );
}

export function Legend({ series }: { series: Series[] }) {
  return (
    <ul className="chart-legend">
      {series.map((s) => (
        <li key={s.key}>
          <span className="chart-swatch" style={{ background: s.color }} aria-hidden="true" />
          {s.label}
        </li>
      ))}
    </ul>
  );
}

/** One bar per bucket, stacked by series (e.g. deployments by status). */
export function StackedBars({ title, labels, rows, series }: { title: string; labels: string[]; rows: Record<string, number>[]; series: Series[] }) {
  const max = niceMax(Math.max(0, ...rows.map((r) => series.reduce((s, x) => s + (r[x.key] ?? 0), 0))));
  const step = plotW / Math.max(rows.length, 1);
  const barW = Math.max(1, step * 0.7);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <YAxis max={max} format={(v) => String(Math.round(v))} />
        {rows.map((r, i) => {
          let y = PAD.top + plotH;
          return (
            <g key={i}>
              {series.map((s) => {
                const v = r[s.key] ?? 0;
                if (v === 0) return null;
                const h = (v / max) * plotH;
                y -= h;
                return (
                  <rect key={s.key} x={PAD.left + step * i + (step - barW) / 2} y={y} width={barW} height={h} fill={s.color}>
                    <title>{`${labels[i]}: ${v} ${s.label.toLowerCase()}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        <XLabels labels={labels} />
      </svg>
      <Legend series={series} />
    </figure>
  );
}

/** Lines over buckets; null values leave gaps. */
export function Lines({ title, labels, rows, series, format, max }: { title: string; labels: string[]; rows: Record<string, number | null>[]; series: Series[]; format: (v: number) => string; max?: number }) {
  const top = max ?? niceMax(Math.max(0, ...rows.flatMap((r) => series.map((s) => r[s.key] ?? 0))));
  const step = plotW / Math.max(rows.length, 1);
  const x = (i: number) => PAD.left + step * (i + 0.5);
  const y = (v: number) => PAD.top + plotH * (1 - v / top);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <YAxis max={top} format={format} />
        {series.map((s) => {
          // Split into runs of present values so a missing bucket is a gap, not a dip to zero.
          const runs: string[][] = [[]];
          rows.forEach((r, i) => {
            const v = r[s.key];
            if (v === null || v === undefined) runs.push([]);
            else runs[runs.length - 1]?.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
          });
          return (
            <g key={s.key}>
              {runs.filter((r) => r.length > 1).map((r, i) => (
                <polyline key={i} points={r.join(' ')} fill="none" stroke={s.color} strokeWidth={2} />
              ))}
              {rows.map((r, i) => {
                const v = r[s.key];
                return v === null || v === undefined ? null : (
                  <circle key={i} cx={x(i)} cy={y(v)} r={3} fill={s.color}>
                    <title>{`${labels[i]}: ${s.label} ${format(v)}`}</title>
                  </circle>
                );
              })}
            </g>
          );
        })}
        <XLabels labels={labels} />
      </svg>
      <Legend series={series} />
    </figure>
  );
}
