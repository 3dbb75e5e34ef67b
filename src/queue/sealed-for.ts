/** What a sealed session token is bound to: a copy in another job's data does not open. */
export function sealedFor(data: { product: string; tag: string; idempotencyKey: string }): string {
  return `${data.product}|${data.tag}|${data.idempotencyKey}`;
}
