export {
  BLOCKED_DESTINATION,
  BlockedDestinationError,
  classifyAddress,
  createGuardedLookup,
  describeRefusedAddress,
  isBlockedAddress,
  isCloudMetadataAddress,
  isRefusedAddress,
} from './address.js';
export type { AddressClass } from './address.js';
export { checkUrl, checkUrlSyntax } from './url.js';
export type { DestinationPolicy, UrlCheck, UrlCheckCode } from './url.js';
export { defaultAllowedPorts, destinationPolicy } from './policy.js';
export type { DeliveryNetworkSettings } from './policy.js';
