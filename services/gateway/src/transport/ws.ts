// The WebSocket endpoint (ws): /socket/websocket and /realtime/v1/websocket. Connect checks run
// before the upgrade so a refusal is a plain HTTP answer, after CONNECT_ERROR_BACKOFF_MS.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { STATUS_CODES } from 'node:http';
import { ErrorCodes, HttpStatus, statusOf } from '@realtime/errors';
import { parseVsn, type Vsn } from '@realtime/protocol';
import type { GatewayContext } from '../core/context/context.ts';
import type { Claims } from '../core/auth/jwt.ts';
import type { Connection } from '../core/channels/connection.ts';
import type { XHeaders } from '../core/base/x-headers.ts';
import { checkConnect } from '../core/admission/connect.ts';
import { tenantFromHost } from '../core/base/tenant.ts';
import { cleanToken } from '../core/auth/jwt.ts';
import { xHeaders } from '../core/base/x-headers.ts';
import type { ClientSocket } from '../ports.ts';
import { messageOf } from '../core/base/messages.ts';
import { sendPrebuilt } from './prebuilt-frame.ts';
import { TurnCork, type Corkable } from './turn-cork.ts';

export interface WsOptions {
  connectErrorBackoffMs: number;
  idleTimeoutMs: number;
  maxFrameBytes: number;
  /** Refused upgrades held for the backoff at once; past it a refusal is answered at once. */
  maxDelayedRefusals: number;
  /** Open WebSockets on this gateway; past it an upgrade is answered 503. */
  maxConnections: number;
  /** True once a restart drain began: upgrades get 503 and the client retries another gateway. */
  draining?: () => boolean;
}

const AT_CAPACITY = { error: 'Too many connections on this server, please retry later' };
const RESTARTING = { error: messageOf(ErrorCodes.RealtimeRestarting) };

/** What this transport needs of the gateway (core/gateway.ts implements it): the core's context plus a socket's life. */
export interface SocketGateway extends GatewayContext {
  attach(socket: ClientSocket, tenantId: string, vsn: Vsn, token: string, claims: Claims, headers?: XHeaders): Connection;
  receive(conn: Connection, frame: string | Uint8Array): Promise<void>;
}

const PATHS = new Set(['/socket/websocket', '/realtime/v1/websocket', '/realtime/v1/socket/websocket']);

export function attachWebSocket(server: Server, gateway: SocketGateway, options: WsOptions): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const refusals = { delayed: 0 };
  // One sweep for every socket instead of a timer each (P3): a silent socket is closed between
  // idleTimeoutMs and idleTimeoutMs + the sweep's period (a tenth of it, 0.1 to 5 s).
  const sweep = setInterval(() => closeIdle(wss, options.idleTimeoutMs), Math.min(5000, Math.max(100, options.idleTimeoutMs / 10)));
  sweep.unref();
  wss.on('close', () => clearInterval(sweep));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(wss, gateway, options, refusals, req, socket, head).catch((err: unknown) => {
      gateway.log.error({ err: String(err) }, 'upgrade failed');
      answer(socket, statusOf(ErrorCodes.ErrorConnectingToWebsocket), { error: messageOf(ErrorCodes.ErrorConnectingToWebsocket) });
    });
  });
  return wss;
}

async function upgrade(wss: WebSocketServer, g: SocketGateway, options: WsOptions, refusals: { delayed: number }, req: IncomingMessage, socket: Duplex, head: Buffer) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!PATHS.has(url.pathname)) return answer(socket, HttpStatus.NotFound, { error: 'Not found' });
  const vsn = parseVsn(url.searchParams.get('vsn'));
  if (!vsn) return answer(socket, HttpStatus.Forbidden, null);
  if (options.draining?.()) return answer(socket, HttpStatus.ServiceUnavailable, RESTARTING);
  if (wss.clients.size >= options.maxConnections) return answer(socket, HttpStatus.ServiceUnavailable, AT_CAPACITY);
  const header = req.headers['x-api-key'];
  const apiKey = (typeof header === 'string' && header) || url.searchParams.get('apikey');
  const started = performance.now();
  const result = await checkConnect(g, tenantFromHost(req.headers.host), apiKey ? cleanToken(apiKey) : null);
  g.metrics.socketConnected.observe(result.ok ? 'ok' : 'error', vsn, (performance.now() - started) / 1000);
  if (!result.ok) {
    g.log.info({ code: result.code, host: req.headers.host }, 'connect refused');
    // The backoff slows a client's reconnect loop; held for every refusal of a flood it would keep
    // a socket and a timer per refused attempt, so only so many wait at once.
    if (options.connectErrorBackoffMs > 0 && refusals.delayed < options.maxDelayedRefusals) {
      refusals.delayed++;
      await new Promise((r) => setTimeout(r, options.connectErrorBackoffMs)).finally(() => refusals.delayed--);
    }
    return answer(socket, result.status, { error: result.error });
  }
  if (wss.clients.size >= options.maxConnections) return answer(socket, HttpStatus.ServiceUnavailable, AT_CAPACITY); // others got in meanwhile
  const tenantId = result.tenant.externalId;
  const headers = xHeaders(req.headers);
  const { token, claims } = result;
  wss.handleUpgrade(req, socket, head, (ws) => serve(g, ws, g.attach(new WsClientSocket(ws), tenantId, vsn, token, claims, headers)));
}

/** What a socket's event handlers need; one small object instead of a closure per event (P3). */
interface Served {
  g: SocketGateway;
  conn: Connection;
  /** When the socket last sent a frame (Date.now()), for the idle sweep. */
  lastFrame: number;
}

const served = new WeakMap<WebSocket, Served>();

/**
 * One open socket's events. Apart from upgrade() on purpose: closures made inside it would keep
 * its whole scope (the upgrade request, its headers, the connect result) for the socket's life,
 * about 2 KB per idle connection (issue 11, P3). The handlers are shared by every socket (ws
 * calls them with `this` = the socket) and find their state in `served`.
 */
function serve(g: SocketGateway, ws: WebSocket, conn: Connection): void {
  served.set(ws, { g, conn, lastFrame: Date.now() });
  ws.on('message', onMessage);
  ws.on('close', onClose);
  ws.on('error', onError);
}

function closeIdle(wss: WebSocketServer, idleTimeoutMs: number): void {
  const now = Date.now();
  for (const ws of wss.clients) {
    const s = served.get(ws);
    if (s && now - s.lastFrame >= idleTimeoutMs && ws.readyState === ws.OPEN) ws.close(1000, 'idle timeout');
  }
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const s = served.get(this);
  if (!s) return;
  s.lastFrame = Date.now();
  const frame = isBinary ? toBytes(data) : data.toString();
  // A throw here would be an uncaught exception: the process, and every other socket, with it.
  try {
    s.g.receive(s.conn, frame).catch((err: unknown) => frameFailed(s, err));
  } catch (err) {
    frameFailed(s, err);
  }
}

function frameFailed({ g, conn }: Served, err: unknown): void {
  g.log.error({ code: ErrorCodes.UnknownErrorOnWebSocketMessage, err: String(err), tenant: conn.tenantId }, 'frame handling failed');
}

function onClose(this: WebSocket): void {
  const s = served.get(this);
  if (!s) return;
  served.delete(this);
  s.g.detach(s.conn);
}

function onError(this: WebSocket, err: Error): void {
  const s = served.get(this);
  s?.g.log.warn({ err: String(err), tenant: s.conn.tenantId }, 'socket error');
}

// Fan-out sends one text frame to many sockets in a row: encode it to UTF-8 once, not per socket.
let lastText: string | null = null;
let lastBytes: Buffer = Buffer.alloc(0);
function utf8(text: string): Buffer {
  if (text !== lastText) {
    lastText = text;
    lastBytes = Buffer.from(text, 'utf8');
  }
  return lastBytes;
}

/**
 * A client that does not read never answers our close frame either (it sits behind the unsent
 * bytes); ws would hold those bytes for 30 s. Past this grace the TCP socket is destroyed.
 */
const CLOSE_GRACE_MS = 2000;

/** A class, not an object of closures: its methods are shared by every socket (P3); its turn stamps (TurnCork) inline. */
class WsClientSocket extends TurnCork implements ClientSocket {
  // randomUUID's string is a chain of ~17 concatenated pieces (about 550 bytes); a flat copy is 56.
  readonly id = Buffer.from(randomUUID(), 'latin1').toString('latin1');
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
  }

  // ws sums its own queue and the socket's writable buffer: O(1), what the core bounds per send.
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  send(frame: string | Uint8Array): void {
    const socket = (this.#ws as unknown as { _socket?: Corkable | null })._socket;
    if (socket) this.beforeWrite(socket);
    if (typeof frame === 'string') sendPrebuilt(this.#ws, utf8(frame), false);
    else sendPrebuilt(this.#ws, frame, true);
  }

  close(code: number, reason?: string): void {
    const ws = this.#ws;
    ws.close(code, reason);
    const kill = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    kill.unref();
    ws.once('close', () => clearTimeout(kill));
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function answer(socket: Duplex, status: number, body: object | null): void {
  if (socket.destroyed) return;
  const text = body ? JSON.stringify(body) : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
