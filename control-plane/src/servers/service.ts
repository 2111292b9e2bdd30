import type { HostFacts } from '@devflow/protocol';
import type { Db } from '../db/client.js';
import type { AuditLog, Actor } from '../audit/audit.js';
import type { EventBus } from '../ports/event-bus.js';
import { AppError, notFound } from '../errors.js';
import { newId, randomToken, sha256 } from '../crypto/random.js';
import { AGENT_COMMANDS_TOPIC, SERVERS_TOPIC, type AgentCommand, type AgentCommandEvent, type Server, type ServerEvent, type ServerStatus } from './types.js';

export const ENROLL_TOKEN_TTL_MS = 3600 * 1000;

/** What a connected agent's hello says, for its server record. */
export interface OnlineMark {
  id: string;
  connectionId: string;
  agentVersion: string;
  host: HostFacts;
}

const toServer = (r: Record<string, unknown>): Server => ({
  id: String(r.id),
  name: String(r.name),
  labels: JSON.parse(String(r.labels ?? '{}')) as Record<string, string>,
  status: String(r.status) as ServerStatus,
  lastSeenAt: r.last_seen_at === null ? null : Number(r.last_seen_at),
  agentVersion: r.agent_version === null ? null : String(r.agent_version),
  host: r.host === null ? null : (JSON.parse(String(r.host)) as HostFacts),
  enrolled: r.public_key !== null,
  enrolledAt: r.enrolled_at === null ? null : Number(r.enrolled_at),
  createdAt: Number(r.created_at),
});

/** Servers (one per enrolled agent): records, enrolment tokens, and online/offline status. */
export class ServerService {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly audit: AuditLog,
    private readonly publicUrl: string,
  ) {}

  installCommand(token: string, name: string): string {
    // name is restricted to [A-Za-z0-9._-] and the token is base64url: nothing here needs shell quoting.
    return `curl -fsSL ${this.publicUrl}/install.sh | sudo sh -s -- --token ${token} --name ${name}`;
  }

  async create(actor: Actor, input: { name: string; labels?: Record<string, string> }): Promise<{ id: string; enrollToken: string; installCommand: string }> {
    const id = newId('srv');
    const now = Date.now();
    try {
      await this.db.execute({
        sql: 'INSERT INTO servers (id, name, labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        args: [id, input.name, JSON.stringify(input.labels ?? {}), now, now],
      });
    } catch (err) {
      if (/UNIQUE/.test((err as Error).message)) throw new AppError('CONFLICT', `a server named "${input.name}" already exists`, { name: input.name });
      throw err;
    }
    const enrollToken = await this.issueToken(id);
    await this.audit.record(actor, 'server.create', id, { name: input.name });
    await this.publish({ type: 'server.created', serverId: id, at: now });
    return { id, enrollToken, installCommand: this.installCommand(enrollToken, input.name) };
  }

  /** A new single-use enrolment token (e.g. to re-install the agent); older unused ones stop working. */
  async newEnrollToken(actor: Actor, id: string): Promise<{ enrollToken: string; installCommand: string; expiresAt: number }> {
    const server = await this.get(id);
    await this.db.execute({ sql: 'DELETE FROM enroll_tokens WHERE server_id = ? AND used_at IS NULL', args: [id] });
    const enrollToken = await this.issueToken(id);
    await this.audit.record(actor, 'server.token', id);
    return { enrollToken, installCommand: this.installCommand(enrollToken, server.name), expiresAt: Date.now() + ENROLL_TOKEN_TTL_MS };
  }

  private async issueToken(serverId: string): Promise<string> {
    // A readable prefix, and never a leading "-" that a command line would take for an option.
    const token = `dfe_${randomToken()}`;
    const now = Date.now();
    await this.db.execute({
      sql: 'INSERT INTO enroll_tokens (token_hash, server_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      args: [sha256(token), serverId, now, now + ENROLL_TOKEN_TTL_MS],
    });
    return token;
  }

  async list(): Promise<Server[]> {
    return (await this.db.execute('SELECT * FROM servers ORDER BY name')).rows.map(toServer);
  }

  async find(id: string): Promise<Server | null> {
    const row = (await this.db.execute({ sql: 'SELECT * FROM servers WHERE id = ?', args: [id] })).rows[0];
    return row ? toServer(row) : null;
  }

  async get(id: string): Promise<Server> {
    const server = await this.find(id);
    if (!server) throw notFound('server', id);
    return server;
  }

  async update(actor: Actor, id: string, patch: { name?: string; labels?: Record<string, string> }): Promise<Server> {
    const current = await this.get(id);
    try {
      await this.db.execute({
        sql: 'UPDATE servers SET name = ?, labels = ?, updated_at = ? WHERE id = ?',
        args: [patch.name ?? current.name, JSON.stringify(patch.labels ?? current.labels), Date.now(), id],
      });
    } catch (err) {
      if (/UNIQUE/.test((err as Error).message)) throw new AppError('CONFLICT', `a server named "${patch.name}" already exists`);
      throw err;
    }
    await this.audit.record(actor, 'server.update', id, patch);
    await this.publish({ type: 'server.updated', serverId: id, at: Date.now() });
    return this.get(id);
  }

  /** Delete the record (its key stops verifying) and disconnect the agent wherever it is connected. */
  async remove(actor: Actor, id: string): Promise<void> {
    const server = await this.get(id);
    await this.db.execute({ sql: 'DELETE FROM servers WHERE id = ?', args: [id] });
    await this.command(id, { type: 'disconnect', reason: 'server deleted' });
    await this.audit.record(actor, 'server.delete', id, { name: server.name });
    await this.publish({ type: 'server.deleted', serverId: id, at: Date.now() });
  }

  /** The pinned public keys (JWK text) of those of `ids` that are enrolled; one query for many dials. */
  async publicKeys(ids: readonly string[]): Promise<Map<string, string>> {
    const rs = await this.db.execute({
      sql: 'SELECT id, public_key FROM servers WHERE id IN (SELECT value FROM json_each(?)) AND public_key IS NOT NULL',
      args: [JSON.stringify(ids)],
    });
    return new Map(rs.rows.map((r) => [String(r.id), String(r.public_key)]));
  }

  /** `connectionId` identifies the live connection: a replaced one cannot mark the server offline later. */
  async markOnline(id: string, connectionId: string, agentVersion: string, host: HostFacts): Promise<void> {
    await this.markOnlineMany([{ id, connectionId, agentVersion, host }]);
  }

  /** One UPDATE for many agents (all hellos of one event-loop round); of two marks for one server the later wins. */
  async markOnlineMany(marks: readonly OnlineMark[]): Promise<void> {
    const latest = new Map(marks.map((m) => [m.id, { id: m.id, connectionId: m.connectionId, agentVersion: m.agentVersion, host: JSON.stringify(m.host) }]));
    if (latest.size === 0) return;
    const now = Date.now();
    await this.db.execute({
      sql: `UPDATE servers SET status = 'online', connection_id = v.value->>'connectionId', agent_version = v.value->>'agentVersion',
              host = v.value->>'host', last_seen_at = ?, updated_at = ?
            FROM json_each(?) AS v WHERE servers.id = v.value->>'id'`,
      args: [now, now, JSON.stringify([...latest.values()])],
    });
    await Promise.all([...latest.keys()].map((serverId) => this.publish({ type: 'server.status', serverId, status: 'online', at: now })));
  }

  /** Refresh `last_seen_at` of many servers in one statement (the hub's heartbeat sweep). */
  async touch(ids: readonly string[]): Promise<void> {
    await this.db.execute({ sql: 'UPDATE servers SET last_seen_at = ? WHERE id IN (SELECT value FROM json_each(?))', args: [Date.now(), JSON.stringify(ids)] });
  }

  async markOffline(id: string, connectionId: string): Promise<void> {
    const now = Date.now();
    const rs = await this.db.execute({
      sql: "UPDATE servers SET status = 'offline', connection_id = NULL, updated_at = ? WHERE id = ? AND status = 'online' AND connection_id = ?",
      args: [now, id, connectionId],
    });
    if (rs.rowsAffected > 0) await this.publish({ type: 'server.status', serverId: id, status: 'offline', at: now });
  }

  /** Ask the instance holding the agent's connection to act (works across instances via the bus). */
  command(agentId: string, cmd: AgentCommand): Promise<void> {
    return this.bus.publish(AGENT_COMMANDS_TOPIC, { agentId, command: cmd } satisfies AgentCommandEvent);
  }

  private publish(event: ServerEvent): Promise<void> {
    return this.bus.publish(SERVERS_TOPIC, event);
  }
}
