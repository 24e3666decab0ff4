import { resolve } from 'node:path';

/**
 * Where the quick start (`npm start`) keeps its state, relative to the directory it runs in; env
 * PORTWARDEN_HOME moves it. The CLI reads the admin token there by itself.
 */
export const QUICKSTART_HOME = './.portwarden';

/** The quick start's --admin-token-file, inside its state directory. */
export const QUICKSTART_ADMIN_TOKEN = 'admin-token';

/** `<cwd>/.portwarden/admin-token`, or under PORTWARDEN_HOME when set (an empty one counts as unset). */
export function quickstartAdminTokenFile(env: NodeJS.ProcessEnv, cwd: string): string {
  return resolve(cwd, env.PORTWARDEN_HOME?.trim() || QUICKSTART_HOME, QUICKSTART_ADMIN_TOKEN);
}
