/**
 * The engine's floor: the least a delivery can cost on Temporal. One workflow, one activity that
 * makes the same POST as a Hookline attempt, nothing else. Variants (for the tuning notes) add one
 * thing at a time: a local activity instead, a second activity, or Hookline's search attributes.
 */
import { proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { FloorActivities, PostInput } from './activities.js';
import { DELIVERY_STATUS } from '../../src/contract/search-attributes.js';

const { post, load } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '30s' });

/** The floor: one activity. History: 11 events. */
export async function floorWorkflow(input: PostInput): Promise<number> {
  return post(input);
}

/** The POST as a local activity: no activity task round trip (history: 8 events + 1 marker). */
export async function floorLocalWorkflow(input: PostInput): Promise<number> {
  return local.post(input);
}

/** Two activities (a load, then the POST): what one more activity per delivery costs. */
export async function floorTwoActivitiesWorkflow(input: PostInput): Promise<number> {
  await load(input);
  return post(input);
}

/**
 * Hookline's shape around the same one activity: started with four search attributes (by the
 * starter), and one upsert of the status at the end, as the delivery workflow does.
 */
export async function floorShapedWorkflow(input: PostInput): Promise<number> {
  const status = await post(input);
  upsertSearchAttributes([{ key: DELIVERY_STATUS, value: 'succeeded' }]);
  return status;
}
