// The socket scenarios' baseline: the least a server speaking the same Phoenix framing (vsn 2.0.0
// JSON arrays) must do to fan a broadcast out: answer phx_join and heartbeat, and for a broadcast
// encode the frame once and ws.send it to every other socket of the topic. No auth, no limits, no
// Kafka. Prints `listening <port>` on stdout once it accepts connections.
//   node scripts/bench/baselines/bare-ws-server.ts [port=0]
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

type Frame = [string | null, string | null, string, string, unknown];

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
      for (const other of topics.get(topic) ?? []) if (other !== ws) other.send(frame);
    }
  });
  ws.on('close', () => {
    for (const topic of joined) topics.get(topic)?.delete(ws);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
// The parent's IPC channel closing means the suite is gone: so are we.
process.on('disconnect', () => process.exit(0));
