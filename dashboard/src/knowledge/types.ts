// Shapes the knowledge-base screens share, taken from the API's own types.
import type { ApiData, api } from '../api';

export type Group = ApiData<typeof api.knowledge.groups.$get>[number];
