// The dashboard's live connection to the organisation hub (GET /api/live): one socket per tab,
// reconnecting with backoff, fanned out to whichever pages are listening. Frames: docs/realtime-protocol.md.
import { useEffect, useRef } from 'preact/hooks';
import type { HubBatchFrame, HubFrame } from '../../worker/conversations/frames';

/** A frame from the org hub: the worker's own type (worker/conversations/frames.ts). */
export type LiveEvent = HubFrame;

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let retry = 0;
let stopped = true;
let timer: ReturnType<typeof setTimeout> | undefined;

function open(): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
  socket = new WebSocket(url);
  socket.onopen = () => {
    retry = 0;
  };
  socket.onmessage = (e) => {
    if (typeof e.data !== 'string' || e.data === 'pong') return;
    let event: LiveEvent | HubBatchFrame;
    try {
      event = JSON.parse(e.data);
    } catch {
      return;
    }
    // A busy hub sends frames published close together as one batch: each is handled as if it came alone.
    for (const frame of event.type === 'batch' ? event.frames : [event]) {
      for (const listener of listeners) listener(frame);
    }
  };
  socket.onclose = () => {
    socket = null;
    if (stopped) return;
    // Back off up to 30 s so a restarting server is not hammered by every open tab.
    timer = setTimeout(open, Math.min(30_000, 1000 * 2 ** retry++));
  };
}

export function startLive(): void {
  if (!stopped || typeof WebSocket === 'undefined') return;
  stopped = false;
  open();
}

export function stopLive(): void {
  stopped = true;
  clearTimeout(timer);
  socket?.close();
  socket = null;
}

export function sendLive(frame: object): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

/** Subscribe a component to live events for as long as it is mounted. */
export function useLive(listener: Listener): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const forward: Listener = (event) => latest.current(event);
    listeners.add(forward);
    return () => {
      listeners.delete(forward);
    };
  }, []);
}

/** Test seam and in-app source: deliver an event as if the hub had sent it. */
export function emitLive(event: LiveEvent): void {
  for (const listener of listeners) listener(event);
}

let audio: AudioContext | null = null;

/** A short, quiet beep for a new customer message (WebAudio; silent until the page has had a user gesture). */
export function beep(): void {
  if (typeof AudioContext === 'undefined') return;
  audio ??= new AudioContext();
  if (audio.state === 'suspended') return;
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = 880;
  gain.gain.setValueAtTime(0.04, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.15);
  osc.connect(gain).connect(audio.destination);
  osc.start();
  osc.stop(audio.currentTime + 0.15);
}

/** Browsers start audio suspended; the first click anywhere unlocks it. */
export function unlockAudioOnGesture(): void {
  if (typeof AudioContext === 'undefined') return;
  addEventListener(
    'pointerdown',
    () => {
      audio ??= new AudioContext();
      void audio.resume();
    },
    { once: true },
  );
}
