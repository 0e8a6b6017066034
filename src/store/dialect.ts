/** The SQL dialects the store speaks. Code that must differ per dialect branches on this, nowhere else. */
export const DialectKind = { SQLITE: "sqlite", POSTGRES: "postgres" } as const;
export type DialectKind = (typeof DialectKind)[keyof typeof DialectKind];

/** Column types that differ between dialects. */
export function columnTypes(kind: DialectKind) {
  return {
    /** Epoch milliseconds. */
    timestamp: kind === DialectKind.POSTGRES ? ("bigint" as const) : ("integer" as const),
  };
}
