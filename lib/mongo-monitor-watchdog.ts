/**
 * Reconnects a MongoClient whose server monitor has wedged.
 *
 * Found by the fault suite's database-restart scenario. Sometimes the server closes the
 * connection at the very moment the driver's monitor sends its heartbeat on it: the socket has
 * already ended, but the driver has not yet processed the close. The write returns false, the
 * driver waits for a 'drain' that a destroyed socket never emits, and no socket timeout fires.
 * The heartbeat then never completes. The server stays Unknown and its pool stays paused, so
 * every operation of the process fails with a server-selection timeout, for good. A new client
 * connects at once. Seen with drivers 6.22 and 7.9 against FerretDB 1.24, after about one
 * restart in three to five under load; test/faults/monitor-watchdog.test.ts restarts the
 * database under load and checks the client comes back every time.
 *
 * The driver's heartbeat events show the stall from outside: a check that has been running
 * longer than any healthy check can last. Closing the client and connecting it again replaces
 * the topology, and with it the stuck monitor. `Db` and `Collection` objects keep working,
 * because they reach the server through the client. Operations in flight at that moment fail
 * as "database unavailable", which the API answers with 503 and activities retry.
 */
import type { MongoClient } from 'mongodb';

export interface WatchdogOptions {
  /** How long a single heartbeat may take before the monitor counts as stuck. */
  stallMs: number;
  /** How often to look. */
  everyMs?: number;
  onReconnect?: (info: { address: string; stalledMs: number }) => void;
  onError?: (err: unknown) => void;
}

/** Starts watching; returns the function that stops it. */
export function watchServerMonitor(client: MongoClient, options: WatchdogOptions): () => void {
  const started = new Map<string, number>();
  const finished = (e: { connectionId: string }) => started.delete(e.connectionId);
  client.on('serverHeartbeatStarted', (e) => started.set(e.connectionId, Date.now()));
  client.on('serverHeartbeatSucceeded', finished);
  client.on('serverHeartbeatFailed', finished);

  let reconnecting = false;
  let stopped = false;
  const reconnect = async () => {
    await client.close();
    // A client that failed to connect keeps its closed topology and never connects again by
    // itself, so keep trying until the server answers (or the process stops watching).
    while (!stopped) {
      try {
        await client.connect();
        return;
      } catch (err) {
        options.onError?.(err);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const timer = setInterval(() => {
    if (reconnecting) return;
    const now = Date.now();
    const stalled = [...started].find(([, at]) => now - at > options.stallMs);
    if (!stalled) return;
    reconnecting = true;
    started.clear();
    options.onReconnect?.({ address: stalled[0], stalledMs: now - stalled[1] });
    void reconnect()
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => (reconnecting = false));
  }, options.everyMs ?? 1_000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
