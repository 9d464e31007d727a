import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Echo output to the operator's terminal instead of capturing it. */
  inherit?: boolean;
}

/** Runs a command to completion; rejects with its exit code and the tail of its output. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: options.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${output.slice(-4000)}`));
    });
  });
}

/** The unprivileged account services run as when the stack is started by root (PostgreSQL and Elasticsearch refuse root). */
export const SERVICE_USER = 'ticketflow';

export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Runs a command as the service user when we are root, as ourselves otherwise. */
export function runAsServiceUser(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  if (!runningAsRoot()) return run(command, args, options);
  return run('runuser', ['-u', SERVICE_USER, '--', command, ...args], options);
}
