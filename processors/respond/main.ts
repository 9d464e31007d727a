/**
 * `tsx processors/respond/main.ts`: the respond stage process, wired from the topology (topics/topology.ts),
 * drafting with the extractive generator (no model server needed).
 */
import { runStageProcess } from '../runtime/main.js';
import { respondStage } from './stage.js';
import { respondWiring } from './wiring.js';

await runStageProcess(respondStage(), respondWiring());
