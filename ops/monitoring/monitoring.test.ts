/**
 * The monitoring shipped in ops/monitoring: rules pass `promtool check rules`, their unit tests fire and clear
 * every alert (`promtool test rules`), the generated Prometheus configuration passes `promtool check config`,
 * and the Grafana dashboard is valid JSON whose every query parses and reads only series that exist.
 * promtool comes with Debian's `prometheus` package (ops/install.sh); without it the promtool checks are
 * skipped, saying so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../config/index.js';
import { prometheusConfig } from '../stack/services/prometheus.js';
import { knownSeries } from './metrics.js';
import { metricNames, withoutGrafanaVariables } from './promql.js';

const dir = path.join(repoRoot, 'ops', 'monitoring');
const rulesFile = path.join(dir, 'rules', 'ticketflow.yml');
const rulesText = readFileSync(rulesFile, 'utf8');
const testsText = readFileSync(path.join(dir, 'tests', 'ticketflow.test.yml'), 'utf8');
const dashboard = JSON.parse(readFileSync(path.join(dir, 'grafana', 'pipeline-overview.json'), 'utf8')) as {
  panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
};

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = promtool ? false : 'promtool is not installed (Debian package prometheus, installed by ops/install.sh)';

function runPromtool(args: string[], cwd = dir): { ok: boolean; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

const alerts = [...rulesText.matchAll(/^\s*- alert: (\S+)/gm)].map((m) => m[1]!);
const records = [...rulesText.matchAll(/^\s*- record: (\S+)/gm)].map((m) => m[1]!);
/** Every `expr:` of the rules, folded (`>-`) ones joined into one line. */
const ruleExprs = [...rulesText.matchAll(/^\s*expr: (?:>-\n((?:\s{10,}.+\n)+)|(.+))/gm)].map((m) =>
  (m[1] ?? m[2]!).replace(/\s+/g, ' ').trim(),
);
const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

test('the rules pass promtool check rules', { skip }, () => {
  const { ok, output } = runPromtool(['check', 'rules', rulesFile]);
  assert.ok(ok, output);
});

test('promtool test rules fires and clears every alert', { skip }, () => {
  const { ok, output } = runPromtool(['test', 'rules', path.join('tests', 'ticketflow.test.yml')]);
  assert.ok(ok, output);
});

test('every alert has a unit test where it fires and one where it is quiet', () => {
  assert.ok(alerts.length >= 8, `found alerts: ${alerts.join(', ')}`);
  for (const alert of alerts) {
    const cases = [...testsText.matchAll(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:(.*)`, 'g'))].map((m) =>
      m[1]!.trim(),
    );
    assert.ok(cases.includes('[]'), `${alert} is never shown quiet`);
    assert.ok(cases.includes(''), `${alert} is never shown firing`);
  }
});

test('rules read only series that exist', async () => {
  const known = new Set([...(await knownSeries()), ...records]);
  assert.equal(ruleExprs.length, alerts.length + records.length);
  for (const expr of ruleExprs) {
    for (const name of metricNames(expr)) assert.ok(known.has(name), `${name} in ${expr} is not a known series`);
  }
});

test('the dashboard is valid JSON whose panels read only series that exist', async () => {
  const known = new Set([...(await knownSeries()), ...records]);
  assert.ok(panelExprs.length >= 10);
  for (const { panel, expr } of panelExprs) {
    const names = metricNames(withoutGrafanaVariables(expr));
    assert.ok(names.length > 0, `${panel}: no metric in ${expr}`);
    for (const name of names) assert.ok(known.has(name), `${panel}: ${name} is not a known series`);
  }
  const titles = dashboard.panels.map((p) => p.title).join('\n');
  for (const topic of [/throughput|per second, by stage/i, /p99/, /lag/i, /dead letters/i, /by status/i]) {
    assert.match(titles, topic);
  }
});

test('every dashboard query parses (promtool checks them as recording rules)', { skip }, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tf-dashboard-'));
  try {
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: panelExprs.map((p, i) => ({ record: `dashboard:panel_${i}`, expr: withoutGrafanaVariables(p.expr) })),
        },
      ],
    };
    const file = path.join(tmp, 'dashboard.yml');
    writeFileSync(file, JSON.stringify(rules));
    const { ok, output } = runPromtool(['check', 'rules', file]);
    assert.ok(ok, output);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the stack writes a Prometheus configuration that promtool accepts', { skip }, () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tf-prometheus-'));
  try {
    mkdirSync(path.join(tmp, 'targets'));
    cpSync(path.join(dir, 'rules'), path.join(tmp, 'rules'), { recursive: true });
    writeFileSync(path.join(tmp, 'prometheus.yml'), JSON.stringify(prometheusConfig()));
    const { ok, output } = runPromtool(['check', 'config', 'prometheus.yml'], tmp);
    assert.ok(ok, output);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
