// The JSON Schemas under schemas/: aegis.yaml, the registry entry, the exchange record and the
// audit event, generated from the zod schemas the code parses and checks them with.
import { configSchema } from '../../config';
import { auditEventSchema, exchangeRecordSchema } from '../../rag';
import { modelEntrySchema } from '../../registry';
import { jsonSchemaOf, type JsonSchema } from './json-schema';

export interface SchemaFile {
  /** File name under schemas/. */
  file: string;
  schema: JsonSchema;
}

function file(name: string, title: string, schema: JsonSchema): SchemaFile {
  return { file: name, schema: { $schema: schema.$schema, title, ...schema } };
}

export function storedSchemas(): SchemaFile[] {
  return [
    // What an operator writes: defaults are optional (io: input), and documented as `default`.
    file('aegis-config.schema.json', 'aegis.yaml', jsonSchemaOf(configSchema, { io: 'input', standalone: true })),
    file('registry-entry.schema.json', 'Aegis registry entry', jsonSchemaOf(modelEntrySchema, { io: 'output', standalone: true })),
    file('exchange-record.schema.json', 'Aegis exchange record', jsonSchemaOf(exchangeRecordSchema, { io: 'output', standalone: true })),
    file('audit-event.schema.json', 'Aegis audit event', jsonSchemaOf(auditEventSchema, { io: 'output', standalone: true })),
  ];
}

/** The file's text exactly as `npm run schemas` writes it (the staleness test compares it). */
export function schemaFileText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
