// Public surface of the contracts: the OpenAPI document of the HTTP surface and its route, and the
// JSON Schemas of what Aegis reads and stores (schemas/, `npm run schemas`).
export { openApiDocument, documentedPaths, openApiPath, type RegisteredRoute, type OpenApiOptions } from './document';
export { openApiRoute } from './route';
export { storedSchemas, schemaFileText, type SchemaFile } from './stored-schemas';
export { jsonSchemaOf, type JsonSchema } from './json-schema';
