// The user's accounts (get_user_accounts). A token with an accounts claim may use those accounts and no
// other (403 elsewhere, hooks/authentication.ts), so they are the accounts it lists, each named as the
// account list names it (the user's reference data, else the document's example), else "Account N". A
// token without the claim may use any account: the list is the reference data's, or the example's.
import type { Wrappers } from './handler.js';

export const accountWrappers: Wrappers = {
  get_user_accounts: (generic) => (input) => {
    const granted = input.identity?.accounts;
    if (!granted) return generic(input);
    return { body: { accounts: granted.map((id) => ({ id, name: input.directory.accountName(id) })) } };
  },
};
