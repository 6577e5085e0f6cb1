import { PotluckApiError, PotluckClient } from '@potluck/sdk';
import type { Role, UserView } from '@potluck/protocol';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/**
 * The signed-in user's API key lives in sessionStorage: it survives reloads of the tab
 * but is gone when the tab closes, and it is sent only as a Bearer header to this
 * origin (docs/security.md explains the trade-off).
 */
const STORAGE_KEY = 'potluck.apiKey';

export interface Session {
  /** A client for this origin; it carries the key when signed in. */
  client: PotluckClient;
  /** The key itself, for the one request the SDK cannot make (an upload with progress). */
  apiKey: string | null;
  user: UserView | null;
  /** True while the stored key is being checked at start. */
  checking: boolean;
  signIn: (apiKey: string) => Promise<UserView>;
  signOut: () => void;
  hasRole: (role: Role) => boolean;
}

const SessionContext = createContext<Session | null>(null);

function readStoredKey(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the user signs in again after a reload
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const anonymous = useMemo(() => new PotluckClient({ baseUrl: window.location.origin }), []);
  const [apiKey, setApiKey] = useState<string | null>(readStoredKey);
  const [user, setUser] = useState<UserView | null>(null);
  const [checking, setChecking] = useState(apiKey !== null);
  const client = useMemo(() => (apiKey ? anonymous.withApiKey(apiKey) : anonymous), [anonymous, apiKey]);

  const signOut = useCallback(() => {
    window.sessionStorage.removeItem(STORAGE_KEY);
    setApiKey(null);
    setUser(null);
  }, []);

  useEffect(() => {
    if (!apiKey || user) return;
    let cancelled = false;
    client
      .me()
      .then((me) => {
        if (!cancelled) setUser(me);
      })
      .catch((error: unknown) => {
        if (!cancelled && error instanceof PotluckApiError && error.status === 401) signOut();
      })
      .finally(() => {
        if (!cancelled) setChecking(false);
      });
    return () => {
      cancelled = true;
    };
  }, [apiKey, client, user, signOut]);

  const signIn = useCallback(
    async (key: string) => {
      const me = await anonymous.withApiKey(key).me();
      window.sessionStorage.setItem(STORAGE_KEY, key);
      setApiKey(key);
      setUser(me);
      setChecking(false);
      return me;
    },
    [anonymous],
  );

  const session: Session = {
    client,
    apiKey,
    user,
    checking,
    signIn,
    signOut,
    hasRole: (role) => user?.roles.includes(role) ?? false,
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
