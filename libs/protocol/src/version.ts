/** Version of the agent ⇄ coordinator protocol; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;
/** Base path of the REST API. */
export const API_PREFIX = '/api/v1';
