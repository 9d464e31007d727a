import { existsSync, mkdirSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';

export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  type?: string;
  classifier?: string;
}

/**
 * Resolves artifacts and all their runtime dependencies from Maven Central into `targetDir` (one flat folder
 * of jars, like a distribution's libs/). Done once: the folder appears only after a complete copy.
 */
export async function copyWithDependencies(targetDir: string, artifacts: MavenArtifact[]): Promise<void> {
  if (existsSync(targetDir)) return;
  const work = `${targetDir}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const deps = artifacts
    .map(
      (a) =>
        `<dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId>` +
        `<version>${a.version}</version>${a.type ? `<type>${a.type}</type>` : ''}` +
        `${a.classifier ? `<classifier>${a.classifier}</classifier>` : ''}</dependency>`,
    )
    .join('\n    ');
  writeFileSync(
    path.join(work, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ticketflow.stack</groupId><artifactId>fetch</artifactId><version>0</version>
  <dependencies>
    ${deps}
  </dependencies>
</project>
`,
  );
  await run(
    'mvn',
    [
      '-B',
      '-q',
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${path.join(work, 'libs')}`,
    ],
    { cwd: work },
  );
  renameSync(path.join(work, 'libs'), targetDir);
  rmSync(work, { recursive: true, force: true });
}

/** Downloads one artifact (such as a distribution archive) into `targetDir` and returns its path. */
export async function copyArtifact(targetDir: string, artifact: MavenArtifact): Promise<string> {
  const type = artifact.type ?? 'jar';
  const file = path.join(
    targetDir,
    `${artifact.artifactId}-${artifact.version}${artifact.classifier ? `-${artifact.classifier}` : ''}.${type}`,
  );
  if (existsSync(file)) return file;
  mkdirSync(targetDir, { recursive: true });
  const coordinate = [artifact.groupId, artifact.artifactId, artifact.version, type, artifact.classifier]
    .filter(Boolean)
    .join(':');
  await run('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${coordinate}`, `-DoutputDirectory=${targetDir}`]);
  return file;
}
