/** What a secret value is replaced with wherever it would leave the process, and how the API masks one. */
export const REDACTED = '[redacted]';
