import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import { isSecret, maskUrl, Secret } from "../../src/config/secret.js";
import { loadConfig } from "../../src/config/load.js";
import { listConfig } from "../../src/config/values.js";
import { makeHome } from "./helpers.js";

describe("Secret", () => {
  const url = Secret.url("postgresql://app:hunter2@db.example:5432/prod");

  it("prints masked however it is printed, and reveals only on purpose", () => {
    const masked = "postgresql://app:***@db.example:5432/prod";
    assert.equal(String(url), masked);
    assert.equal(`${url}`, masked);
    assert.equal(JSON.stringify({ url }), JSON.stringify({ url: masked }));
    assert.equal(inspect({ url }).includes("hunter2"), false);
    assert.equal(Object.keys(url).length, 0, "no enumerable field holds the value");
    assert.equal(url.reveal(), "postgresql://app:hunter2@db.example:5432/prod");
    assert.equal(String(Secret.opaque("tok-123")), "***");
  });

  it("masks passwords in URLs that do not parse, and in query parameters", () => {
    for (const [raw, masked] of [
      ["postgresql://u:p@ss@h:5432/db", "postgresql://u:***@h:5432/db"],
      ["postgresql://u:p/ss@h:notaport/db", "postgresql://u:***@h:notaport/db"],
      ["redis://:pw@127.0.0.1:6379", "redis://:***@127.0.0.1:6379"],
      ["postgresql://h/db?sslmode=require&password=pw", "postgresql://h/db?sslmode=require&password=***"],
      ["postgresql://u@h:5432/db", "postgresql://u@h:5432/db"],
      ["sqlite:////var/lib/sy.db", "sqlite:////var/lib/sy.db"],
    ] as const) {
      assert.equal(maskUrl(raw), masked, raw);
    }
  });

  it("knows secrets by key name or by a password in a URL", () => {
    assert.equal(isSecret("token", "abc"), true);
    assert.equal(isSecret("redis_password", "abc"), true);
    assert.equal(isSecret("api_key", "abc"), true);
    assert.equal(isSecret("connection", "redis://:pw@h:6379"), true);
    assert.equal(isSecret("redis_url", "redis//:pw@h:6379"), true, "a URL key's value with an @ that does not parse");
    assert.equal(isSecret("redis_url", "redis://h:6379"), false);
    assert.equal(isSecret("queue", "default"), false);
    assert.equal(isSecret("parallelism", 4), false);
  });

  it("executor sections carry secrets as Secret, and config list shows them masked", () => {
    const home = makeHome(`[core]\nexecutor = "LocalExecutor,fleet:LocalExecutor"\n[executors.fleet]\nauth_token = "tok-123"\nparallelism = 2\n`);
    const config = loadConfig({ home, env: {} });
    const token = config.executors["fleet"]!["auth_token"];
    assert.ok(token instanceof Secret);
    assert.equal(token.reveal(), "tok-123");
    assert.equal(JSON.stringify(listConfig(config)).includes("tok-123"), false);
  });
});
