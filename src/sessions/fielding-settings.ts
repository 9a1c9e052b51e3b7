// The fielding simulator's settings (sessions/simulator.ts) as one TypeBox schema, for the config, the
// admin API and the programmatic API; on its own so that reading the config loads nothing else.
import { Type, type Static } from '@sinclair/typebox';

/** A session's fielding rates and seed; one schema for the config file, the admin API and the programmatic API. */
export const FieldingSettingsSchema = Type.Object({
  starts_per_hour: Type.Number({ minimum: 0, maximum: 100_000, default: 2, description: 'respondents who start a live target group\'s survey per hour (0: nothing fills)' }),
  complete: Type.Number({ minimum: 0, maximum: 1, default: 0.3, description: 'the share of starts that complete' }),
  screen_out: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'the share of starts the survey screens out (Terminate)' }),
  over_quota: Type.Number({ minimum: 0, maximum: 1, default: 0.05, description: 'the share of starts turned away over quota, on top of those whose quota is full' }),
  seed: Type.Optional(Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 128 })], {
    description: "the random stream's seed: the same seed, the same requests and the same clock moves give the same counts; without one, the session's name",
  })),
}, { additionalProperties: false, description: 'the rest of the starts (1 - complete - screen_out - over_quota) drop off in the survey' });

export type FieldingSettings = Static<typeof FieldingSettingsSchema>;

/** The instance's rates when the config names none: slow, so a client that does not care sees nothing surprising. */
export const DEFAULT_FIELDING: FieldingSettings = Object.freeze({ starts_per_hour: 2, complete: 0.3, screen_out: 0.5, over_quota: 0.05 });

/** Why these shares cannot be (they take more than every start); null when they can. */
export function fieldingProblem(settings: FieldingSettings): string | null {
  const sum = settings.complete + settings.screen_out + settings.over_quota;
  return sum > 1 + 1e-9
    ? `'complete' + 'screen_out' + 'over_quota' must be at most 1 (the rest drop off), got ${Number(sum.toFixed(6))}`
    : null;
}

