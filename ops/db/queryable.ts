import type { Pool } from 'pg';

/** Whatever runs one query: a pool, or a client holding a transaction. */
export type Queryable = Pick<Pool, 'query'>;
