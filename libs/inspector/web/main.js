// The Inspector page's entry (bundled with @supabase/realtime-js by src/bundle.ts). Two views on
// one page, chosen by the URL's hash: #channel (the default, also /inspector/new) and #cluster.
import { channelView } from './channel-view.js';
import { clusterView } from './cluster-view.js';

const views = { channel: document.getElementById('channel-view'), cluster: document.getElementById('cluster-view') };

function show() {
  const current = location.hash === '#cluster' ? 'cluster' : 'channel';
  for (const [name, el] of Object.entries(views)) {
    el.hidden = name !== current;
    document.getElementById(`nav-${name}`).toggleAttribute('aria-current', name === current);
    if (name === current) document.getElementById(`nav-${name}`).setAttribute('aria-current', 'page');
  }
}

const defaults = await fetch('/inspector/config.json').then((r) => r.json()).catch(() => ({}));
channelView(views.channel, defaults);
clusterView(views.cluster);
window.addEventListener('hashchange', show);
show();
