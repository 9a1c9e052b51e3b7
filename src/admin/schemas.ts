// Schemas shared by the admin routes: a session id in the path and its client, and the empty answer of a 204.
import { Type } from '@sinclair/typebox';

export const SessionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128, description: 'the session id: a client id or an X-Mock-Session name' }),
});

/** Which client's session of that name, where several clients use one name (see README "Sessions"). */
export const SessionQuery = Type.Object({
  client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "the client whose session of that name; without it, every client's (reads: 409 when several)" })),
});

/** Documents a 204 as such: without it @fastify/swagger would describe the route as a 200. */
export const NoContent = Type.Null({ description: 'Done; no body' });
