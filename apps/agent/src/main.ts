#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@bathyscope/config';
import { AGENT_VERSION, AgentRuntime } from './agent-runtime';
import { spoolSettings } from './config/spool-settings';
import { agentFiles, enroll, GatewayError, loadCredentials } from './credentials';
import { gatherHostFacts } from './host-facts';
import { parseListenAddress } from './signal-receiver/local-protocol';

const USAGE = `usage: bathyscope-agent <command> [options]

commands:
  enroll   enroll this host with an enrollment token: creates the agent's key pair and credentials
  run      capture HTTP traffic with eBPF and ship it to the ingest gateway
  status   print the running agent's last status (state, configuration version, counters)

options:
  --token <T>           enrollment token (bset_…), for enroll (or env BATHYSCOPE_ENROLLMENT_TOKEN)
  --server <url>        ingest gateway to enroll with, for enroll
  --ingest <url>        ingest gateway to start with (env BATHYSCOPE_INGEST_URL; default: the enrolled one, else
                        http://127.0.0.1:4001); the control plane may assign another at check-in
  --credentials <file>  agent credential file (default <state>/agent/credentials.json)
  --state-dir <dir>     state directory (env BATHYSCOPE_STATE_DIR)
  --spool-dir <dir>     where batches wait while the gateway is unreachable (env BATHYSCOPE_SPOOL_DIR;
                        default <state>/agent/spool; "none" keeps them in memory only)
  --spool-max-bytes <n> disk the spool may use, e.g. 512MiB (env BATHYSCOPE_SPOOL_MAX_BYTES; default 256MiB)
  --spool-max-age <t>   batches older than this are dropped unsent, e.g. 6h (env BATHYSCOPE_SPOOL_MAX_AGE;
                        default 24h)
  --spool-fsync-ms <n>  fsync the spool this often; 0 = every batch (env BATHYSCOPE_SPOOL_FSYNC_MS; default 1000)
  --signal-receiver <host:port|off>
                        receive OTLP/HTTP and Prometheus remote_write on this address and forward them to the
                        gateway, whatever the group configuration says; "off" never listens (env
                        BATHYSCOPE_SIGNAL_RECEIVER; default: the group's signalReceiver, which is off)`;

function fail(message: string, code = 2): never {
  console.error(`bathyscope-agent: ${message}`);
  process.exit(code);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      ingest: { type: 'string' },
      credentials: { type: 'string' },
      'state-dir': { type: 'string' },
      token: { type: 'string' },
      server: { type: 'string' },
      'spool-dir': { type: 'string' },
      'spool-max-bytes': { type: 'string' },
      'spool-max-age': { type: 'string' },
      'spool-fsync-ms': { type: 'string' },
      'signal-receiver': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig(
    values['state-dir'] ? { ...process.env, BATHYSCOPE_STATE_DIR: values['state-dir'] } : process.env,
  );
  const statusFile = path.join(config.stateDir, 'agent', 'status.json');

  switch (positionals[0]) {
    case 'status': {
      if (!fs.existsSync(statusFile)) fail(`no status at ${statusFile}: is the agent running?`);
      process.stdout.write(fs.readFileSync(statusFile, 'utf8'));
      return;
    }
    case 'enroll': {
      const token = values.token ?? process.env.BATHYSCOPE_ENROLLMENT_TOKEN;
      if (!token) fail('enroll needs --token <enrollment token>');
      if (!values.server) fail('enroll needs --server <ingest gateway URL>');
      let facts: ReturnType<typeof gatherHostFacts>;
      try {
        facts = gatherHostFacts(AGENT_VERSION);
      } catch (err) {
        fail((err as Error).message);
      }
      try {
        const enrolled = await enroll({ server: values.server, token, stateDir: config.stateDir, facts });
        const files = agentFiles(config.stateDir);
        console.log(
          `agent ${enrolled.agentId} ${enrolled.created ? 'enrolled' : 're-enrolled (same machine)'}; ingest ${enrolled.ingestUrl}; credentials in ${files.credentials}`,
        );
      } catch (err) {
        // The token is never printed: the gateway's answer names what is wrong with it.
        if (err instanceof GatewayError) fail(`enrollment refused (HTTP ${err.status}) ${err.message}`, 1);
        fail(`enrollment failed: ${(err as Error).message}`, 1);
      }
      return;
    }
    case 'run': {
      const credentialsFile = values.credentials ?? agentFiles(config.stateDir).credentials;
      if (!fs.existsSync(credentialsFile)) {
        fail(`no credentials at ${credentialsFile}: run "bathyscope-agent enroll --token <T> --server <URL>" first`);
      }
      let loaded: ReturnType<typeof loadCredentials>;
      try {
        loaded = loadCredentials(credentialsFile, values.ingest || process.env.BATHYSCOPE_INGEST_URL || undefined);
      } catch (err) {
        fail((err as Error).message);
      }
      const ingestUrl = loaded.ingestUrl ?? `http://127.0.0.1:${config.ingestPort}`;
      let spool: ReturnType<typeof spoolSettings>;
      try {
        spool = spoolSettings(values, process.env, config.stateDir);
      } catch (err) {
        fail((err as Error).message);
      }
      const signalReceiver = values['signal-receiver'] || process.env.BATHYSCOPE_SIGNAL_RECEIVER || undefined;
      if (signalReceiver && signalReceiver !== 'off' && !parseListenAddress(signalReceiver)) {
        fail(`--signal-receiver must be host:port (port 1-65535) or off, got "${signalReceiver}"`);
      }
      const agent = new AgentRuntime({
        ingestUrl,
        credentials: loaded.source,
        stateDir: config.stateDir,
        spool,
        signalReceiver,
      });
      await agent.start();
      const s = agent.status();
      if (agent.capturing)
        console.log(`agent: capturing HTTP with eBPF (kernel ${s.capabilities.kernel}), shipping to ${agent.gateway}`);
      else if (s.state === 'running') console.log(`agent: capture is off by configuration ${s.configVersion}`);
      else console.error(`agent: NOT capturing — ${s.capabilities.problems.join('; ') || 'unknown reason'}`);
      const recovered = s.counters['spool.rows_recovered'] ?? 0;
      if (recovered > 0) console.log(`agent: ${recovered} rows recovered from the spool, replaying them in order`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await agent.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
      return;
    }
    default:
      fail(`unknown command "${positionals[0]}"\n${USAGE}`);
  }
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
