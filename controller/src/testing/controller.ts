import { createController, type Controller } from '../controller.js';

type ControllerOptions = Parameters<typeof createController>[0];

/** A controller for one test file: loopback on free ports, a pool of 2, its own database. */
export function testController(databaseUrl: string, overrides: Partial<ControllerOptions> = {}): Controller {
  return createController({
    databaseUrl,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dbMaxConnections: 2,
    ...overrides,
  });
}
