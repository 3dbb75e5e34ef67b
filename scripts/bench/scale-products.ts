/** The product queues `npm run bench:scale` spreads its jobs over. */
export const SCALE_PRODUCTS = ['payments', 'sms', 'email'];
