export { PotluckClient, type PotluckClientOptions } from './client.js';
export { PotluckApiError } from './errors.js';
