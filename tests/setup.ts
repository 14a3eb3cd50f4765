// Harness runs type-check programs as `pulumi up` does, which costs seconds per run. The suites'
// fixtures are type-checked by tsc and by the engine suite (which unsets this), so the harness
// suites skip it; tests/harness/harness.test.ts checks a type error is caught without it.
process.env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";
