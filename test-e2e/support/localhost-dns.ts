// Browsers and curl map *.localhost to loopback; Node's resolver does not. The official client in
// Node uses the global WebSocket and fetch (undici), so we give undici's global dispatcher a
// lookup that does what a hosts entry would. The client itself stays unmodified.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, setGlobalDispatcher } from 'undici';

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function lookup(hostname: string, options: { all?: boolean }, callback: Callback): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
    return callback(null, '127.0.0.1', 4);
  }
  dnsLookup(hostname, options as never, callback as never);
}

setGlobalDispatcher(new Agent({ connect: { lookup: lookup as never } }));
