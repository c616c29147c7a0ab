// The pino logger behind the Logger port. Authorization headers and API keys are redacted by path,
// and prompt text is never passed to it unless logging.prompts is on.
import { pino } from 'pino';
import type { Logger } from '../core';

export interface LoggerOptions {
  level?: string;
  destination?: NodeJS.WritableStream;
}

export function createLogger({ level = 'info', destination }: LoggerOptions = {}): Logger {
  const options = {
    level,
    base: { app: 'aegis' },
    redact: { paths: ['authorization', 'apiKey', 'api_key', 'key', '*.authorization', '*.apiKey', 'headers.authorization'], censor: '[redacted]' },
  };
  return (destination ? pino(options, destination as pino.DestinationStream) : pino(options)) as unknown as Logger;
}
