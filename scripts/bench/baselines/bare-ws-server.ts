// The socket scenarios' baseline: the least a server speaking the same Phoenix framing (vsn 2.0.0
// JSON arrays) must do to fan a broadcast out: answer phx_join and heartbeat, and for a broadcast
// encode the frame once (JSON and UTF-8) and ws.send it to every other socket of the topic. No auth, no limits, no
// Kafka. Prints `listening <port>` on stdout once it accepts connections. With --prebuilt it writes
// each broadcast as one frame built once (the gateway's transport/prebuilt-frame.ts), so the suite
// shows what that technique alone buys a bare server.
//   node scripts/bench/baselines/bare-ws-server.ts [--prebuilt]
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { sendPrebuilt } from '../../../services/gateway/src/transport/prebuilt-frame.ts';

type Frame = [string | null, string | null, string, string, unknown];

const prebuilt = process.argv.includes('--prebuilt');
const topics = new Map<string, Set<WebSocket>>();
const server = createServer();
const wss = new WebSocketServer({ server });

wss.on('connection', (ws) => {
  const joined = new Set<string>();
  ws.on('message', (data) => {
    const [joinRef, ref, topic, event, payload] = JSON.parse(data.toString()) as Frame;
    if (event === 'phx_join') {
      joined.add(topic);
      let members = topics.get(topic);
      if (!members) topics.set(topic, (members = new Set()));
      members.add(ws);
      ws.send(JSON.stringify([joinRef, ref, topic, 'phx_reply', { status: 'ok', response: {} }]));
    } else if (event === 'heartbeat') {
      ws.send(JSON.stringify([null, ref, topic, 'phx_reply', { status: 'ok', response: {} }]));
    } else if (event === 'broadcast') {
      const frame = JSON.stringify([null, null, topic, 'broadcast', payload]);
      const bytes = Buffer.from(frame);
      for (const other of topics.get(topic) ?? []) {
        if (other === ws) continue;
        if (prebuilt) sendPrebuilt(other, bytes, false);
        else other.send(bytes, { binary: false });
      }
    }
  });
  ws.on('close', () => {
    for (const topic of joined) topics.get(topic)?.delete(ws);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
// The parent's IPC channel closing means the suite is gone: so are we. Exiting through
// process.exit on SIGTERM too lets --cpu-prof write its profile.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
