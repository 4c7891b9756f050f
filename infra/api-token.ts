/**
 * The API's bearer token. No placeholder: set it per stage with
 * `npx sst secret set ApiToken "$(openssl rand -base64 32)" --stage <stage>` (at least 16 characters).
 */
export const apiToken = new sst.Secret('ApiToken');
