// The user's accounts (get_user_accounts) and an account's service clients (get_account_service_clients).
// A token with an accounts claim may use those accounts and no other (403 elsewhere,
// hooks/authentication.ts), so they are the accounts it lists, each named as the account list names it
// (the user's reference data, else the document's example), else "Account N". A token without the claim
// may use any account: the list is the reference data's, or the example's.
import { thenDo, type HandlerInput, type HandlerOutput, type Wrappers } from './handler.js';

interface UsersList { users?: { id?: string; email?: string; name?: string }[] }

/**
 * The client calling is a service client of the account (Cint's client-credentials grant): it is in the
 * list, by the user id the mock gives it in created_by, las_user_id and the like, named by its client id.
 */
function withCaller(input: HandlerInput, output: HandlerOutput): HandlerOutput {
  const body = output.body as UsersList | undefined;
  if (!input.identity || !body || body.users?.some((user) => user.id === input.actor)) return output;
  return { ...output, body: { ...body, users: [...(body.users ?? []), { id: input.actor, name: input.identity.clientId }] } };
}

export const accountWrappers: Wrappers = {
  get_user_accounts: (generic) => (input) => {
    const granted = input.identity?.accounts;
    if (!granted) return generic(input);
    return { body: { accounts: granted.map((id) => ({ id, name: input.directory.accountName(id) })) } };
  },
  get_account_service_clients: (generic) => (input) => thenDo(generic(input), (output) => withCaller(input, output)),
};
