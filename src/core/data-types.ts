/** Input field types for a fallback's input schema (`DataTypes.NUMBER` or the plain string 'number'). */
export const DataTypes = {
  STRING: 'string',
  NUMBER: 'number',
  INTEGER: 'integer',
  BOOLEAN: 'boolean',
  OBJECT: 'object',
  ARRAY: 'array',
  ANY: 'any',
} as const;
export type DataType = (typeof DataTypes)[keyof typeof DataTypes];

/** What a declarative option calls: an app action, a feature, another fallback, … */
export const FeatureEventTypes = {
  ACTION: 'action',
  FEATURE: 'feature',
  FALLBACK: 'fallback',
  WORKFLOW: 'workflow',
  DATABASE: 'database',
  NOTIFICATION: 'notification',
} as const;
export type FeatureEventType = (typeof FeatureEventTypes)[keyof typeof FeatureEventTypes];
