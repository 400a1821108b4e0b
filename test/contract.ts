import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import { openApiDocument } from "@/lib/openapi";

/**
 * Checks real responses against the generated OpenAPI document. For the check every object in the
 * document is closed (`additionalProperties: false`), so a field a route sends but the contract
 * does not name fails as surely as a missing or mistyped one.
 */

type Method = "get" | "post" | "put" | "delete";

function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== "object") return node;
  const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, closeObjects(value)]));
  if (copy.type === "object" && copy.properties && !("additionalProperties" in copy)) copy.additionalProperties = false;
  return copy;
}

let ajv: InstanceType<typeof Ajv2020> | undefined;

function validator() {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addSchema(closeObjects(openApiDocument()) as object, "openapi.json");
  }
  return ajv;
}

function pointer(...parts: string[]): string {
  return parts.map((part) => encodeURIComponent(part.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");
}

/** The documented body schema for one answer of an operation; fails when the status is not documented. */
function responseSchema(method: Method, path: string, status: number, mediaType: string) {
  const operation = (openApiDocument().paths?.[path] as Record<string, { responses: Record<string, unknown> }>)?.[
    method
  ];
  expect(operation, `${method.toUpperCase()} ${path} is not in the OpenAPI document`).toBeDefined();
  const answer = operation.responses[String(status)] as { content?: Record<string, unknown> } | undefined;
  expect(answer, `${method.toUpperCase()} ${path} answered ${status}, which the document does not list`).toBeDefined();
  if (!answer?.content) return null;
  expect(Object.keys(answer.content), `${status} of ${path}`).toContain(mediaType);
  return `openapi.json#/${pointer("paths", path, method, "responses", String(status), "content", mediaType, "schema")}`;
}

/**
 * Asserts that a response is documented for the operation and that its JSON body matches the schema.
 * Returns the parsed body for further checks.
 */
export async function expectContract(
  response: Response,
  { method, path }: { method: Method; path: string },
): Promise<unknown> {
  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
  const ref = responseSchema(method, path, response.status, mediaType);
  // Error answers are problem details (RFC 9457): JSON under their own media type.
  if (mediaType !== "application/json" && mediaType !== "application/problem+json") return response.clone().text();
  const body: unknown = await response.clone().json();
  if (ref) {
    const ajvInstance = validator();
    const validate = ajvInstance.getSchema(ref) ?? ajvInstance.compile({ $ref: ref });
    expect(
      validate(body),
      `${method.toUpperCase()} ${path} ${response.status}: ${ajvInstance.errorsText(validate.errors)}`,
    ).toBe(true);
  }
  return body;
}
