import type { DestinationPolicy } from './url.js';

/** What the operator configured (Config['delivery']); `allowedPorts` absent means the default. */
export interface DeliveryNetworkSettings {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  allowedPorts?: readonly number[] | 'any' | undefined;
}

/**
 * The ports a webhook may use when DELIVERY_ALLOWED_PORTS is unset: the HTTPS ports receivers really
 * use, and 80 only when plain http is allowed at all. A port list keeps a public host's other
 * services (SSH, SMTP, databases, admin consoles) out of reach. With private networks allowed (local
 * development and tests, which the start-up log already flags) receivers listen on arbitrary ports,
 * so the default there is any port.
 */
export function defaultAllowedPorts(settings: Omit<DeliveryNetworkSettings, 'allowedPorts'>): readonly number[] | 'any' {
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

/**
 * Parses DELIVERY_ALLOWED_PORTS: `any`, or a comma list of ports 1-65535 (`443,8443`). Returns an
 * error message for anything else so the config loader can name the variable.
 */
export function parseAllowedPorts(text: string): { ok: true; ports: readonly number[] | 'any' } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'any') return { ok: true, ports: 'any' };
  const parts = trimmed.split(',').map((p) => p.trim());
  const ports: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,5}$/.test(part) || Number(part) < 1 || Number(part) > 65535) {
      return { ok: false, error: `must be "any" or a comma list of ports 1-65535 such as 443,8443 (got "${part}")` };
    }
    if (!ports.includes(Number(part))) ports.push(Number(part));
  }
  return { ok: true, ports };
}
