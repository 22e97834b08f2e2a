// Validates a frab schedule.json (on stdin) against the c3voc JSON schema (draft-06, schemas/frab-schedule.schema.json)
// with ajv: prints {"valid": true} or {"valid": false, "errors": [...]} as ajv reports them.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import { readFileSync } from 'node:fs';

const schema = JSON.parse(readFileSync(new URL('../../schemas/frab-schedule.schema.json', import.meta.url), 'utf8'));
// The schema carries annotations ajv does not know ($oneOf, $todo): strict mode would refuse them, not the document.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);
addFormats(ajv);
// c3voc's own format: a CSS colour as #rgb or #rrggbb (we write none).
ajv.addFormat('color', /^#([0-9a-fA-F]{3}){1,2}$/);
const validate = ajv.compile(schema);
const valid = validate(JSON.parse(readFileSync(0, 'utf8')));
console.log(JSON.stringify(valid ? { valid } : { valid, errors: validate.errors }));
