/**
 * `tsx processors/passthrough/main.ts --input T --output T --dead-letter T --group G [--transactional] [--batch]`
 * A pass-through stage process, wired by arguments because its topics belong to tests and benchmarks.
 */
import { parseArgs } from 'node:util';
import { runStagesProcess } from '../runtime/main.js';
import { explicitWiring } from '../runtime/wiring.js';
import { batchPassthroughStage, passthroughStage } from './stage.js';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    'dead-letter': { type: 'string' },
    group: { type: 'string' },
    name: { type: 'string', default: 'passthrough' },
    transactional: { type: 'boolean', default: false },
    batch: { type: 'boolean', default: false },
  },
});
const missing = ['input', 'output', 'dead-letter', 'group'].filter((k) => !values[k as keyof typeof values]);
if (missing.length > 0) {
  console.error(`passthrough: missing --${missing.join(', --')}`);
  process.exit(2);
}
await runStagesProcess([
  {
    stage: values.batch ? batchPassthroughStage(values.name) : passthroughStage(values.name),
    wiring: explicitWiring({
      groupId: values.group!,
      inputTopics: [values.input!],
      outputTopic: values.output!,
      deadLetterTopic: values['dead-letter']!,
      event: 'InteractionReceived',
    }),
    options: { transactional: values.transactional },
  },
]);
