/**
 * A minimal socket.io client for the load benchmarks: one `ws` WebSocket speaking engine.io 4
 * and socket.io 5 text packets to one namespace, with acknowledgements. No reconnection, no
 * binary packets, no transports other than the WebSocket. socket.io-client builds a Manager,
 * a Socket, an engine.io Socket and Transport and their emitters and timers per connection, and
 * a timer per acknowledgement with a timeout: at 10,000 connections in one client process its
 * own collections and stalls count against every server it measures (docs/performance.md).
 *
 * Packets (https://socket.io/docs/v4/socket-io-protocol/): engine.io `0` open (JSON
 * handshake), `2` ping (answered `3`), `1` close, `4` message; the message's socket.io packet:
 * `0` connect, `1` disconnect, `2` event, `3` ack, `4` connect error, each followed by
 * `<namespace>,` (any namespace but `/`), an ack id for events that want one and acks, then JSON.
 */
import WebSocket from 'ws';

/**
 * Opens `url` (http://host:port) and connects to `namespace` with `auth`. Handlers:
 * onConnect(), onConnectError(message), onDisconnect(reason). Every handler is optional.
 */
export function connectThin(url, namespace, auth, handlers = {}) {
  const endpoint = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const prefix = namespace === '/' ? '' : `${namespace},`;
  const ws = new WebSocket(endpoint, { perMessageDeflate: false });
  /** Waiting acknowledgements by id: [callback, deadline (performance.now() ms)]. */
  const pending = new Map();
  let nextId = 0;
  let state = 'opening';

  const end = (reason) => {
    if (state === 'closed') return;
    const was = state;
    state = 'closed';
    for (const [, [callback]] of pending) callback(new Error(`disconnected: ${reason}`));
    pending.clear();
    if (was === 'connected') handlers.onDisconnect?.(reason);
    else handlers.onConnectError?.(reason);
    ws.terminate();
  };

  const onSocketIoPacket = (text) => {
    const type = text[1];
    let body = text.slice(2);
    if (prefix) {
      if (!body.startsWith(prefix)) return;
      body = body.slice(prefix.length);
    }
    if (type === '0') {
      state = 'connected';
      handlers.onConnect?.();
    } else if (type === '3') {
      let digits = 0;
      while (body.charCodeAt(digits) >= 48 && body.charCodeAt(digits) <= 57) digits += 1;
      const id = Number(body.slice(0, digits));
      const entry = pending.get(id);
      if (!entry) return;
      pending.delete(id);
      const args = JSON.parse(body.slice(digits));
      entry[0](null, args[0]);
    } else if (type === '4') {
      let message = body;
      try {
        message = JSON.parse(body).message ?? body;
      } catch {
        // not JSON: the text as it came
      }
      end(message);
    } else if (type === '1') {
      end('io server disconnect');
    }
    // '2' (an event from the server): the benchmarks' agents take no commands.
  };

  ws.on('message', (data) => {
    const text = data.toString();
    switch (text[0]) {
      case '0':
        ws.send(`40${prefix}${JSON.stringify(auth)}`);
        break;
      case '2':
        ws.send('3');
        break;
      case '4':
        onSocketIoPacket(text);
        break;
      case '1':
        end('transport close');
        break;
      default:
        break;
    }
  });
  ws.on('error', (error) => end(error.message));
  ws.on('close', () => end(state === 'connected' ? 'transport close' : 'closed before connecting'));

  return {
    get connected() {
      return state === 'connected';
    },
    /**
     * Sends an event and calls `callback(error, reply)` with the first argument of its
     * acknowledgement, or with an error once `timeoutMs` passed (checked by `expire`).
     */
    emitWithAck(event, payload, timeoutMs, callback) {
      if (state !== 'connected') return callback(new Error('not connected'));
      nextId += 1;
      pending.set(nextId, [callback, performance.now() + timeoutMs]);
      ws.send(`42${prefix}${nextId}${JSON.stringify([event, payload])}`);
    },
    /** Fails the acknowledgements past their deadline: the caller sweeps every socket now and then, instead of a timer per message. */
    expire(now) {
      for (const [id, [callback, deadline]] of pending) {
        if (now < deadline) continue;
        pending.delete(id);
        callback(new Error('operation has timed out'));
      }
    },
    close() {
      if (state === 'connected') ws.send(`41${prefix}`);
      end('io client disconnect');
    },
  };
}
