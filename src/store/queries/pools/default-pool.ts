export const DEFAULT_POOL = "default_pool";
