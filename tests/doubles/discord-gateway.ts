// The WebSocket gateway of the Discord double (https://discord.com/developers/docs/events/gateway):
// HELLO on connect, IDENTIFY checked (token, privileged intents) and answered with READY and then
// GUILD_CREATE per guild, heartbeats ACKed, RESUME refused with INVALID_SESSION (the client then
// identifies again). Dispatches carry a per-session sequence number; sync() asks every client for
// a heartbeat and waits until it reports the last sequence, i.e. until it has read every event.
import type http from 'node:http';
import { GatewayIntentBits, GatewayOpcodes } from 'discord.js';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Json } from './discord-model.js';

export interface GatewaySession {
  sessionId: string;
  ws: WebSocket;
  intents: number;
  seq: number;
  identified: boolean;
  /** The last sequence number the client reported in a heartbeat. */
  reported: number;
  waiters: Array<{ seq: number; resolve: () => void }>;
}

export interface GatewayHooks {
  token: string;
  /** Privileged intents the application may use (the Developer Portal switches). */
  allowedPrivileged(): number;
  /** READY and then the GUILD_CREATEs for a freshly identified session. */
  onIdentify(session: GatewaySession): Array<{ t: string; d: Json }>;
}

const PRIVILEGED = GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;

export class DoubleGateway {
  readonly sessions = new Set<GatewaySession>();
  readonly identifies: Array<{ intents: number; at: number }> = [];
  private readonly wss: WebSocketServer;
  private counter = 0;
  private total = 0;

  constructor(server: http.Server, private readonly hooks: GatewayHooks) {
    this.wss = new WebSocketServer({ server, path: '/gateway' });
    this.wss.on('connection', (ws) => this.accept(ws));
  }

  /** Sends an event to every identified session; `build` returns null to skip a session (intents). */
  dispatch(t: string, build: (session: GatewaySession) => Json | null): void {
    for (const session of this.sessions) {
      if (!session.identified) continue;
      const d = build(session);
      if (d) this.send(session, t, d);
    }
  }

  /** Resolves when every client has read every event sent so far (bounded by `timeoutMs`). */
  async sync(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const behind = () => [...this.sessions].filter((s) => s.identified && s.reported < s.seq);
    // Opcode 1 from the server means "send a heartbeat now"; the client answers with the last
    // sequence it processed. Asked again until it has caught up (it may answer mid-batch).
    for (let pending = behind(); pending.length > 0 && Date.now() < deadline; pending = behind()) {
      await Promise.all(pending.map((session) => new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        session.waiters.push({ seq: session.seq, resolve: () => { clearTimeout(timer); resolve(); } });
        session.ws.send(JSON.stringify({ op: GatewayOpcodes.Heartbeat, d: null }));
      })));
    }
    // The sequence is recorded just before the event is emitted; let the emit happen.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Events sent so far, over all sessions (to tell whether anything happened). */
  get sent(): number {
    return this.total;
  }

  /** Closes every connection as Discord does for maintenance (the client reconnects). */
  disconnectAll(code = 4000): void {
    for (const session of this.sessions) session.ws.close(code, 'double asked to reconnect');
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    this.counter += 1;
    const session: GatewaySession = { sessionId: `session-${this.counter}`, ws, intents: 0, seq: 0, identified: false, reported: 0, waiters: [] };
    this.sessions.add(session);
    ws.on('close', () => {
      this.sessions.delete(session);
      for (const w of session.waiters) w.resolve();
    });
    ws.on('message', (raw) => this.receive(session, raw.toString()));
    ws.send(JSON.stringify({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
  }

  private receive(session: GatewaySession, raw: string): void {
    let payload: { op?: number; d?: unknown };
    try {
      payload = JSON.parse(raw) as { op?: number; d?: unknown };
    } catch {
      session.ws.close(4002, 'Decode error');
      return;
    }
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat: {
        if (typeof payload.d === 'number') session.reported = Math.max(session.reported, payload.d);
        session.ws.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck }));
        const done = session.waiters.filter((w) => w.seq <= session.reported);
        session.waiters = session.waiters.filter((w) => w.seq > session.reported);
        for (const w of done) w.resolve();
        return;
      }
      case GatewayOpcodes.Identify:
        return this.identify(session, (payload.d ?? {}) as Json);
      case GatewayOpcodes.Resume:
        // Not resumable here: the client identifies again, as after a real session expiry.
        session.ws.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: false }));
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.RequestGuildMembers:
        return;
      default:
        session.ws.close(4001, 'Unknown opcode');
    }
  }

  private identify(session: GatewaySession, d: Json): void {
    if (session.identified) {
      session.ws.close(4005, 'Already authenticated');
      return;
    }
    if (String(d.token ?? '').replace(/^Bot /, '') !== this.hooks.token) {
      session.ws.close(4004, 'Authentication failed');
      return;
    }
    const intents = typeof d.intents === 'number' ? d.intents : 0;
    if (intents & PRIVILEGED & ~this.hooks.allowedPrivileged()) {
      session.ws.close(4014, 'Disallowed intent(s)');
      return;
    }
    session.intents = intents;
    session.identified = true;
    this.identifies.push({ intents, at: Date.now() });
    for (const event of this.hooks.onIdentify(session)) this.send(session, event.t, event.d);
  }

  private send(session: GatewaySession, t: string, d: Json): void {
    session.seq += 1;
    this.total += 1;
    session.ws.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: session.seq, d }));
  }
}
