import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the built UI lives: what the controller serves at `/` (empty until `npm run build`). */
export const webRoot = join(dirname(fileURLToPath(import.meta.url)), 'dist');
