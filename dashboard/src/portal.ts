import './portal.css';

/**
 * Portal sessions (docs/portal.md): the platform opens the dashboard at
 * `/dashboard#portal=<token>`, often in an iframe of its community settings page. The token rides
 * in the fragment, which the browser never sends to a server, so it stays out of logs, proxies and
 * Referer headers. On load it is taken out of the address (so it is not left in the history or
 * copied along with the URL) and kept for the tab like a signed-in key (tabStorage below).
 */
export const PORTAL_TOKEN_PREFIX = 'hlp_';
const FRAGMENT = /^#portal=(hlp_[A-Za-z0-9_-]{16,200})$/;

/**
 * Where the signed-in credential is kept for the tab: sessionStorage, or this page's memory when
 * the browser denies storage to the document, as it does to a frame from another site when
 * third-party storage is blocked (a platform on another domain embedding the dashboard). In memory
 * the session lasts until the frame reloads; the platform's page then makes a new link anyway.
 */
export interface TabStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

function openTabStorage(): TabStorage {
  try {
    const storage = window.sessionStorage;
    storage.getItem('hookline.probe');
    return storage;
  } catch {
    const memory = new Map<string, string>();
    return {
      getItem: (name) => memory.get(name) ?? null,
      setItem: (name, value) => void memory.set(name, value),
      removeItem: (name) => void memory.delete(name),
    };
  }
}

export const tabStorage: TabStorage = openTabStorage();

/** Whether a stored credential is a portal session's token rather than an API key. */
export function isPortalToken(credential: string): boolean {
  return credential.startsWith(PORTAL_TOKEN_PREFIX);
}

/** The token in the address's `#portal=` fragment, removed from the address; null when there is none. */
export function takePortalToken(): string | null {
  const match = FRAGMENT.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  return match[1]!;
}

/** Why a portal session stopped working, as its 401 tells (`detail.portalSession`). */
export type PortalEnd = 'expired' | 'revoked' | 'unknown';

export function portalEndedMessage(end: PortalEnd): string {
  switch (end) {
    case 'expired':
      return 'Your portal link has expired. Open a new link from your community settings.';
    case 'revoked':
      return 'Your portal link was revoked. Open a new link from your community settings.';
    default:
      return 'This portal link is not valid any more. Open a new link from your community settings.';
  }
}

/**
 * The fetch a portal session's API calls go through: any 401 means the session has ended (the
 * token was valid when the dashboard opened), so `onEnded` signs out with the reason the API gave,
 * whichever call noticed first.
 */
export function portalFetch(onEnded: (message: string) => void): (request: Request) => Promise<Response> {
  return async (request) => {
    const response = await globalThis.fetch(request);
    if (response.status === 401) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as { detail?: { portalSession?: PortalEnd } } | null;
      onEnded(portalEndedMessage(body?.detail?.portalSession ?? 'unknown'));
    }
    return response;
  };
}
