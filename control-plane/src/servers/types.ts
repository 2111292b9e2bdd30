import { HostFacts } from '@devflow/protocol';
import { z } from 'zod';

export const ServerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'server name: letters, digits, ".", "_" and "-" (max 63), starting with a letter or digit');

export const Labels = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'label key: letters, digits, ".", "_", "/" and "-"'), z.string().max(255))
  .refine((l) => Object.keys(l).length <= 50, 'at most 50 labels');

/** The agent's Ed25519 public key as a JWK. */
export const Ed25519PublicJwk = z
  .object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'x: 32 bytes base64url') })
  .passthrough();

export const EnrollRequest = z.object({
  token: z.string().min(1).max(256),
  publicKey: Ed25519PublicJwk,
  name: ServerName.optional(),
  host: HostFacts.optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export type ServerStatus = 'online' | 'offline';

export interface Server {
  id: string;
  name: string;
  labels: Record<string, string>;
  status: ServerStatus;
  lastSeenAt: number | null;
  agentVersion: string | null;
  host: HostFacts | null;
  enrolled: boolean;
  enrolledAt: number | null;
  createdAt: number;
}

/** Published on the EventBus topic `servers` whenever a server changes. */
export type ServerEvent =
  | { type: 'server.status'; serverId: string; status: ServerStatus; at: number }
  | { type: 'server.created' | 'server.updated' | 'server.deleted' | 'server.enrolled'; serverId: string; at: number };

/** Asks whichever instance holds the agent's connection to act. */
export type AgentCommand =
  | { type: 'disconnect'; reason: string; /** keep this connection (the one replacing the others) */ except?: string } | { type: 'wake' } | { type: 'cancel'; stepId: string };

export const SERVERS_TOPIC = 'servers';

/**
 * Every agent command goes on this one topic, so that an instance subscribes once, not once per
 * connected agent (10,000 SUBSCRIBEs after a restart); each instance acts on the agents it holds.
 */
export const AGENT_COMMANDS_TOPIC = 'agent-commands';
export interface AgentCommandEvent {
  agentId: string;
  command: AgentCommand;
}
