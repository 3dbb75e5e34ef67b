/** Input field types for a fallback's input schema (seed 001 `DataTypes`, seed 003 plain strings). */
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

/** What a declarative option (seed 001) calls: an app action, a feature, another fallback, … */
export const FeatureEventTypes = {
  ACTION: 'action',
  FEATURE: 'feature',
  FALLBACK: 'fallback',
  WORKFLOW: 'workflow',
  DATABASE: 'database',
  NOTIFICATION: 'notification',
} as const;
export type FeatureEventType = (typeof FeatureEventTypes)[keyof typeof FeatureEventTypes];
