import { inspect } from "node:util";

/** What a hidden part of a value is replaced with. */
export const MASK = "***";

/** Keys whose values are secrets whatever they hold: `password`, `redis_password`, `api_key`, `token`, `client_secret`… */
const SECRET_KEY = /pass(word|wd)?$|secret|token|api_?key|private_?key|credentials?$/i;

/** Query parameters of a URL that carry secrets (`?password=…`, `?sslkey=…` is a path, not a secret). */
const SECRET_PARAM = /([?&](?:password|pass|pwd|secret|token|api_?key|access_?token)=)[^&#]*/gi;

/**
 * A URL with its password and secret query parameters replaced by `***`; other text is returned unchanged.
 * Written for URLs that do not parse too (a config error shows the value that was refused): everything
 * between the user's `:` and the last `@` is hidden, so an unencoded `@` or `/` in the password does not
 * leave a piece of it showing.
 */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):.*@/is, (_m, head: string) => `${head}:${MASK}@`).replace(SECRET_PARAM, `$1${MASK}`);
}

/** Whether a URL carries a password (in its user info or a query parameter). */
function urlHasSecret(text: string): boolean {
  return maskUrl(text) !== text;
}

/**
 * Whether `[section] key = value` is a secret: a key named like one, a URL with a password, or
 * the value of a `…url` key that does not parse as a URL but has an `@` (`redis//:pw@host`, a
 * typo maskUrl cannot see into: the part before the `@` may be a password).
 */
export function isSecret(key: string, value: unknown): boolean {
  if (typeof value !== "string") return false;
  return SECRET_KEY.test(key) || urlHasSecret(value) || (/url$/i.test(key) && value.includes("@") && !URL.canParse(value));
}

/**
 * A configuration value that must not be printed: converting it to a string, JSON or `util.inspect` output
 * gives the masked form. Only the code that hands it to a driver calls `reveal()`.
 */
export class Secret {
  readonly #value: string;
  readonly #masked: string;

  private constructor(value: string, masked: string) {
    this.#value = value;
    this.#masked = masked;
    Object.freeze(this);
  }

  /** A URL: only its password (and secret query parameters) are hidden, so messages still name the host and database. */
  static url(value: string): Secret {
    return new Secret(value, maskUrl(value));
  }

  /** A token, a password, a key: hidden whole. */
  static opaque(value: string): Secret {
    return new Secret(value, MASK);
  }

  /** A secret value of `[section] key` (see isSecret): a URL keeps its host visible, anything else is hidden whole. */
  static forKey(value: string): Secret {
    return urlHasSecret(value) ? Secret.url(value) : Secret.opaque(value);
  }

  /** The value itself, for the driver that needs it. Never print it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return this.#masked;
  }

  toJSON(): string {
    return this.#masked;
  }

  [inspect.custom](): string {
    return `Secret(${this.#masked})`;
  }
}

/** The value to show for anything that may be a secret: a Secret or a secret-looking string masked, the rest unchanged. */
export function shown(key: string, value: unknown): unknown {
  if (value instanceof Secret) return value.toString();
  return typeof value === "string" && isSecret(key, value) ? Secret.forKey(value).toString() : value;
}
