import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortwardenError } from '@portwarden/common/errors';
import { ControllerProcess } from './control/controller-process.js';
import { createScratchDatabase, type ScratchDatabase } from './control/database.js';
import { runSim, type SimOptions } from './run.js';

/**
 * The sim against a real controller process (built, --insecure, its own database, in-process
 * notifications): a few agents for a few seconds. Everything offered is acknowledged, and the
 * failing results that cross the threshold come back as webhooks, each once.
 */
describe('portwarden-sim against a real controller', () => {
  let db: ScratchDatabase;
  let controller: ControllerProcess;

  beforeAll(async () => {
    db = await createScratchDatabase('pw_sim_test');
    controller = await new ControllerProcess({ databaseUrl: db.url }).start();
  }, 60_000);

  afterAll(async () => {
    await controller?.stop();
    await db?.drop();
  });

  const options = (over: Partial<SimOptions>): SimOptions => ({
    controller: controller.grpcAddress,
    api: controller.httpUrl,
    adminToken: controller.adminToken,
    agents: 6,
    checks: 3,
    intervalMs: 300,
    failureRate: 0.3,
    failuresBeforeAlert: 1,
    seed: 7,
    agentsPerConnection: 4,
    rampMs: 200,
    warmupMs: 300,
    durationMs: 2500,
    drainMs: 10_000,
    controllerPid: controller.pid,
    databaseUrl: db.url,
    namePrefix: `t${Date.now().toString(36)}`,
    ...over,
  });

  it('has every result acknowledged and every crossing notified once', async () => {
    const report = await runSim(options({}));
    expect(report.totals.offered).toBeGreaterThan(100);
    expect(report.totals.acked).toBe(report.totals.offered);
    expect(report.drained).toBe(true);
    // 6 agents × 3 checks every 300 ms: 60/s nominal; offered in the window near it.
    expect(report.offeredPerSecond).toBeGreaterThan(40);
    expect(report.ackLatencyMs.count).toBeGreaterThan(0);
    expect(report.resultsPerMessage).toBeGreaterThanOrEqual(1);
    const n = report.notifications!;
    expect(n.expected).toBeGreaterThan(0);
    expect(n.received).toBe(n.expected);
    expect(n).toMatchObject({ doubled: 0, missing: 0, unexpected: 0 });
    expect(n.firingLatency.count).toBeGreaterThan(0);
    expect(report.unreachableIncidents).toBe(0);
    expect(report.controller!.rssMiB).toBeGreaterThan(10);
    expect(report.commitsPerResult).toBeGreaterThan(0);
    expect(report.streamErrors).toBe(0);
    expect(report.configuredAgents).toBe(6);
  }, 30_000);

  it('refuses to run with a token the controller does not accept, and says how to fix it', async () => {
    const run = runSim(options({ adminToken: 'pwt_not-a-token' }));
    await expect(run).rejects.toBeInstanceOf(PortwardenError);
    await expect(run).rejects.toMatchObject({
      code: 'sim-policy',
      hint: expect.stringContaining('--admin-token-file'),
    });
  });

  it('tells when agents never get a config (no controller there)', async () => {
    const run = runSim(
      options({ controller: '127.0.0.1:1', api: undefined, adminToken: undefined, configTimeoutMs: 500 }),
    );
    await expect(run).rejects.toMatchObject({
      code: 'sim-connect',
      hint: expect.stringContaining('--insecure'),
    });
  });
});
