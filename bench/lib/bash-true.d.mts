/** A try's start and end, epoch ms (sub-millisecond). */
export interface Span {
  readonly start: number;
  readonly end: number;
}
export declare function epochMs(): number;
export declare function bashTrue(): Promise<Span>;
