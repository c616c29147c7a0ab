// Public surface of src/integrations: the organisation's document flows local models take part
// in — consultations (parse, prompt, response document, the response file).
export { integrationsConfigSchema, type IntegrationsConfig } from './config-schema';
export {
  ConsultationError,
  consultationPrompt,
  parseConsultation,
  questionHeadings,
  renderConsultationResponse,
  responseFileName,
  splitFrontMatter,
  type Consultation,
  type ConsultationResponseOptions,
} from './consultation';
export { writeResponseFile } from './response-file';
