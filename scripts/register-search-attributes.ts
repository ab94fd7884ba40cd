/** Registers Hookline's search attributes on the Temporal server at TEMPORAL_ADDRESS. */
import { loadConfigOrExit } from '../src/runtime.js';
import { temporalConnectionOptions } from '../src/temporal/client.js';
import { registerSearchAttributes } from '../src/temporal/search-attributes.js';

const config = loadConfigOrExit();
const options = temporalConnectionOptions(config);
const address = options.address;
const added = await registerSearchAttributes(options, config.temporal.namespace);
process.stdout.write(
  added.length ? `registered ${added.join(', ')} on ${address}\n` : `search attributes already registered on ${address}\n`,
);
