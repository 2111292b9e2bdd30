import { useState } from 'react';
import { COMMAND_STAGES, STAGES, type Command, type PipelineOverrides, type Stage } from '../api/types.js';
import { commandsToText, textToCommands } from './commands.js';

type Texts = Record<string, string>;

const STAGE_HINT: Record<string, string> = {
  install: 'e.g. npm ci — reused from the previous release when the lockfile is unchanged',
  build: 'e.g. npm run build',
  migrate: 'e.g. php artisan migrate --force — skipped with “Skip migrations”',
  cache: 'e.g. php artisan optimize — skipped with “Skip cache clearing”',
  restart: 'e.g. a reload command; supervised apps restart by themselves',
};

function initialTexts(p: PipelineOverrides): { texts: Texts; off: Record<string, boolean> } {
  const texts: Texts = {};
  const off: Record<string, boolean> = {};
  for (const stage of COMMAND_STAGES) {
    texts[stage] = commandsToText(p[stage]);
    off[stage] = p[stage] === false || p[stage] === null;
  }
  for (const stage of STAGES) {
    texts[`before_${stage}`] = commandsToText(p.hooks?.[stage]?.before);
    texts[`after_${stage}`] = commandsToText(p.hooks?.[stage]?.after);
  }
  texts.downMigrate = commandsToText(p.downMigrate ?? undefined);
  texts.sharedPaths = (p.sharedPaths ?? []).join('\n');
  return { texts, off };
}

function one(list: Command[]): Command | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : undefined;
}

/** Builds the settings layer from the editor; throws CommandSyntaxError on a bad argv line. */
function build(base: PipelineOverrides, texts: Texts, off: Record<string, boolean>): PipelineOverrides {
  const out: PipelineOverrides = { ...base };
  for (const stage of COMMAND_STAGES) {
    const list = textToCommands(texts[stage] ?? '');
    if (off[stage]) out[stage] = false;
    else if (list.length === 0) delete out[stage];
    else out[stage] = list;
  }
  const hooks: NonNullable<PipelineOverrides['hooks']> = {};
  for (const stage of STAGES) {
    const before = textToCommands(texts[`before_${stage}`] ?? '');
    const after = textToCommands(texts[`after_${stage}`] ?? '');
    if (before.length || after.length) hooks[stage] = { ...(before.length ? { before } : {}), ...(after.length ? { after } : {}) };
  }
  if (Object.keys(hooks).length) out.hooks = hooks;
  else delete out.hooks;
  const down = textToCommands(texts.downMigrate ?? '');
  if (down.length > 1) throw new Error('down-migration: one command only');
  if (one(down)) out.downMigrate = one(down);
  else delete out.downMigrate;
  const shared = (texts.sharedPaths ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  if (shared.length) out.sharedPaths = shared;
  else delete out.sharedPaths;
  return out;
}

/**
 * Stage commands, hooks, down-migration and shared paths of one settings
 * layer. Empty means “inherit from the layer below” (preset, or the project for an environment).
 */
export function PipelineEditor({
  initial,
  inheritFrom,
  onChange,
}: {
  initial: PipelineOverrides;
  inheritFrom: string;
  onChange: (result: { settings: PipelineOverrides } | { error: string }) => void;
}) {
  const [{ texts, off }, setState] = useState(() => initialTexts(initial));
  const update = (nextTexts: Texts, nextOff: Record<string, boolean>) => {
    setState({ texts: nextTexts, off: nextOff });
    try {
      onChange({ settings: build(initial, nextTexts, nextOff) });
    } catch (err) {
      onChange({ error: (err as Error).message });
    }
  };
  const setText = (key: string, value: string) => update({ ...texts, [key]: value }, off);
  const hookCount = STAGES.filter((s) => texts[`before_${s}`] || texts[`after_${s}`]).length;

  return (
    <div className="pipeline-editor">
      <p className="muted small">
        One command per line, run in the release directory with <code>sh -c</code>. A line like <code>["npm","ci"]</code> runs without a
        shell. Empty fields inherit from {inheritFrom}.
      </p>
      {COMMAND_STAGES.map((stage) => (
        <div key={stage} className="field">
          <div className="field-label row-between">
            <span>{stage}</span>
            <label className="check small">
              <input type="checkbox" checked={off[stage] ?? false} onChange={(e) => update(texts, { ...off, [stage]: e.target.checked })} /> turn off
            </label>
          </div>
          <textarea
            aria-label={`${stage} commands`}
            rows={2}
            disabled={off[stage]}
            value={texts[stage] ?? ''}
            placeholder={`inherit from ${inheritFrom}`}
            onChange={(e) => setText(stage, e.target.value)}
            spellCheck={false}
          />
          <span className="field-hint">{STAGE_HINT[stage]}</span>
        </div>
      ))}
      <label className="field">
        <span className="field-label">Down-migration command</span>
        <input aria-label="Down-migration command" value={texts.downMigrate ?? ''} onChange={(e) => setText('downMigrate', e.target.value)} spellCheck={false} />
        <span className="field-hint">Offered when rolling back, e.g. php artisan migrate:rollback --force.</span>
      </label>
      <label className="field">
        <span className="field-label">Shared paths</span>
        <textarea aria-label="Shared paths" rows={2} value={texts.sharedPaths ?? ''} onChange={(e) => setText('sharedPaths', e.target.value)} spellCheck={false} />
        <span className="field-hint">One relative path per line, kept across releases (storage, uploads).</span>
      </label>
      <details className="hooks" open={hookCount > 0}>
        <summary>
          Hooks {hookCount > 0 && <span className="tag">{hookCount} stage{hookCount === 1 ? '' : 's'}</span>}
        </summary>
        <div className="hooks-grid">
          {STAGES.map((stage: Stage) => (
            <div key={stage} className="hook-stage">
              <div className="field-label">{stage}</div>
              <textarea aria-label={`before ${stage}`} rows={1} placeholder="before" value={texts[`before_${stage}`] ?? ''} onChange={(e) => setText(`before_${stage}`, e.target.value)} spellCheck={false} />
              <textarea aria-label={`after ${stage}`} rows={1} placeholder="after" value={texts[`after_${stage}`] ?? ''} onChange={(e) => setText(`after_${stage}`, e.target.value)} spellCheck={false} />
            </div>
          ))}
        </div>
      </details>
    </div>
  );
}
