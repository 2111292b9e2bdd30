import parser from 'cron-parser';
import { assertSchedule } from '../adapters/schedule-rules.js';
import { parseInput } from '../api/env.js';
import type { Actor, AuditLog } from '../audit/audit.js';
import { newId } from '../crypto/random.js';
import type { EnvironmentService } from '../environments/service.js';
import type { Environment } from '../environments/types.js';
import { AppError } from '../errors.js';
import { PortError } from '../ports/errors.js';
import type { ProjectService } from '../projects/service.js';
import { coveringPeriod, periodsBetween } from './periods.js';
import type { FreezeStore } from './store.js';
import { CalendarQuery, FreezeInput, type FreezePeriod, type FreezeWindow } from './types.js';

export interface FreezeDeps {
  store: FreezeStore;
  projects: Pick<ProjectService, 'get'>;
  environments: Pick<EnvironmentService, 'get'>;
  audit: AuditLog;
}

const DAY = 24 * 3600_000;
/** The calendar's default range: from today, four weeks; at most a year per request. */
const DEFAULT_RANGE_MS = 28 * DAY;
const MAX_RANGE_MS = 366 * DAY;

const field = (name: string, message: string): AppError => new AppError('VALIDATION_FAILED', `${name}: ${message}`, { field: name });

/**
 * Freeze windows per project or environment. Inside one, automatic deployments are skipped
 * with its reason and a person needs an admin's force with a reason (deployments/rules.ts).
 */
export class FreezeService {
  constructor(private readonly d: FreezeDeps) {}

  async list(projectRef: string, envRef?: string): Promise<FreezeWindow[]> {
    const project = await this.d.projects.get(projectRef);
    const env = envRef ? await this.d.environments.get(project.id, envRef) : undefined;
    return this.d.store.list(project.id, env?.id);
  }

  async add(actor: Actor, projectRef: string, raw: FreezeInput): Promise<FreezeWindow> {
    const input = parseInput(FreezeInput, raw);
    const project = await this.d.projects.get(projectRef);
    const env = input.environment ? await this.d.environments.get(project.id, input.environment) : null;
    const common = { id: newId('frz'), projectId: project.id, environmentId: env?.id ?? null, reason: input.reason, createdBy: actor, createdAt: Date.now() };
    let window: Omit<FreezeWindow, 'environment'>;
    if (input.cron !== undefined) {
      if (input.from !== undefined || input.to !== undefined) throw field(input.from !== undefined ? 'from' : 'to', 'a recurring window (cron) has no from/to; give either from and to, or cron and durationMinutes');
      if (input.durationMinutes === undefined) throw field('durationMinutes', 'a recurring window needs how long each freeze lasts, in minutes');
      const timezone = input.timezone ?? 'UTC';
      checkCron(input.cron, timezone);
      window = { ...common, kind: 'recurring', startsAt: null, endsAt: null, cron: input.cron, durationMinutes: input.durationMinutes, timezone };
    } else {
      if (input.from === undefined) throw field('from', 'required: when the freeze starts (or give cron and durationMinutes for a recurring one)');
      if (input.to === undefined) throw field('to', 'required: when the freeze ends');
      if (input.durationMinutes !== undefined) throw field('durationMinutes', 'only for a recurring window (with cron)');
      if (input.timezone !== undefined) throw field('timezone', 'only for a recurring window; from and to carry their own UTC offset');
      const startsAt = Date.parse(input.from);
      const endsAt = Date.parse(input.to);
      if (endsAt <= startsAt) throw field('to', `must be after from (${input.from})`);
      window = { ...common, kind: 'once', startsAt, endsAt, cron: null, durationMinutes: null, timezone: null };
    }
    const saved = await this.d.store.insert(window);
    await this.d.audit.record(actor, 'freeze.add', saved.id, { project: project.name, environment: env?.name ?? null, kind: saved.kind, reason: saved.reason });
    return saved;
  }

  async remove(actor: Actor, projectRef: string, id: string): Promise<void> {
    const project = await this.d.projects.get(projectRef);
    const window = await this.d.store.find(project.id, id);
    if (!window || !(await this.d.store.remove(project.id, id))) throw new AppError('NOT_FOUND', `freeze window "${id}" of project "${project.name}" does not exist`, { id });
    await this.d.audit.record(actor, 'freeze.remove', id, { project: project.name, environment: window.environment, reason: window.reason });
  }

  /** The environment's frozen periods in a range (its own windows and the project's), for the console calendar. */
  async calendar(projectRef: string, envRef: string, query: unknown): Promise<{ from: number; to: number; windows: FreezeWindow[]; periods: FreezePeriod[] }> {
    const q = parseInput(CalendarQuery, query);
    const from = q.from ? Date.parse(q.from) : startOfUtcDay(Date.now());
    const to = q.to ? Date.parse(q.to) : from + DEFAULT_RANGE_MS;
    if (to <= from) throw field('to', 'must be after from');
    if (to - from > MAX_RANGE_MS) throw field('to', 'at most 366 days after from');
    const windows = await this.list(projectRef, envRef);
    const periods = windows.flatMap((w) => periodsBetween(w, from, to)).sort((a, b) => a.start - b.start);
    return { from, to, windows, periods };
  }

  /** The period freezing `env` at `at` that ends last (the one to wait for), or null. */
  async active(env: Environment, at: number): Promise<{ id: string; reason: string; until: number } | null> {
    const covering = (await this.d.store.list(env.projectId, env.id)).map((w) => coveringPeriod(w, at)).filter((p): p is FreezePeriod => p !== null);
    const last = covering.sort((a, b) => b.end - a.end)[0];
    return last ? { id: last.windowId, reason: last.reason, until: last.end } : null;
  }
}

function checkCron(cron: string, timezone: string): void {
  try {
    assertSchedule({ id: 'freeze', cron, timezone, data: {} });
  } catch (err) {
    if (!(err instanceof PortError)) throw err;
    const name = err.code === 'invalid_time_zone' ? 'timezone' : 'cron';
    throw field(name, err.message.replace(/^Schedule "[^"]*": /, ''));
  }
  // What periods.ts will ask of it: a next fire time in that zone (a date that never comes is refused here).
  try {
    parser.parseExpression(cron, { tz: timezone }).next();
  } catch (err) {
    throw field('cron', `${JSON.stringify(cron)} never fires: ${(err as Error).message}`);
  }
}

const startOfUtcDay = (at: number): number => at - (at % DAY);
