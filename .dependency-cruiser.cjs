// The import rules of docs/architecture.md, checked in `npm test` (npm run check:deps):
// core ← config ← {upstreams, registry, scheduler, policy, context, tools, protocols, mcp, rag,
// metrics, integrations} ← gateway ← cli. Siblings in the middle row meet only in gateway and cli.
const siblings = 'upstreams|registry|scheduler|policy|context|tools|protocols|mcp|rag|metrics|integrations';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two folders one concern; split the shared part out instead.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-imports-nothing',
      severity: 'error',
      comment: 'src/core is the vocabulary every folder shares: it imports no other folder of src.',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'config-imports-core-and-section-schemas',
      severity: 'error',
      comment: 'src/config composes the sections subsystems own (their config-schema.ts) and nothing else of them.',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: ['^src/(core|config)/', `^src/(${siblings})/config-schema\\.ts$`] },
    },
    {
      name: 'section-schemas-are-leaves',
      severity: 'error',
      comment: "A subsystem's config-schema.ts may import only its own folder and core (config includes it).",
      from: { path: `^src/(${siblings})/config-schema\\.ts$` },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/$1/'] },
    },
    {
      name: 'siblings-do-not-import-each-other',
      severity: 'error',
      comment: 'Siblings meet in gateway and cli; a port is an interface in the folder that needs it.',
      from: { path: `^src/(${siblings})/` },
      to: { path: `^src/(${siblings})/`, pathNot: '^src/$1/' },
    },
    {
      name: 'only-upstreams-and-registry-read-config-types',
      severity: 'error',
      comment: 'scheduler, policy, rag and metrics own their sections; config composes them, so they must not import config back.',
      from: { path: '^src/(scheduler|policy|context|tools|protocols|mcp|rag|metrics|integrations)/' },
      to: { path: '^src/config/' },
    },
    {
      name: 'nothing-below-imports-gateway-or-cli',
      severity: 'error',
      comment: 'gateway is the only folder that knows Hono and the request path; cli is the composition root.',
      from: { path: '^src/', pathNot: '^src/(gateway|cli)/' },
      to: { path: '^src/(gateway|cli)/' },
    },
    {
      name: 'gateway-does-not-import-cli',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'hono-only-in-gateway-and-cli',
      severity: 'error',
      comment: 'The gateway is the only folder that imports Hono (cli starts the server).',
      from: { path: '^src/', pathNot: '^src/(gateway|cli)/' },
      to: { path: 'node_modules/(hono|@hono)/' },
    },
    {
      name: 'src-does-not-import-tests-or-bench',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
