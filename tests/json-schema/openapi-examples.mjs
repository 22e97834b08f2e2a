// Reads {"document": <an OpenAPI 3.1 document>, "operations": ["post /api/series", ...]} on stdin and checks each named
// operation's request example (application/json) against that operation's own request schema with ajv (JSON Schema
// 2020-12, as OpenAPI 3.1 writes it; $refs into the document's components). Prints {"failures": [...]}.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

const { document, operations } = JSON.parse(readFileSync(0, 'utf8'));
// The document's own keywords (paths, openapi, ...) are not a schema's: strict mode would refuse them.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
for (const format of ['int32', 'int64', 'float', 'double']) {
  ajv.addFormat(format, true);
}
ajv.addSchema({ ...document, $id: 'openapi.json' });

const pointer = (...parts) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const failures = [];
for (const operation of operations) {
  const [method, path] = operation.split(' ');
  const media = document.paths[path][method].requestBody.content['application/json'];
  const validate = ajv.compile({ $ref: `openapi.json#/${pointer('paths', path, method, 'requestBody', 'content', 'application/json', 'schema')}` });
  if (!validate(media.example)) {
    failures.push({ operation, example: media.example, errors: validate.errors });
  }
}

console.log(JSON.stringify({ failures }));
