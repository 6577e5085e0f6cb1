import { FleetChangesSchema, LIVE_NAMESPACE, LiveEvents, type FleetChanges } from '@potluck/protocol';
import { io } from 'socket.io-client';
import { useEffect, useRef, useState } from 'react';

export type LiveStatus = 'connecting' | 'live' | 'offline';

/**
 * Subscribes to the coordinator's public `/live` namespace (same origin) and hands each
 * validated push of fleet changes to `onChanges`. Reconnects on its own.
 */
export function useLiveFleet(onChanges: (changes: FleetChanges) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handler = useRef(onChanges);
  handler.current = onChanges;
  useEffect(() => {
    const socket = io(`${window.location.origin}${LIVE_NAMESPACE}`, { transports: ['websocket'], reconnectionDelayMax: 10_000 });
    socket.on('connect', () => setStatus('live'));
    socket.on('disconnect', () => setStatus('offline'));
    socket.on('connect_error', () => setStatus('offline'));
    socket.on(LiveEvents.fleetChanges, (payload: unknown) => {
      const parsed = FleetChangesSchema.safeParse(payload);
      if (parsed.success) handler.current(parsed.data);
    });
    return () => {
      socket.disconnect();
    };
  }, []);
  return status;
}
