import type { AgentHello, AgentRecord } from '../store/agents.js';
import type { GapRecord } from '../store/gaps.js';

/** What an agent's session records about the agent. The PostgreSQL version is store/agents.ts. */
export interface SessionAgents {
  /** The agent said hello: it is connected, with what it told about itself. */
  connect(hello: AgentHello): Promise<AgentRecord>;
  disconnect(id: number): Promise<void>;
  /** The agent applied a config revision, or failed to (`error` not empty). */
  configApplied(id: number, revision: number, error: string): Promise<void>;
}

/** Where gap reports (results the agent's full spool dropped) are recorded; store/gaps.ts. */
export interface SessionGaps {
  /** Idempotent on (agent, gap id). */
  record(agentId: number, gap: GapRecord): Promise<void>;
}
