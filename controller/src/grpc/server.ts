import { Server, ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@portwarden/common/errors';
import { AgentServiceService, type AgentServiceServer } from '@portwarden/proto/agent/v1';
import { runSession, type SessionDeps } from './session.js';

const SERVICE_NAME = 'portwarden.agent.v1.AgentService';

/** Channel options, each with its reason. */
const SERVER_OPTIONS: ServerOptions = {
  // Bounded frames: a result batch of 1000 results with full details stays well under this.
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  // Agents ping every 10 s to notice dead links; allow it even on a quiet stream.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  // The controller pings too, so a vanished agent's stream is released within about 40 s.
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 20_000,
};

export interface GrpcServer {
  /** host:port actually bound */
  address: string;
  stop(): Promise<void>;
}

export async function startGrpcServer(listen: string, deps: SessionDeps): Promise<GrpcServer> {
  const server = new Server(SERVER_OPTIONS);
  const impl: AgentServiceServer = { connect: (call) => runSession(call, deps) };
  server.addService(AgentServiceService, impl);
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  const protoPath = fileURLToPath(import.meta.resolve('@portwarden/proto/agent/v1/agent.proto'));
  new ReflectionService(loadSync(protoPath)).addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listen, ServerCredentials.createInsecure(), (err, bound) =>
      err
        ? reject(
            new ConfigError(
              `cannot listen for agents on ${listen}: ${err.message}`,
              'choose a free address with --grpc-listen (another controller may be running)',
              { cause: err },
            ),
          )
        : resolve(bound),
    ),
  );
  const host = listen.slice(0, listen.lastIndexOf(':'));
  return {
    address: `${host}:${port}`,
    async stop() {
      health.setStatus('', 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
