/**
 * `tsx processors/retrieve/main.ts [--index <name>]`: the retrieve stage process, wired from the topology
 * (topics/topology.ts), searching the knowledge-base chunk index in Elasticsearch (tf-kb-chunks unless
 * `--index` names another, as kb-import does).
 */
import { Client } from '@elastic/elasticsearch';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.js';
import { runStageProcess } from '../runtime/main.js';
import { DEFAULT_CHUNK_INDEX } from './chunk-index.js';
import { createChunkSearch } from './search.js';
import { retrieveStage } from './stage.js';
import { retrieveWiring } from './wiring.js';

const { values } = parseArgs({ options: { index: { type: 'string', default: DEFAULT_CHUNK_INDEX } } });
const config = loadConfig();
// A failed search is retried by the runtime with backoff; the client itself need not retry for long.
const client = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 2 });

await runStageProcess(retrieveStage({ search: createChunkSearch(client, { index: values.index }) }), retrieveWiring());
