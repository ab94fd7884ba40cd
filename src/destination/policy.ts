import type { PortList } from '../ports.js';
import type { DestinationPolicy } from './url.js';

/** What the operator configured (Config['delivery']); `allowedPorts` absent means the default. */
export interface DeliveryNetworkSettings {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  allowedPorts?: PortList | undefined;
}

/**
 * The ports a webhook may use when DELIVERY_ALLOWED_PORTS is unset: the HTTPS ports receivers really
 * use, and 80 only when plain http is allowed at all. A port list keeps a public host's other
 * services (SSH, SMTP, databases, admin consoles) out of reach. With private networks allowed (local
 * development and tests, which the start-up log already flags) receivers listen on arbitrary ports,
 * so the default there is any port.
 */
export function defaultAllowedPorts(settings: Omit<DeliveryNetworkSettings, 'allowedPorts'>): PortList {
  if (settings.allowPrivateNetworks) return 'any';
  return settings.allowHttp ? [443, 8443, 80] : [443, 8443];
}

/** The one policy both the create/update check and every delivery attempt apply. */
export function destinationPolicy(settings: DeliveryNetworkSettings): DestinationPolicy {
  return {
    allowHttp: settings.allowHttp,
    allowPrivateNetworks: settings.allowPrivateNetworks,
    allowedPorts: settings.allowedPorts ?? defaultAllowedPorts(settings),
  };
}
