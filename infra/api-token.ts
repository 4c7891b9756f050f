import { API_READ_TOKEN_NONE } from './args/api';

/**
 * The API's bearer token. No placeholder: set it per stage with
 * `npx sst secret set ApiToken "$(openssl rand -base64 32)" --stage <stage>` (at least 16 characters).
 */
export const apiToken = new sst.Secret('ApiToken');

/**
 * A second token that may list and read jobs but not create, cancel or retry them (403). Optional: unset,
 * it keeps the placeholder `none` and only `ApiToken` is accepted. Set it per stage with
 * `npx sst secret set ApiReadToken "$(openssl rand -base64 32)" --stage <stage>` (at least 16 characters).
 */
export const apiReadToken = new sst.Secret('ApiReadToken', API_READ_TOKEN_NONE);
