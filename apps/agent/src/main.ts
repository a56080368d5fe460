#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@bathyscope/config';
import { AgentRuntime } from './agent-runtime';

const USAGE = `usage: bathyscope-agent <command> [options]

commands:
  run      capture HTTP traffic with eBPF and ship it to the ingest gateway
  status   print the running agent's last status report

options:
  --ingest <url>        ingest gateway (env BATHYSCOPE_INGEST_URL, default http://127.0.0.1:4001)
  --credentials <file>  agent credential file (default <state>/agent/credentials.json)
  --state-dir <dir>     state directory (env BATHYSCOPE_STATE_DIR)`;

function fail(message: string): never {
  console.error(`bathyscope-agent: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      ingest: { type: 'string' },
      credentials: { type: 'string' },
      'state-dir': { type: 'string' },
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
    case 'run': {
      const credentialsFile = values.credentials ?? path.join(config.stateDir, 'agent', 'credentials.json');
      if (!fs.existsSync(credentialsFile)) fail(`no credentials at ${credentialsFile} (npm start seeds them)`);
      const { token } = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as { token?: string };
      if (!token) fail(`${credentialsFile} has no token`);
      const ingestUrl = values.ingest ?? process.env.BATHYSCOPE_INGEST_URL ?? `http://127.0.0.1:${config.ingestPort}`;
      const agent = new AgentRuntime({ ingestUrl, token, stateDir: config.stateDir });
      await agent.start();
      const s = agent.status();
      if (agent.capturing)
        console.log(`agent: capturing HTTP with eBPF (kernel ${s.capabilities.kernel}), shipping to ${ingestUrl}`);
      else console.error(`agent: NOT capturing — ${s.capabilities.problems.join('; ') || 'unknown reason'}`);
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
