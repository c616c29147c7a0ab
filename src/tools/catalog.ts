// The tools one request declares, checked once when the request arrives: unique names, a
// parameters schema Ajv can compile, and a lookup that forgives how small models spell a name.
import { GatewayError, type ToolDefinition } from '../core';
import { argumentValidator, type ArgumentValidator, type JsonObject } from './validate';

export interface ToolSpec {
  name: string;
  description?: string;
  parameters?: JsonObject;
  validator: ArgumentValidator;
}

export class ToolCatalog {
  private readonly byName = new Map<string, ToolSpec>();
  private readonly byLowerName = new Map<string, ToolSpec>();

  private constructor(readonly specs: readonly ToolSpec[]) {
    for (const spec of specs) {
      this.byName.set(spec.name, spec);
      this.byLowerName.set(spec.name.toLowerCase(), spec);
    }
  }

  /** The request's tools; a bad declaration is a 400 that names it. */
  static of(tools: readonly ToolDefinition[]): ToolCatalog {
    const seen = new Set<string>();
    const specs = tools.map((tool, i): ToolSpec => {
      const { name, description, parameters } = tool.function;
      const param = `tools[${i}].function`;
      if (seen.has(name)) throw new GatewayError('invalid_request', `Duplicate tool name \`${name}\` in tools.`, { param: `${param}.name` });
      seen.add(name);
      if (/\s/.test(name))
        throw new GatewayError('invalid_request', `Invalid tool name \`${name}\`: names cannot contain whitespace.`, { param: `${param}.name` });
      try {
        return { name, description, parameters, validator: argumentValidator(parameters) };
      } catch (err) {
        throw new GatewayError('invalid_request', `Invalid JSON schema in tool \`${name}\` parameters: ${(err as Error).message}`, {
          param: `${param}.parameters`,
        });
      }
    });
    return new ToolCatalog(specs);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The declared tool a model meant: the exact name, else without a `functions.` prefix (models
   * trained on OpenAI's internal format write it), else ignoring case.
   */
  resolve(name: string): ToolSpec | undefined {
    const trimmed = name.trim();
    const bare = trimmed.replace(/^functions?\./, '');
    return this.byName.get(trimmed) ?? this.byName.get(bare) ?? this.byLowerName.get(bare.toLowerCase());
  }
}
