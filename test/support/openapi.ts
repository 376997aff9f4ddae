// Validates real Cloud responses against the Halo Connect Integrator API reference (OpenAPI 3.1,
// schemas inlined). OpenAPI 3.1 schemas are JSON Schema 2020-12, so this uses ajv's 2020 dialect with
// real format checks (uuid, date-time, ... from ajv-formats). Only formats the reference invents, and
// that no library knows, are registered as no-op formats; strict mode stays on so that any keyword or
// format not accounted for here fails loudly instead of being silently ignored.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, SchemaObject, ValidateFunction } from 'ajv/dist/2020.js';

/** The reference document; CONDUIT_HALO_OPENAPI overrides where it is read from. */
export const REFERENCE_FILE = process.env.CONDUIT_HALO_OPENAPI
  ?? fileURLToPath(new URL('../../../shared/reference/halo/integrator-openapi.json', import.meta.url));

/**
 * Formats used in the reference that are not JSON Schema or ajv-formats formats. They are descriptive
 * only (no published definition), so they are registered as no-op formats. Every other format in the
 * document (`uuid`, `date-time`) is validated for real. Because ajv runs in strict mode, a format that
 * is neither here nor known to ajv-formats makes compilation throw, so a new one cannot slip past.
 */
export const DESCRIPTIVE_FORMATS = [
  'milli-seconds', // integer durations
  'httpStatus', // integer HTTP status code
  'httpStatusPhrase', // e.g. "Bad Request"
  'base64', // result data; not the ajv-formats name ("byte"), so the contract test checks decoding itself
  'base64 (output)', // parameter values
  'version', // Halo Link CalVer
  'string', // practiceManagementSiteId
] as const;

/**
 * OpenAPI keywords that JSON Schema 2020-12 does not define. Both are annotations only here:
 * - `example`: documentation (2020-12 has `examples`).
 * - `discriminator`: in this document it appears where there is no `oneOf`/`anyOf` to select among
 *   (e.g. GET .../queries/{queryId} 200 maps statuses to Async* components by name), so ajv's own
 *   `discriminator: true` support cannot apply (it requires `oneOf`) and the rest of the schema is what
 *   is validated. It does not relax anything: the `enum`/`required`/`properties` next to it still apply.
 */
const ANNOTATION_KEYWORDS = ['example', 'discriminator'] as const;

// ajv and ajv-formats are CommonJS modules whose class/plugin is also exported as `default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: SchemaObject }> }> }>>;
  components: { schemas: Record<string, SchemaObject> };
}

let doc: OpenApiDocument | undefined;
export function reference(): OpenApiDocument {
  doc ??= JSON.parse(readFileSync(REFERENCE_FILE, 'utf8')) as OpenApiDocument;
  return doc;
}

const ajv = new Ajv2020({
  allErrors: true,
  // Strict about the schema (unknown keywords and formats throw). Not strict about type annotations:
  // the reference writes e.g. `properties`/`required` without `type: "object"` under statusTiming,
  // which is valid JSON Schema but which strictTypes would reject.
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  validateFormats: true,
});
addFormats(ajv, { mode: 'full' });
for (const f of DESCRIPTIVE_FORMATS) ajv.addFormat(f, true);
for (const k of ANNOTATION_KEYWORDS) ajv.addKeyword(k);

/**
 * Statuses Conduit answers for an operation although the reference does not list them as responses
 * of that operation. Each is documented in the reference's prose instead, and each body is validated
 * against the component matching its shape:
 * - `Error` (the general envelope `{ error: { status, statusText, message } }`) when the body has `error`;
 * - `ExecutionFailedImmediateQuery` when the body is a query object (has `status`).
 * POST .../queries/immediate 413: "Results exceed the 8MB immediate-query limit" (troubleshooting page,
 * error-codes.yml) answered with the query and `errorDetails {errorType: "http", errorCode: 413}`; the
 * request body limit (4 MB) is answered 413 with the general envelope.
 * Any other unlisted status is a contract failure.
 */
const UNLISTED: Record<string, readonly number[]> = {
  'post /integrator/sites/{siteId}/queries/immediate': [413],
};

/**
 * Deliberate, known divergences from the reference, each applied to one operation and status only by
 * cloning the reference schema and changing exactly one thing:
 * - GET .../queries/{queryId} 200: the reference allows `mode: ["async"]` only, but the same endpoint
 *   is documented as checking "the status of an immediate or async query", and Conduit truthfully
 *   answers `mode: "immediate"` for immediate queries. The enum is widened to `["async", "immediate"]`.
 */
const DIVERGENCES: Record<string, (schema: SchemaObject) => SchemaObject> = {
  'get /integrator/sites/{siteId}/queries/{queryId} 200': (schema) => {
    const clone = structuredClone(schema) as { properties: { mode: { enum: string[] } } };
    assert.deepEqual(clone.properties.mode.enum, ['async'], 'reference changed: revisit the mode divergence');
    clone.properties.mode.enum = ['async', 'immediate'];
    return clone as SchemaObject;
  },
};

/**
 * A defect of the reference itself, not of Conduit: POST .../queries/immediate 400 is
 * `oneOf: [Error, ExecutionFailedImmediateQuery]`, but `Error` has no `required` (and allows additional
 * properties), so every object without an `error` property matches it, including every executionFailed
 * query. `oneOf` needs exactly one match, so as written no executionFailed body can ever satisfy it
 * (ajv: "must match exactly one schema in oneOf", passingSchemas [0, 1]). Reading it as `anyOf`
 * would accept any object at all, so instead the branch is chosen by the body's shape, as the
 * reference's prose does (general envelope vs per-query errorDetails): a body with `error` is validated
 * against branch 0, any other body against branch 1, each unmodified. The branches are checked to be
 * exactly the `Error` and `ExecutionFailedImmediateQuery` components, so a reference update is noticed.
 */
const AMBIGUOUS_ONE_OF: Record<string, (schema: SchemaObject, body: unknown) => ValidateFunction> = {
  'post /integrator/sites/{siteId}/queries/immediate 400': (schema, body) => {
    const branches = schema.oneOf as SchemaObject[] | undefined;
    const components = reference().components.schemas;
    assert.deepEqual(branches, [components.Error, components.ExecutionFailedImmediateQuery], 'reference changed: revisit the 400 oneOf handling');
    return componentValidator(isObject(body) && 'error' in body ? 'Error' : 'ExecutionFailedImmediateQuery');
  },
};

function isObject(x: unknown): x is Json {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

const cache = new Map<string, ValidateFunction>();

function compiled(key: string, schema: () => SchemaObject): ValidateFunction {
  let v = cache.get(key);
  if (!v) {
    v = ajv.compile(schema());
    cache.set(key, v);
  }
  return v;
}

/** A validator for a component of `components.schemas`, e.g. `Error`, unmodified. */
export function componentValidator(name: string): ValidateFunction {
  return compiled(`component ${name}`, () => {
    const schema = reference().components.schemas[name];
    if (!schema) throw new Error(`components.schemas.${name} is not in the reference`);
    return schema;
  });
}

/** True when the reference lists `status` as a response of the operation. */
export function isListed(method: string, path: string, status: number): boolean {
  const op = reference().paths[path]?.[method.toLowerCase()];
  return Boolean(op?.responses?.[String(status)]);
}

/**
 * The compiled validator for `paths[path][method].responses[status].content['application/json'].schema`
 * of the reference. `body` is needed only for the explicitly allowed unlisted statuses (see UNLISTED),
 * where the component is chosen by the body's shape. Throws for an operation or status the reference
 * does not have, so an unexpected status fails the contract.
 */
export function responseValidator(method: string, path: string, status: number, body?: unknown): ValidateFunction {
  const m = method.toLowerCase();
  const op = reference().paths[path]?.[m];
  if (!op) throw new Error(`the reference has no operation ${method.toUpperCase()} ${path}`);
  if (!op.responses?.[String(status)]) {
    if (!UNLISTED[`${m} ${path}`]?.includes(status)) {
      throw new Error(`${status} is not a response of ${method.toUpperCase()} ${path} in the reference (lists ${Object.keys(op.responses ?? {}).join(', ')})`);
    }
    if (!isObject(body)) throw new Error(`an unlisted ${status} needs a JSON object body to choose a schema, got ${JSON.stringify(body)}`);
    return componentValidator('error' in body ? 'Error' : 'ExecutionFailedImmediateQuery');
  }
  const key = `${m} ${path} ${status}`;
  const ambiguous = AMBIGUOUS_ONE_OF[key];
  if (ambiguous) return ambiguous(referenceSchema(m, path, status), body);
  return compiled(key, () => {
    const schema = referenceSchema(m, path, status);
    const adjust = DIVERGENCES[key];
    return adjust ? adjust(schema) : schema;
  });
}

/**
 * The reference response schema exactly as written, with none of the handling above. The contract
 * test uses it to prove that each documented exception is still needed (the body really fails the
 * raw schema, and only for the documented reason).
 */
export function rawResponseValidator(method: string, path: string, status: number): ValidateFunction {
  const m = method.toLowerCase();
  return compiled(`raw ${m} ${path} ${status}`, () => referenceSchema(m, path, status));
}

function referenceSchema(method: string, path: string, status: number): SchemaObject {
  const schema = reference().paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method.toUpperCase()} ${path} ${status} has no application/json schema in the reference`);
  return schema;
}

/** Readable ajv errors: one line each, with the path in the body, the rule and the value found. */
export function describeErrors(errors: ErrorObject[] | null | undefined, body: unknown): string {
  return (errors ?? []).map((e) => {
    const found = valueAt(body, e.instancePath);
    const shown = JSON.stringify(found);
    return `  ${e.instancePath || '(root)'} ${e.message ?? e.keyword} [${e.schemaPath}]${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}; found ${shown === undefined ? 'nothing' : shown.length > 120 ? `${shown.slice(0, 120)}…` : shown}`;
  }).join('\n');
}

function valueAt(body: unknown, pointer: string): unknown {
  let cur = body;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
}

/** Asserts that `body` validates, printing every ajv error readably if not. */
export function assertValid(validate: ValidateFunction, body: unknown, label: string): void {
  if (validate(body)) return;
  assert.fail(`${label} does not match the reference schema:\n${describeErrors(validate.errors, body)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
}

/**
 * Asserts that a real response (status and JSON body) matches the reference response for the operation.
 * When the schema used is the general `Error` envelope, the envelope's fields are also required to be
 * present: the reference's `Error` schema declares `error.status/statusText/message` but marks nothing
 * `required`, so on its own it accepts any JSON object (a query object answered with 503 would pass).
 * The fields come from the reference's documented envelope ({"error":{"status","statusText","message"}},
 * error-codes.yml `envelopes.general.fields`); `error.status` must be the HTTP status of the response.
 */
export function assertResponse(method: string, path: string, res: { status: number; json: unknown; text: string }): void {
  const label = `${method.toUpperCase()} ${path} ${res.status}`;
  assert.notEqual(res.json, undefined, `${label}: body is not JSON: ${res.text.slice(0, 300)}`);
  const validate = responseValidator(method, path, res.status, res.json);
  assertValid(validate, res.json, label);
  if (validate === componentValidator('Error') || usesErrorSchema(method, path, res.status)) {
    const err = isObject(res.json) ? res.json.error : undefined;
    assert.ok(isObject(err), `${label}: the general error envelope has no "error" object: ${res.text.slice(0, 300)}`);
    assert.equal(err.status, res.status, `${label}: error.status differs from the HTTP status`);
    assert.equal(typeof err.statusText, 'string', `${label}: error.statusText missing`);
    assert.equal(typeof err.message, 'string', `${label}: error.message missing`);
  }
}

function usesErrorSchema(method: string, path: string, status: number): boolean {
  const schema = reference().paths[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.['application/json']?.schema;
  return schema !== undefined && JSON.stringify(schema) === JSON.stringify(reference().components.schemas.Error);
}
