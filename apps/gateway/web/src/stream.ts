// stream.ts: live updates from GET /api/v1/stream (server-sent events). EventSource cannot
// send an Authorization header, so the stream is read with fetch() through
// @microsoft/fetch-event-source, which also reconnects with backoff when it drops.
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { useEffect, useRef, useState } from "react";
import { currentTokens, refresh } from "./api";
import type { StreamUpdate } from "./types";

export type StreamState = "connecting" | "live" | "retrying";

class Fatal extends Error {}
class Reconnect extends Error {}

/** useStream calls onUpdate for each update while the component is mounted. */
export function useStream(onUpdate: (u: StreamUpdate) => void, enabled = true): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const cb = useRef(onUpdate);
  cb.current = onUpdate;
  useEffect(() => {
    if (!enabled) return;
    const ctrl = new AbortController();
    let retries = 0;
    const open = () =>
      fetchEventSource("/api/v1/stream", {
        signal: ctrl.signal,
        openWhenHidden: true,
        headers: { Authorization: `Bearer ${currentTokens()?.accessToken ?? ""}`, Accept: "text/event-stream" },
        async onopen(res) {
          if (res.ok && res.headers.get("content-type")?.includes("text/event-stream")) {
            retries = 0;
            return;
          }
          if (res.status === 401 && (await refresh())) throw new Reconnect("token refreshed");
          if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new Fatal(`stream refused: ${res.status}`);
          throw new Error(`stream unavailable: ${res.status}`);
        },
        onmessage(msg) {
          if (msg.event === "ready") setState("live");
          if (msg.event === "update" && msg.data) {
            try {
              cb.current(JSON.parse(msg.data));
            } catch {
              /* a malformed message is skipped */
            }
          }
        },
        onclose() {
          setState("retrying");
          throw new Error("stream closed: reconnect");
        },
        onerror(err) {
          if (err instanceof Fatal || err instanceof Reconnect) throw err;
          setState("retrying");
          retries++;
          return Math.min(1000 * 2 ** Math.min(retries, 5), 20000);
        },
      });
    // Headers are fixed per connection: reopen with the new token after a refresh.
    const run = (): void => {
      open().catch((err) => {
        setState("retrying");
        if (err instanceof Reconnect && !ctrl.signal.aborted) run();
      });
    };
    run();
    return () => ctrl.abort();
  }, [enabled]);
  return state;
}
