import { StepSpec } from '@devflow/protocol';
import { expect } from 'vitest';
import type { DeploymentPlan, PlanInput } from '../src/pipeline/plan.js';
import type { PlannedStep } from '../src/pipeline/steps.js';

/**
 * A plan input for the node preset with a package-lock and a build script, one server, the app
 * in-place (tests of the default strategy leave `settings.strategy` out); override what a test needs.
 */
export function nodeInput(over: Partial<PlanInput> = {}): PlanInput {
  return {
    releaseId: '20260101120000-abc1234',
    commit: 'abc1234def5678abc1234def5678abc1234def56',
    branch: 'main',
    project: { preset: 'node', repositoryUrl: 'https://git.example.test/app.git' },
    environment: {
      name: 'production',
      app: 'shop-production',
      port: 3000,
      slotPorts: { blue: 3001, green: 3002 },
      settings: { strategy: 'in-place' },
      variables: { DATABASE_URL: 'postgres://u:pw@db/x', DEBUG: '1' },
    },
    repo: { rootFiles: ['package.json', 'package-lock.json', 'index.js'], packageScripts: { start: 'node index.js', build: 'tsc' }, config: null },
    options: {},
    servers: [{ serverId: 's1', liveReleaseId: '20251231000000-0000000', liveSlot: null }],
    ...over,
  };
}

/** Every step must be ready to send: it parses with the protocol's own schema. */
export function expectSendable(plan: DeploymentPlan): void {
  for (const server of plan.servers) for (const step of server.steps) expect(() => StepSpec.parse(step.spec), step.name).not.toThrow();
}

/** "stage/phase:kind name" per step, compact enough to compare whole plans. */
export function outline(steps: PlannedStep[]): string[] {
  return steps.map((s) => `${s.stage}/${s.phase}:${s.spec.kind} ${s.name}`);
}

export function argvOf(step: PlannedStep | undefined): string[] | undefined {
  if (!step) return undefined;
  return step.spec.kind === 'exec' || step.spec.kind === 'slot.start' ? step.spec.argv : undefined;
}
