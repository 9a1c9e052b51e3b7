// The scenario file format as one TypeBox schema: it checks files at load, types the compiler's input
// and is emitted as schemas/scenario.schema.json for editors (npm run scenario-schema).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { operationIds, operations } from '../cint/operations.js';
import { SIGNATURE_FAULTS } from '../webhooks/delivery.js';

export const FAULTS = ['connection_reset', 'empty_response', 'malformed_body', 'hang'] as const;
export type FaultName = (typeof FAULTS)[number];
/** The faults that can take an answer already made: they send nothing of it (malformed_body sends a body of its own). */
export const LOST_ANSWER_FAULTS = ['connection_reset', 'empty_response', 'hang'] as const;
export type LostAnswerFault = (typeof LOST_ANSWER_FAULTS)[number];

export const AFTER = ['fall_through', 'repeat', 'restart'] as const;
export type AfterLastStep = (typeof AFTER)[number];

const METHODS = [...new Set(operations.map((op) => op.method as string))].sort();

const literals = <T extends string>(values: readonly T[]) => values.map((value) => Type.Literal(value));

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()], { title: 'a string, number or boolean' });

export const ValueMatcher = Type.Union([
  Scalar,
  Type.Array(Scalar, { minItems: 1, title: 'a list of values', description: 'matches when the value is any one of these' }),
  Type.Object({
    matches: Type.String({ minLength: 1, description: 'a regular expression (JavaScript syntax, not anchored)' }),
  }, { additionalProperties: false, title: '{ matches: REGEX }' }),
  Type.Object({
    present: Type.Boolean({ description: 'true: the value is there, whatever it is; false: it is absent' }),
  }, { additionalProperties: false, title: '{ present: true|false }' }),
], {
  title: 'a value, a list of values, { matches: REGEX } or { present: true|false }',
  description: 'Compared with the request value as text: 101 matches "101". A list matches any of its values.',
});

const ValueMatchers = (what: string) => Type.Record(Type.String({ minLength: 1 }), ValueMatcher, {
  title: `an object of ${what} names to values`,
});

export const OperationName = Type.Union(literals(['*', ...operationIds]), {
  title: 'a Cint operation id or "*"',
  description: 'A Cint operation id (as in its OpenAPI document), or "*" for every operation',
});

const Method = Type.Union(literals(METHODS), { title: `an HTTP method (${METHODS.join(', ')})` });

export const Match = Type.Object({
  operation: Type.Optional(Type.Union([
    OperationName,
    Type.Array(OperationName, { minItems: 1, title: 'a list of Cint operation ids' }),
  ], { title: 'a Cint operation id, a list of them, or "*"' })),
  method: Type.Optional(Type.Union([Method, Type.Array(Method, { minItems: 1 })], { title: `an HTTP method (${METHODS.join(', ')}) or a list of them` })),
  path: Type.Optional(Type.String({
    pattern: '^/',
    title: 'a path template starting with /',
    description: 'e.g. /v1/demand/accounts/:account_id/projects; :name or {name} stands for any one segment, a literal segment must be equal',
  })),
  params: Type.Optional(ValueMatchers('path parameter')),
  query: Type.Optional(ValueMatchers('query parameter')),
  headers: Type.Optional(ValueMatchers('header')),
  body: Type.Optional(Type.Unknown({
    description: 'A partial deep match of the JSON body: every field given must be there and equal; '
      + 'a list matches when each of its items matches some item of the request list',
  })),
}, {
  additionalProperties: false,
  minProperties: 1,
  title: 'a match: operation, method, path, params, query, headers, body',
  description: 'Which requests the rule answers: by operation (or method and path), narrowed by params, query, headers and body',
});

const Milliseconds = Type.Integer({ minimum: 0, maximum: 600_000, title: 'milliseconds from 0 to 600000' });
const Delay = Type.Union([
  Milliseconds,
  Type.Tuple([Milliseconds, Milliseconds], { title: '[min, max] in milliseconds' }),
], { title: 'milliseconds, or [min, max] for a random delay in that range', description: 'Wait this long before answering' });

const Headers = Type.Record(Type.String({ minLength: 1 }), Type.Union([Type.String(), Type.Number()]), {
  title: 'an object of header names to values',
  description: 'Headers added to the answer',
});

const Times = Type.Integer({
  minimum: 1,
  title: 'an integer of at least 1',
  description: 'How many requests this step answers before the next step takes over; without it the step answers forever',
});

const Probability = Type.Number({
  minimum: 0,
  maximum: 1,
  title: 'a number from 0 to 1',
  description: "The chance this step answers a matching request, drawn from the session's seeded random stream; otherwise the rule steps aside for that request",
});

/** Fields every kind of step may carry. */
const stepCommon = {
  headers: Type.Optional(Headers),
  delay_ms: Type.Optional(Delay),
  times: Type.Optional(Times),
  probability: Type.Optional(Probability),
};

export const RateLimit = Type.Object({
  requests: Type.Integer({
    minimum: 1, maximum: 1_000_000, title: 'an integer from 1 to 1000000',
    description: 'How many of the rule\'s requests each window lets through (the rule steps aside for them)',
  }),
  per_ms: Type.Integer({
    minimum: 1, maximum: 86_400_000, title: 'milliseconds from 1 to 86400000',
    description: "The window, on the session's clock, from the first request after the last window ended",
  }),
}, {
  additionalProperties: false, title: '{ requests, per_ms }',
  description: "4xx/5xx only: the step answers only the requests past `requests` in a window of per_ms, with Retry-After the seconds left in it; the others step aside",
});

export const StatusStep = Type.Object({
  status: Type.Integer({ minimum: 200, maximum: 599, title: 'an HTTP status from 200 to 599' }),
  body: Type.Optional(Type.Unknown({
    description: "4xx/5xx: fields merged over Cint's error envelope. 2xx/3xx: the whole body sent; without it a 2xx (or 304) sends the realistic answer with this status, "
      + "and another 3xx is a redirect with no body, to the Location its headers give (get_target_group's: its details)",
  })),
  ...stepCommon,
  rate_limit: Type.Optional(RateLimit),
}, { additionalProperties: false, title: 'a status step' });

/** On a step that runs the realistic handler (passthrough, job, webhook): the answer it made is lost on the way. */
const LostAnswer = Type.Optional(Type.Union(literals(LOST_ANSWER_FAULTS), {
  title: `a fault that loses the answer (${LOST_ANSWER_FAULTS.join(', ')})`,
  description: 'The request is carried out as the real API would (its change made, its answer kept for a retry with the same Idempotency-Key), '
    + 'then its answer is lost on the way: the connection is reset, closed or left hanging instead',
}));

export const PassthroughStep = Type.Object({
  passthrough: Type.Literal(true, { description: 'The realistic behaviour' }),
  fault: LostAnswer,
  ...stepCommon,
}, { additionalProperties: false, title: 'a passthrough step' });

export const FaultStep = Type.Object({
  fault: Type.Union(literals(FAULTS), { title: `a fault (${FAULTS.join(', ')})` }),
  status: Type.Optional(Type.Integer({
    minimum: 200, maximum: 599, title: 'an HTTP status from 200 to 599',
    description: "malformed_body only: the status sent before the broken body (default: the operation's success status)",
  })),
  ...stepCommon,
}, { additionalProperties: false, title: 'a fault step' });

export const JobFailureData = Type.Union([
  Type.String({ minLength: 1, title: 'a failure code', description: "One of the codes Cint's document names for this kind of job (TargetGroupInvalidState, InvalidFieldingDates, StatusTransitionNotAllowed, JobExecutionStartMessageFailed, …), with the document's description" }),
  Type.Object({
    code: Type.String({ minLength: 1, title: 'a failure code' }),
    description: Type.Optional(Type.String({ minLength: 1, description: "What failure_reason.description says; the document's when left out" })),
  }, { additionalProperties: false, title: '{ code, description? }' }),
], { title: 'a failure code, or { code, description }' });

export const JobStep = Type.Object({
  job: Type.Object({
    processing_polls: Type.Optional(Type.Integer({
      minimum: 0, maximum: 1000, title: 'an integer from 0 to 1000',
      description: "Polls of the job's status that answer Processing before it ends (instead of jobPolls)",
    })),
    fail: Type.Optional(JobFailureData),
  }, {
    additionalProperties: false, minProperties: 1, title: '{ processing_polls?, fail? }',
    description: 'The request is handled realistically and makes its job; the job stays Processing for processing_polls polls, then ends Failed with `fail` (when given) or as its work goes',
  }),
  fault: LostAnswer,
  ...stepCommon,
}, { additionalProperties: false, title: 'a job step' });

export const WebhookStep = Type.Object({
  webhook: Type.Object({
    delay_ms: Type.Optional(Type.Integer({
      minimum: 0, maximum: 600_000, title: 'milliseconds from 0 to 600000',
      description: 'Wait this long (real time) before the first attempt of each delivery',
    })),
    duplicate: Type.Optional(Type.Union([
      Type.Literal(true),
      Type.Integer({ minimum: 2, maximum: 10, title: 'an integer from 2 to 10' }),
    ], { title: 'true (twice) or how many times', description: 'Deliver each event this many times: the same event id and body, each copy signed when it is sent' })),
    out_of_order: Type.Optional(Type.Literal(true, {
      description: "Hold each delivery back until a later event of the same webhook has been delivered (at most 60 s), so the receiver gets them in the wrong order",
    })),
    drop: Type.Optional(Type.Literal(true, { description: 'Never send the events: their deliveries are expired at once, as if Cint gave up on them' })),
    signature: Type.Optional(Type.Union(literals(SIGNATURE_FAULTS), {
      title: `a signature fault (${SIGNATURE_FAULTS.join(', ')})`,
      description: "wrong_secret: signed with a random key; stale_timestamp: t is an hour old (the HMAC over it is right); missing: no Cint-Signature header",
    })),
  }, {
    additionalProperties: false, minProperties: 1, title: '{ delay_ms?, duplicate?, out_of_order?, drop?, signature? }',
    description: "The request is handled realistically; the webhook deliveries of the events it publishes (a target group's change) are delayed, duplicated, reordered, dropped or badly signed",
  }),
  fault: LostAnswer,
  ...stepCommon,
}, { additionalProperties: false, title: 'a webhook step' });

export const Step = Type.Union([
  Type.Literal('passthrough', { description: 'The realistic behaviour' }),
  StatusStep,
  PassthroughStep,
  // Before FaultStep: a job or webhook step with a misspelt fault is told about its fault, not its job.
  JobStep,
  WebhookStep,
  FaultStep,
], { title: 'a step: "passthrough", or an object with status, passthrough: true, fault, job or webhook' });

export const Respond = Type.Union([
  Step,
  Type.Array(Step, { minItems: 1, title: 'a list of steps' }),
], { title: 'a step or a list of steps', description: 'One answer, or a sequence of steps each used `times` times' });

export const Rule = Type.Object({
  match: Match,
  respond: Respond,
  after: Type.Optional(Type.Union(literals(AFTER), {
    title: `what happens once the last step has used its times (${AFTER.join(', ')})`,
    description: 'fall_through (default): the rule steps aside and later rules or the realistic behaviour answer; '
      + 'repeat: the last step keeps answering; restart: the sequence starts again from its first step',
  })),
}, { additionalProperties: false, title: 'a rule: match, respond, after' });

export const ScenarioFile = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'The JSON Schema of this format, for editors' })),
  description: Type.String({ minLength: 1, title: 'a non-empty string', description: 'What the scenario does, in a sentence; shown by GET /__admin/scenarios' }),
  seed: Type.Optional(Type.Union([Type.Integer(), Type.String({ minLength: 1 })], {
    title: 'an integer or a string',
    description: "Makes probabilities and random delays reproducible: each session draws from its own stream seeded by this and the session's id",
  })),
  rules: Type.Array(Rule, { title: 'a list of rules', description: 'Tried in order; the first rule that matches a request answers it; no match means the realistic behaviour' }),
}, { additionalProperties: false, title: 'a scenario: description, seed, rules' });

export type ScenarioFileData = Static<typeof ScenarioFile>;
export type RuleData = Static<typeof Rule>;
export type MatchData = Static<typeof Match>;
export type StepData = Static<typeof Step>;
export type ValueMatcherData = Static<typeof ValueMatcher>;

/** The JSON Schema of scenario files, as committed in schemas/scenario.schema.json. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(ScenarioFile as TSchema)) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...schema,
    title: 'cint-mock scenario',
    description: 'A cint-mock scenario file: an ordered list of rules that script the answers of the Cint Demand API mock. See docs/scenarios.md.',
  };
}
