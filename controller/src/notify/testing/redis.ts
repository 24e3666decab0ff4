// Where the controller's tests have always imported it from; it lives beside createTestDatabase.
export { deleteRedisPrefix } from '../../testing/db.js';
