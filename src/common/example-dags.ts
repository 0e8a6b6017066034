import path from "node:path";
import { fileURLToPath } from "node:url";

/** The bundled example DAGs (examples/dags at the package root, from src/ or dist/ alike). */
export const EXAMPLE_DAGS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "dags");
