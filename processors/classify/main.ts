/**
 * `tsx processors/classify/main.ts`: the classify stage process, wired from the topology
 * (topics/topology.ts), with the shipped intent model loaded once at start so a broken artefact fails the
 * process before it joins its group.
 */
import { runStageProcess } from '../runtime/main.js';
import { IntentModel } from './model.js';
import { classifyStage } from './stage.js';
import { classifyWiring } from './wiring.js';

await runStageProcess(classifyStage({ model: IntentModel.load() }), classifyWiring());
