// Public surface of the Responses translation: request codec, whole-response codec, stream converter.
export * from './types';
export { responsesRequestSchema, type ResponsesRequest, type InputItem, type ResponsesTool } from './schema';
export { fromResponsesRequest, type ResponsesTranslation, type ResponsesTranslateOptions } from './request';
export { toResponse, responseSkeleton, responseError, responseUsage, type ResponseIdentity } from './response';
export { ResponsesStreamConverter } from './stream';
export { translateTools, flatName, customInput, type ToolMap, type ClientTool } from './tools';
