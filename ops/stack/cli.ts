/**
 * `npm run stack -- up [--apps] [service...] | down | status | stop <service> | logs <service> [--follow]`
 * `up` starts the servers; `up --apps` also starts ticketflow's own processes (ops/stack/apps.ts) on them;
 * `up <service>...` starts the named ones and what they depend on, optional servers such as ferretdb included.
 * Every other command covers both.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../config/index.js';
import { StackError, Supervisor } from './supervisor.js';
import { appServices } from './apps.js';
import { stackServices } from './services/index.js';

const usage =
  'usage: npm run stack -- up [--apps] [service...] | down | status | stop <service> | logs <service> [--follow]';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  const apps = appServices(config);
  const supervisor = new Supervisor(config.stack, [...stackServices, ...apps]);
  switch (command) {
    case 'up': {
      const withApps = rest.includes('--apps');
      const unknownFlag = rest.find((a) => a.startsWith('-') && a !== '--apps');
      if (unknownFlag) throw new StackError(`unknown option ${unknownFlag}\n${usage}`);
      const named = rest.filter((a) => !a.startsWith('-'));
      const servers = stackServices.filter((s) => !s.optional).map((s) => s.name);
      const wanted = named.length > 0 ? named : servers;
      const failed = await supervisor.up(withApps ? [...wanted, ...apps.map((a) => a.name)] : wanted);
      await printStatus(supervisor);
      if (failed.length > 0) {
        console.error(`stack: not healthy: ${failed.join(', ')} (see the log paths above)`);
        return 1;
      }
      return 0;
    }
    case 'down':
      await supervisor.down();
      return 0;
    case 'stop': {
      const name = rest[0];
      if (!name) throw new StackError(`stop needs a service name\n${usage}`);
      await supervisor.stop(name);
      return 0;
    }
    case 'status': {
      const statuses = await printStatus(supervisor);
      // The servers are the stack; ticketflow's processes run only when asked for with `up --apps`.
      // Optional servers count only once started.
      const servers = statuses.filter((s) => !apps.some((app) => app.name === s.name));
      return servers.every((s) => s.state === 'running' || (s.optional && s.state === 'stopped')) ? 0 : 3;
    }
    case 'logs': {
      const name = rest.find((a) => !a.startsWith('-'));
      if (!name) throw new StackError(`logs needs a service name\n${usage}`);
      const { logFile } = supervisor.context(supervisor.service(name));
      if (!existsSync(logFile)) throw new StackError(`${name} has no log yet (${logFile})`);
      const follow = rest.includes('--follow') || rest.includes('-f');
      const child = spawn('tail', [...(follow ? ['-F'] : []), '-n', '200', logFile], { stdio: 'inherit' });
      return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));
    }
    default:
      console.error(usage);
      return 2;
  }
}

async function printStatus(supervisor: Supervisor) {
  const statuses = await supervisor.status();
  const rows = statuses.map((s) => [s.name, s.state, s.pid?.toString() ?? '-', s.endpoint]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), 7));
  for (const row of [['SERVICE', 'STATE', 'PID', 'ENDPOINT'], ...rows]) {
    console.log(row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  '));
  }
  return statuses;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof StackError) {
      console.error(`stack: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
