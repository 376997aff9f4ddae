// A real Link (`conduit link`) connected straight to one cluster node, and an integrator paired with
// its site through another node, as the practice and the integrator do it (tick, pairing code,
// pair-site). The same flow as bench/lib/conduit.ts, on a cluster.
import { join } from 'node:path';
import { CLI, REPO, runNode, spawnNode, stopProc, type Proc } from './processes.js';
import type { BenchCluster } from './cluster-nodes.js';

const CLUSTER_ADMIN = join(REPO, 'test', 'support', 'cluster-admin.ts');

export interface ClusterSite {
  link: Proc;
  apiKey: string;
  siteId: string;
}

export async function pairClusterSite(c: BenchCluster, runDir: string, database: string, linkNode: number, pairNode: number, logLevel: string, log: (s: string) => void): Promise<ClusterSite> {
  // `conduit admin` opens the SQLite store of --data-dir; on PostgreSQL the integrator is created through
  // the same library call by the cluster tests' admin helper.
  const created = c.storeUrl
    ? await runNode([CLUSTER_ADMIN, 'create', c.storeUrl, 'Bench Cluster Integrator'], runDir, 'cluster-admin')
    : await runNode([CLI, 'admin', 'integrator', 'create', '--name', 'Bench Cluster Integrator', '--json', '--data-dir', c.dataDir], runDir, 'cluster-admin');
  const integrator = JSON.parse(created.trim().split('\n').pop()!) as { id: string; apiKey: string };
  const state = join(runDir, 'cluster-link-state.db');
  const link = await spawnNode({
    name: 'cluster-link', logDir: runDir, env: { CONDUIT_LOG_LEVEL: logLevel }, readyTimeoutMs: 120_000,
    ready: /Link connected: site[\s\S]*Setup third-party integrations|Setup third-party integrations[\s\S]*Link connected: site/,
    args: [CLI, 'link', '--cloud', c.nodes[linkNode]!.url, '--database', database, '--state', state, '--ui-port', '0'],
  });
  try {
    await runNode([CLI, 'link', 'integrations', 'enable', '--integrator', integrator.id, '--state', state, '--json'], runDir, 'cluster-enable');
    const code = JSON.parse((await runNode([CLI, 'link', 'integrations', 'pairing-code', '--integrator', integrator.id, '--state', state, '--json'], runDir, 'cluster-pairing-code')).trim().split('\n').pop()!) as { siteId: string; code: string };
    const url = c.nodes[pairNode]!.url;
    const practice = `practiceManagementSiteId=${encodeURIComponent(code.siteId)}&practiceManagementName=Best%20Practice`;
    const paired = await fetch(`${url}/integrator/pair-site?${practice}&pairingCode=${encodeURIComponent(code.code)}`, { method: 'POST', headers: { 'Ocp-Apim-Subscription-Key': integrator.apiKey } });
    const body = (await paired.json()) as { id?: string; availability?: string };
    if (paired.status !== 200 || !body.id) throw new Error(`pair-site through ${c.nodes[pairNode]!.id} failed: HTTP ${paired.status} ${JSON.stringify(body)}`);
    log(`  cluster Link pid ${link.pid} on ${c.nodes[linkNode]!.id}; site ${body.id} paired through ${c.nodes[pairNode]!.id} (${body.availability})`);
    return { link, apiKey: integrator.apiKey, siteId: body.id };
  } catch (e) {
    await stopProc(link);
    throw e;
  }
}
