// Validates an OpenAPI document against the official OpenAPI 3.1 JSON schema, plus a few rules
// of this project: every operation has a unique operationId, a summary, tags and a description,
// and every $ref resolves. Exits non-zero with the problems listed.
//   node tools/openapi-lint/lint.mjs docs/openapi.yaml
import { Validator } from '@seriousme/openapi-schema-validator';

const file = process.argv[2];
if (!file) {
  console.error('usage: node lint.mjs OPENAPI.yaml');
  process.exit(2);
}
const validator = new Validator();
const result = await validator.validate(file);
const problems = [];
if (!result.valid) {
  for (const e of [].concat(result.errors ?? [])) problems.push(`schema: ${e.instancePath ?? ''} ${e.message ?? JSON.stringify(e)}`);
}
const spec = validator.specification;
const seen = new Map();
for (const [path, item] of Object.entries(spec?.paths ?? {})) {
  for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
    const op = item[method];
    if (!op) continue;
    const where = `${method.toUpperCase()} ${path}`;
    if (!op.operationId) problems.push(`${where}: no operationId`);
    else if (seen.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} also on ${seen.get(op.operationId)}`);
    else seen.set(op.operationId, where);
    if (!op.summary) problems.push(`${where}: no summary`);
    if (!op.description) problems.push(`${where}: no description`);
    if (!op.tags?.length) problems.push(`${where}: no tags`);
    if (!op.responses || Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
  }
}
// Every local $ref points at something.
const resolve = (ref) => ref.slice(2).split('/').reduce((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
const walk = (node, at) => {
  if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${at}/${i}`));
  else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/') && resolve(node.$ref) === undefined) {
      problems.push(`${at}: $ref ${node.$ref} resolves to nothing`);
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
  }
};
walk(spec, '#');
if (problems.length > 0) {
  console.error(`openapi-lint: ${file}: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`openapi-lint: ${file}: valid OpenAPI ${spec.openapi}, ${seen.size} operations`);
