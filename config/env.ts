/** Reading and validating environment variables, with errors that name the variable and the rule. */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

export function readString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  return value;
}

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: must be an integer`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`${name}=${raw}: must be between ${min} and ${max}`);
  }
  return value;
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInt(env, name, fallback, 1, 65535);
}

export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: must be one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

export function readUrl(env: Env, name: string, fallback: string, protocols: readonly string[]): string {
  const raw = readString(env, name, fallback);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: must be a URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: protocol must be one of ${protocols.join(', ')}`);
  }
  return raw;
}

/** Comma-separated host:port list, such as Kafka bootstrap servers. */
export function readHostPorts(env: Env, name: string, fallback: string): string[] {
  const raw = readString(env, name, fallback);
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new ConfigError(`${name}: must list at least one host:port`);
  for (const item of items) {
    const match = /^(.+):(\d+)$/.exec(item);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(`${name}: ${JSON.stringify(item)} must be host:port with a port from 1 to 65535`);
    }
  }
  return items;
}
