/**
 * Which way imports may run (checked by `npm run check:imports`, part of `npm test`). The rules, in
 * words, are in README.md ("Where things are"):
 *  - no import cycles, type-only imports included;
 *  - workflows/ is Temporal's deterministic sandbox: it imports @temporalio/workflow, its own files
 *    and the contract (src/contract/), and anything else as types only;
 *  - the contract itself is made of @temporalio/workflow and types only, so the workflow bundle may
 *    take it whole;
 *  - the data layer (src/store/) never imports the API (src/api/) or the Temporal client code
 *    (src/temporal/): it is below both;
 *  - activities/ and workflows/ never import each other (they share src/contract/);
 *  - the receiver kit (packages/receiver/src) is a package of its own: its files, node's built-ins,
 *    standardwebhooks and fast-xml-parser only.
 *  - the typed client (packages/client/src) is a package of its own: its files and openapi-fetch only.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other (type-only imports count) cannot be understood or moved apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'workflows-are-deterministic',
      severity: 'error',
      comment: 'workflows/ imports @temporalio/workflow, its own files and src/contract/; anything else as types only.',
      from: { path: '^workflows/' },
      to: {
        pathNot: ['^workflows/', '^src/contract/', 'node_modules/@temporalio/workflow/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'contract-is-workflow-safe',
      severity: 'error',
      comment: 'src/contract/ is bundled with the workflows: @temporalio/workflow and types only.',
      from: { path: '^src/contract/' },
      to: {
        pathNot: ['^src/contract/', 'node_modules/@temporalio/workflow/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'store-is-below-api-and-temporal',
      severity: 'error',
      comment: 'The data layer serves the API and the workers; it never reaches up into either.',
      from: { path: '^src/store/' },
      to: { path: '^src/(api|temporal)/' },
    },
    {
      name: 'activities-and-workflows-apart',
      severity: 'error',
      comment: 'What they share is declared in src/contract/.',
      from: { path: '^(activities|workflows)/' },
      to: { path: '^(activities|workflows)/', pathNot: '^$1/' },
    },
    {
      name: 'receiver-kit-stands-alone',
      severity: 'error',
      comment: 'packages/receiver is installed on its own by receivers: it may not reach into the server.',
      from: { path: '^packages/receiver/src/' },
      to: {
        pathNot: ['^packages/receiver/src/', 'node_modules/(standardwebhooks|fast-xml-parser)/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'client-stands-alone',
      severity: 'error',
      comment: 'packages/client is published on its own: it may not reach into the server it talks to.',
      from: { path: '^packages/client/src/' },
      to: { pathNot: ['^packages/client/src/', 'node_modules/openapi-fetch/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    exclude: { path: ['^dist/', '^dashboard/dist/', '^packages/[^/]+/(dist|node_modules)/'] },
  },
};
