/** Registers Hookline's search attributes on the Temporal server at TEMPORAL_ADDRESS. */
import { loadConfigOrExit } from '../src/runtime.js';
import { registerSearchAttributes } from '../src/temporal/search-attributes.js';

const config = loadConfigOrExit();
const address = config.temporal.address ?? 'localhost:7233';
const added = await registerSearchAttributes(address, config.temporal.namespace);
process.stdout.write(
  added.length ? `registered ${added.join(', ')} on ${address}\n` : `search attributes already registered on ${address}\n`,
);
