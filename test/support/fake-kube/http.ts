import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiError } from "./status.js";
import { Errors } from "./status.js";
import type { Json } from "./wire.js";

const MAX_BODY = 3 * 1024 * 1024; // the apiserver's request size limit

export async function readJsonBody(req: IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw Errors.badRequest("request entity too large: limit is 3145728");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw Errors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.status, err.headers);
}
