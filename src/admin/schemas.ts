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

/** The error answers of a route that reads one session (admin/document.ts puts them in the document). */
export const AMBIGUOUS = { 409: 'Several clients use that session name: give client_id.' } as const;
export const ONE_SESSION = { 404: 'No session of that name (of that client, with client_id) yet: a session starts with its first request.', ...AMBIGUOUS } as const;
