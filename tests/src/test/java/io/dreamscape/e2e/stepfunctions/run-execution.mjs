// Runs one execution of a state machine definition with aws-local-stepfunctions and prints one JSON line:
//   {"status":"SUCCEEDED","output":...,"events":[...]} or {"status":"FAILED","error":"...","cause":"...","events":[...]}
// Usage: node run-execution.mjs <node_modules dir> <definition.json> <input.json> <batch override URL>
// Lambda Task states call the Lambda API at AWS_ENDPOINT_URL_LAMBDA (the test's loopback endpoint). The Batch
// Task states (Resource arn:aws:states:::batch:submitJob.sync) are overridden: their effective input (the evaluated
// Parameters) is POSTed to the batch override URL + state name; a non-2xx answer {"error","cause"} fails the task
// with that error name, as Step Functions does when a Batch job fails.

// aws-local-stepfunctions 3.0.0 uses Promise.withResolvers (Node >= 22). On Node 20 every Task would fail into its
// Catch without this.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [nodeModules, definitionFile, inputFile, batchUrl] = process.argv.slice(2);
const { StateMachine } = await import(
  pathToFileURL(join(nodeModules, 'aws-local-stepfunctions', 'build', 'main.node.esm.js')).href);

const definition = JSON.parse(readFileSync(definitionFile, 'utf8'));
const input = JSON.parse(readFileSync(inputFile, 'utf8'));

const batchTasks = Object.entries(definition.States)
  .filter(([, s]) => s.Type === 'Task' && String(s.Resource).startsWith('arn:aws:states:::batch:'))
  .map(([name]) => name);

const taskResourceLocalHandlers = {};
for (const name of batchTasks) {
  taskResourceLocalHandlers[name] = async (parameters) => {
    const response = await fetch(batchUrl + encodeURIComponent(name), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(parameters),
    });
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(body.cause);
      error.name = body.error;
      throw error;
    }
    return body;
  };
}

// No real waiting between retries: the intervals are asserted on the definition, not slept through.
const retryIntervalOverrides = {};
for (const [name, state] of Object.entries(definition.States)) {
  if (state.Retry) retryIntervalOverrides[name] = 0;
}

const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
const execution = machine.run(input, {
  overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
  context: {
    Execution: {
      Id: 'arn:aws:states:us-east-1:123456789012:execution:Workflow:local-' + Date.now(),
      Input: input,
      Name: 'local-' + Date.now(),
      StartTime: new Date().toISOString(),
    },
  },
});

const events = [];
const collecting = (async () => {
  for await (const event of execution.eventLogs) {
    events.push({ type: event.type, state: event.state?.name, error: event.Error ?? event.error, index: event.index });
  }
})();

let line;
try {
  const output = await execution.result;
  line = { status: 'SUCCEEDED', output };
} catch (e) {
  const cause = e.cause ?? e;
  line = { status: 'FAILED', error: cause.name, cause: cause.message ?? String(cause) };
}
await collecting.catch(() => {});
line.events = events;
process.stdout.write(JSON.stringify(line) + '\n');
