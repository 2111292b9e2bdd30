import type { AgentMessage, ControlMessage, MessageOf } from '@devflow/protocol';
import type { AgentCommand } from '../servers/types.js';

/** One live, authenticated agent WebSocket as the rest of the control plane sees it. */
export interface AgentConnection {
  readonly agentId: string;
  /** Unique per connection; a replaced connection keeps its own id. */
  readonly connectionId: string;
  /** Returns false when the socket is no longer open (the message is dropped). */
  send(message: ControlMessage): boolean;
  close(code: number, reason: string): void;
}

/** Agent messages after the handshake, which the hub hands on (hello and heartbeats it keeps). */
export type StepMessage = MessageOf<AgentMessage, 'step.started' | 'log.batch' | 'step.done' | 'error'>;

/** What the hub calls; implemented by the step dispatcher. */
export interface AgentSessionHandler {
  onConnected(conn: AgentConnection, activeSteps: readonly string[]): Promise<void>;
  onMessage(conn: AgentConnection, message: StepMessage): Promise<void>;
  onCommand(conn: AgentConnection, command: Exclude<AgentCommand, { type: 'disconnect' }>): Promise<void>;
}

/** Lookup of live connections on this instance. */
export interface ConnectionRegistry {
  get(agentId: string): AgentConnection | undefined;
}

/** WebSocket close codes the hub uses (4000-4999 are for applications). */
export const CLOSE = {
  REPLACED: 4000,
  UNSUPPORTED_VERSION: 4001,
  HELLO_TIMEOUT: 4002,
  DISCONNECTED_BY_ADMIN: 4003,
  HEARTBEAT_TIMEOUT: 4004,
  SHUTDOWN: 1001,
} as const;
