// fast-check draws from one seed in every test run, so that `npm test` is the same run each time
// (a property that fails fails again, with the same counterexample). FC_SEED=N explores another
// part of the input space: `FC_SEED=$RANDOM npx vitest run test/shell/parse.property.test.ts`.
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261202) });
