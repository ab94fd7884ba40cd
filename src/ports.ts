/**
 * Port lists as the configuration writes them (DELIVERY_ALLOWED_PORTS): `any`, or a comma list of
 * ports 1-65535 such as `443,8443`. A leaf module; which ports are allowed when the variable is unset
 * is the destination policy's decision (src/destination/policy.ts, defaultAllowedPorts).
 */
export type PortList = readonly number[] | 'any';

export function parsePortList(text: string): { ok: true; ports: PortList } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'any') return { ok: true, ports: 'any' };
  const ports: number[] = [];
  for (const part of trimmed.split(',').map((p) => p.trim())) {
    if (!/^\d{1,5}$/.test(part) || Number(part) < 1 || Number(part) > 65535) {
      return { ok: false, error: `must be "any" or a comma list of ports 1-65535 such as 443,8443 (got "${part}")` };
    }
    if (!ports.includes(Number(part))) ports.push(Number(part));
  }
  return { ok: true, ports };
}
