/**
 * The one module that loads zod's code: every other module imports `z` from here. The build
 * bundles this module with zod into one file (scripts/bundle-vendor.mjs): zod's own ES modules
 * (95 of them for what the scheduler uses, ~285 in all) cost a starting process about 65 ms of CPU
 * to load, the bundle about 26 ms; the scheduler, every runner and the CLI's configuration loading
 * all start with it. Since nothing else loads zod at run time, a process holds one copy of it.
 */
export { z } from "zod";
