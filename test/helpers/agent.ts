import { AGENT_BIN, requireBuilt } from './repo.js';
import { spawnNode, type TestProcess } from './processes.js';
import { tempDir } from './temp.js';

/** `devflow-agent enroll --url --token --name --data-dir`; resolves with the data dir once it succeeded. */
export async function enrollAgent(url: string, token: string, name: string, dataDir = tempDir('devflow-agent-')): Promise<string> {
  requireBuilt(AGENT_BIN);
  const p = spawnNode('agent-enroll', AGENT_BIN, ['enroll', '--url', url, '--token', token, '--name', name, '--data-dir', dataDir]);
  await p.exited;
  if (p.exit?.code !== 0) throw new Error(`agent enroll failed (${JSON.stringify(p.exit)}):\n${p.tail()}`);
  return dataDir;
}

/** `devflow-agent run --data-dir D` in the background. */
export function runAgent(dataDir: string, env: Record<string, string> = {}): TestProcess {
  requireBuilt(AGENT_BIN);
  return spawnNode('agent', AGENT_BIN, ['run', '--data-dir', dataDir], { LOG_LEVEL: 'info', ...env });
}
