/**
 * `ticketflow stack`: the local stack's servers and ticketflow's own processes (ops/stack/), started,
 * stopped and reported by the supervisor.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../config/index.js';
import { appServices } from '../stack/apps.js';
import { writeScrapeTargets } from '../stack/scrape-targets.js';
import { stackServices } from '../stack/services/index.js';
import { StackError, Supervisor, type ServiceStatus } from '../stack/supervisor.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { printJson, printTable } from './output.js';

const USAGE = `usage: ticketflow stack up [--apps] [service…]
                                            start the servers (and every ticketflow process with --apps);
                                            named services start with what they depend on, optional
                                            servers (ferretdb) included
       ticketflow stack status [--json]     each server and process: state, pid, endpoint
       ticketflow stack stop <service>      stop one server or process; \`up\` starts it again
       ticketflow stack logs <service> [--follow]
       ticketflow stack down                stop everything \`up\` started

status exits 1 when a server (not a ticketflow process, nor an optional server never started) is not running.`;

function statusRows(statuses: readonly ServiceStatus[]): string[][] {
  return statuses.map((s) => [s.name, s.state, s.pid?.toString() ?? '-', s.endpoint]);
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    apps: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    follow: { type: 'boolean', short: 'f', default: false },
  });
  const [action, name, ...extra] = positionals;
  if (extra.length > 0 && action !== 'up') throw new UsageError(`unexpected arguments: ${extra.join(' ')}`, true);
  const config = loadConfig();
  const apps = appServices(config);
  const print = (text: string) => line(io.stderr, text);
  const onChange = () => writeScrapeTargets(config);
  const supervisor = new Supervisor(config.stack, [...stackServices, ...apps], print, onChange);
  const printStatus = async () => {
    const statuses = await supervisor.status();
    if (values.json) printJson(io.stdout, statuses);
    else printTable(io.stdout, ['SERVICE', 'STATE', 'PID', 'ENDPOINT'], statusRows(statuses));
    return statuses;
  };
  switch (action) {
    case 'up': {
      const named = positionals.slice(1);
      for (const service of named) supervisor.service(service);
      const servers = named.length > 0 ? named : stackServices.filter((s) => !s.optional).map((s) => s.name);
      const failed = await supervisor.up(values.apps ? [...servers, ...apps.map((a) => a.name)] : servers);
      await printStatus();
      if (failed.length > 0) {
        line(io.stderr, `stack: not healthy: ${failed.join(', ')} (see the log paths above)`);
        return EXIT.failure;
      }
      return EXIT.ok;
    }
    case 'down':
      await supervisor.down();
      return EXIT.ok;
    case 'stop':
      if (!name) throw new UsageError('stop needs a service name', true);
      supervisor.service(name);
      await supervisor.stop(name);
      return EXIT.ok;
    case 'status': {
      const statuses = await printStatus();
      // The servers are the stack; ticketflow's processes run only when asked for with `up --apps`.
      // Optional servers count only once started.
      const servers = statuses.filter((s) => !apps.some((app) => app.name === s.name));
      const down = servers.filter((s) => s.state !== 'running' && !(s.optional && s.state === 'stopped'));
      return down.length === 0 ? EXIT.ok : EXIT.failure;
    }
    case 'logs': {
      if (!name) throw new UsageError('logs needs a service name', true);
      const { logFile } = supervisor.context(supervisor.service(name));
      if (!existsSync(logFile)) throw new StackError(`${name} has no log yet (${logFile})`);
      const child = spawn('tail', [...(values.follow ? ['-F'] : []), '-n', '200', logFile], { stdio: 'inherit' });
      return new Promise((resolve) => child.on('close', (code) => resolve(code === 0 ? EXIT.ok : EXIT.failure)));
    }
    default:
      throw new UsageError(action ? `unknown action ${JSON.stringify(action)}` : 'missing action', true);
  }
}

export const command: Command = {
  name: 'stack',
  summary: 'start, stop and inspect the local servers and ticketflow processes',
  usage: USAGE,
  async run(argv, io) {
    try {
      return await run(argv, io);
    } catch (error) {
      // An unknown service name is the caller's mistake; the supervisor says which names exist.
      if (error instanceof StackError && /^unknown service/.test(error.message)) throw new UsageError(error.message);
      throw error;
    }
  },
};
