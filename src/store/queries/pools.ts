// Statements on pool, one per module in pools/.
export { DEFAULT_POOL } from "./pools/default-pool.js";
export { deletePool } from "./pools/delete-pool.js";
export { listPools } from "./pools/list-pools.js";
export { poolUsage, type PoolUsage } from "./pools/pool-usage.js";
export { setPool } from "./pools/set-pool.js";
