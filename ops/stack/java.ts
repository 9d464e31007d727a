import { readdirSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Finds an installed JDK whose major version is at least `minMajor`, preferring the oldest that fits. */
export function findJavaHome(minMajor: number): string {
  const candidates = new Set<string>();
  if (process.env.JAVA_HOME) candidates.add(process.env.JAVA_HOME);
  for (const base of ['/usr/lib/jvm', '/opt/java']) {
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) candidates.add(path.join(base, entry));
  }
  const found = [...candidates]
    .map((home) => ({ home, major: javaMajor(home) }))
    .filter((jdk): jdk is { home: string; major: number } => jdk.major !== undefined && jdk.major >= minMajor)
    .sort((a, b) => a.major - b.major);
  const best = found[0];
  if (!best)
    throw new Error(
      `no JDK ${minMajor}+ found in JAVA_HOME or /usr/lib/jvm; install one (e.g. openjdk-17-jdk-headless)`,
    );
  return best.home;
}

function javaMajor(home: string): number | undefined {
  const release = path.join(home, 'release');
  if (!existsSync(path.join(home, 'bin', 'java')) || !existsSync(release)) return undefined;
  const match = /JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'));
  return match ? Number(match[1]) : undefined;
}
