// Which module runs each job kind. Each area registers its handler here (one line per kind).
import type { AppBindings } from '../env';
import type { JobKind, JobOf } from './types';

export type JobHandler<K extends JobKind> = (env: AppBindings, job: JobOf<K>) => Promise<void>;

export const jobHandlers: { [K in JobKind]?: JobHandler<K> } = {};
